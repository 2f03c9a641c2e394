// Offline-RL terms: the PyTorch golden vectors (float and double), central
// differences, hand values and the input checks.

#include <catch2/catch.hpp>

#include <prefrl/core.hpp>
#include <prefrl/offline.hpp>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "laws/gradient_laws.hpp"
#include "support/compare.hpp"
#include "support/data_dir.hpp"
#include "support/golden.hpp"

namespace offline = prefrl::offline;
using prefrl::index_t;
using prefrl::vector;

static_assert(prefrl::check_regularizer<offline::expectile, std::span<const double>, std::span<const double>>());
static_assert(prefrl::Regularizer<offline::cql, prefrl::const_matrix_ref<float>, std::span<const index_t>>);

namespace {

const nlohmann::json& golden_case(const std::string& name) {
    for (const auto& c : prefrl::test::golden()["offline"])
        if (c["loss"] == name) return c;
    throw std::runtime_error("no golden case " + name);
}

template <class T>
std::span<const T> span_of(const vector<T>& v) {
    return {v.data(), static_cast<std::size_t>(v.size())};
}

// `held`: an entry whose central difference also moves a stop-gradient quantity (Gumbel's M)
template <class T, class Term>
void check_value_term(const Term& term, const std::string& name, bool hold_largest = false) {
    const auto& c = golden_case(name);
    const auto q = prefrl::test::as_vector<T>(c["inputs"]["q"]), v = prefrl::test::as_vector<T>(c["inputs"]["v"]);
    const auto r = term.template operator()<T>(q, v);
    prefrl::test::require_close<T>(std::vector<T>{r.value}, {c["value"].get<double>()});
    prefrl::test::require_close<T>(r.d_v, c["d_v"].get<std::vector<double>>());
    // central differences in v
    const vector<T> v0 = Eigen::Map<const vector<T>>(v.data(), static_cast<Eigen::Index>(v.size()));
    vector<T> expected = r.d_v;
    Eigen::Index largest = 0;
    if (hold_largest) {
        // d_v holds M = max_i z_i constant (the authors' detach); moving the entry that sets M
        // also moves M, so its difference quotient is d_v plus (dL/dM) (dM/dv) = d_v + L / beta
        for (Eigen::Index i = 1; i < v0.size(); ++i)
            if (q[static_cast<std::size_t>(i)] - v0[i] > q[static_cast<std::size_t>(largest)] - v0[largest]) largest = i;
        expected[largest] += r.value;
    }
    prefrl::laws::check_gradient<T>([&](const vector<T>& x) { return static_cast<double>(term.template operator()<T>(q, span_of(x)).value); },
                                    v0, expected);
}

}  // namespace

TEMPLATE_TEST_CASE("value-regression terms match PyTorch and central differences", "[offline]", float, double) {
    using T = TestType;
    check_value_term<T>(offline::expectile{.tau = 0.7}, "expectile");
    check_value_term<T>(offline::gumbel{.beta = 1.0, .max_clip = 7.0}, "gumbel_rescaled", true);
    check_value_term<T>(offline::fdvl{.divergence = offline::f_divergence::chi_square, .lambda_ = 0.8}, "fdvl_chi_square");
    check_value_term<T>(offline::fdvl{.divergence = offline::f_divergence::total_variation, .lambda_ = 0.8}, "fdvl_total_variation");
}

TEST_CASE("value-regression terms: hand values, Gumbel's clip, bad input", "[offline]") {
    const std::vector<double> q{1.0, 0.0}, v{0.0, 1.0};  // x = 1, -1
    CHECK(offline::expectile{.tau = 0.7}(std::span<const double>(q), std::span<const double>(v)).value == Approx((0.7 + 0.3) / 2));
    // Gumbel: M = max(1, -1) = 1: l(1) = 1 - e^-1 - e^-1, l(-1) = e^-2 + e^-1 - e^-1
    const double expected = (1 - 2 * std::exp(-1.0) + std::exp(-2.0)) / 2;
    CHECK(offline::gumbel{}(std::span<const double>(q), std::span<const double>(v)).value == Approx(expected));
    // above max_clip the loss is flat in v
    const std::vector<double> far{100.0};
    const auto clipped = offline::gumbel{.beta = 1.0, .max_clip = 7.0}(std::span<const double>(far), std::span<const double>(v).first(1));
    CHECK(clipped.d_v[0] == 0.0);
    // f-DVL TV at lambda = 1 is mean max(x, 0)
    CHECK(offline::fdvl{.divergence = offline::f_divergence::total_variation, .lambda_ = 1.0}(std::span<const double>(q), std::span<const double>(v)).value ==
          Approx(0.5));
    REQUIRE_THROWS_WITH(offline::expectile{.tau = 1.0}(std::span<const double>(q), std::span<const double>(v)),
                        "prefrl::offline::expectile: tau must be in (0, 1), got 1");
    const std::vector<double> nan{1.0, std::nan("")};
    REQUIRE_THROWS_WITH(offline::gumbel{}(std::span<const double>(q), std::span<const double>(nan)), "prefrl::offline::gumbel: v[1] must be finite, got nan");
    REQUIRE_THROWS_WITH(offline::fdvl{.lambda_ = 0.0}(std::span<const double>(q), std::span<const double>(v)),
                        "prefrl::offline::fdvl: lambda_ must be in (0, 1], got 0");
    REQUIRE_THROWS_WITH(offline::expectile{}(std::span<const double>(q), std::span<const double>(v).first(1)),
                        "prefrl::offline::expectile: v has 1 entries but q has 2");
    REQUIRE_THROWS_WITH(offline::expectile{}(std::span<const double>(), std::span<const double>()), "prefrl::offline::expectile: q must not be empty");
}

TEMPLATE_TEST_CASE("CQL and TD3+BC match PyTorch and central differences", "[offline]", float, double) {
    using T = TestType;
    {
        const auto& c = golden_case("cql_discrete");
        const auto values = prefrl::test::as_vector<T>(c["inputs"]["q"]);
        const auto actions = c["inputs"]["actions"].get<std::vector<index_t>>();
        const Eigen::Index batch = static_cast<Eigen::Index>(actions.size()), count = c["params"]["actions"].get<Eigen::Index>();
        const prefrl::row_matrix<T> q = Eigen::Map<const prefrl::row_matrix<T>>(values.data(), batch, count);
        const offline::cql term{.alpha = c["params"]["alpha"].get<double>()};
        const auto r = term(prefrl::const_matrix_ref<T>(q), std::span<const index_t>(actions));
        prefrl::test::require_close<T>(std::vector<T>{r.value}, {c["value"].get<double>()});
        prefrl::test::require_close<T>(r.d_q.template reshaped<Eigen::RowMajor>(), c["d_q"].get<std::vector<double>>());
        const vector<T> flat = q.template reshaped<Eigen::RowMajor>();
        prefrl::laws::check_gradient<T>(
            [&](const vector<T>& x) {
                const prefrl::row_matrix<T> m = Eigen::Map<const prefrl::row_matrix<T>>(x.data(), batch, count);
                return static_cast<double>(term(prefrl::const_matrix_ref<T>(m), std::span<const index_t>(actions)).value);
            },
            flat, vector<T>(r.d_q.template reshaped<Eigen::RowMajor>()));
    }
    {
        const auto& c = golden_case("td3_bc");
        const auto dims = c["inputs"]["action_dim"].get<Eigen::Index>();
        const auto pa = prefrl::test::as_vector<T>(c["inputs"]["policy_action"]), da = prefrl::test::as_vector<T>(c["inputs"]["data_action"]);
        const auto q = prefrl::test::as_vector<T>(c["inputs"]["q"]);
        const Eigen::Index batch = static_cast<Eigen::Index>(q.size());
        const prefrl::row_matrix<T> policy = Eigen::Map<const prefrl::row_matrix<T>>(pa.data(), batch, dims);
        const prefrl::row_matrix<T> data = Eigen::Map<const prefrl::row_matrix<T>>(da.data(), batch, dims);
        const offline::td3_bc term{.alpha = c["params"]["alpha"].get<double>()};
        const auto r = term(prefrl::const_matrix_ref<T>(policy), prefrl::const_matrix_ref<T>(data), std::span<const T>(q));
        prefrl::test::require_close<T>(std::vector<T>{r.value}, {c["value"].get<double>()});
        prefrl::test::require_close<T>(r.d_policy_action.template reshaped<Eigen::RowMajor>(), c["d_policy_action"].get<std::vector<double>>());
        prefrl::test::require_close<T>(r.d_q, c["d_q"].get<std::vector<double>>());
        prefrl::laws::check_gradient<T>(
            [&](const vector<T>& x) {
                const prefrl::row_matrix<T> m = Eigen::Map<const prefrl::row_matrix<T>>(x.data(), batch, dims);
                return static_cast<double>(term(prefrl::const_matrix_ref<T>(m), prefrl::const_matrix_ref<T>(data), std::span<const T>(q)).value);
            },
            vector<T>(policy.template reshaped<Eigen::RowMajor>()), vector<T>(r.d_policy_action.template reshaped<Eigen::RowMajor>()));
    }
}

TEMPLATE_TEST_CASE("ODICE's projection and return-weighted sampling match PyTorch", "[offline]", float, double) {
    using T = TestType;
    const auto& o = golden_case("odice_projection");
    const auto gf = prefrl::test::as_vector<T>(o["inputs"]["g_forward"]), gb = prefrl::test::as_vector<T>(o["inputs"]["g_backward"]);
    const auto combined = offline::odice_project<T>(gf, gb);
    prefrl::test::require_close<T>(combined, o["combined"].get<std::vector<double>>());
    // the backward part that remains is orthogonal to g_f: <g - g_f, g_f> = 0
    double dot = 0.0, norm = 0.0;
    for (std::size_t i = 0; i < gf.size(); ++i) {
        dot += (combined[static_cast<Eigen::Index>(i)] - gf[i]) * gf[i];
        norm += gf[i] * gf[i];
    }
    CHECK(std::abs(dot) < (std::is_same_v<T, float> ? 1e-4 : 1e-12) * norm);

    const auto& w = golden_case("trajectory_weighting_rw");
    const auto returns = prefrl::test::as_vector<T>(w["inputs"]["returns"]);
    const auto lengths = w["inputs"]["lengths"].get<std::vector<index_t>>();
    const auto p = offline::return_weighted_sampling{.alpha = w["params"]["alpha"].get<double>()}(std::span<const T>(returns),
                                                                                                  std::span<const index_t>(lengths));
    prefrl::test::require_close<T>(p, w["transition_probabilities"].get<std::vector<double>>());
    CHECK(static_cast<double>(p.sum()) == Approx(1.0).epsilon(1e-5));
    REQUIRE_THROWS_WITH(offline::return_weighted_sampling{}(std::span<const T>(returns), std::span<const index_t>(lengths).first(2)),
                        "prefrl::offline::return_weighted_sampling: lengths has 2 entries but returns has 6");
}

TEST_CASE("CQL, TD3+BC, return weighting: hand values and bad input", "[offline]") {
    prefrl::row_matrix<double> q(1, 2);
    q << 0.0, 0.0;
    const std::vector<index_t> a{1};
    CHECK(offline::cql{}(prefrl::const_matrix_ref<double>(q), std::span<const index_t>(a)).value == Approx(std::log(2.0)));
    REQUIRE_THROWS_WITH(offline::cql{.alpha = -1}(prefrl::const_matrix_ref<double>(q), std::span<const index_t>(a)),
                        "prefrl::offline::cql: alpha must be >= 0, got -1");
    const std::vector<index_t> bad{2};
    REQUIRE_THROWS_WITH(offline::cql{}(prefrl::const_matrix_ref<double>(q), std::span<const index_t>(bad)),
                        "prefrl::offline::cql: actions[0] must be in [0, 2), got 2");
    prefrl::row_matrix<double> pi(2, 1), data(2, 1);
    pi << 1.0, 0.0;
    data << 0.0, 0.0;
    const std::vector<double> qs{2.0, -2.0};
    // lambda = 2.5 / 2; value = -lambda * 0 + (1 + 0) / 2
    CHECK(offline::td3_bc{}(prefrl::const_matrix_ref<double>(pi), prefrl::const_matrix_ref<double>(data), std::span<const double>(qs)).value == Approx(0.5));
    const std::vector<double> same{1.0, 1.0};
    const std::vector<index_t> lengths{3, 1};
    const auto uniform = offline::return_weighted_sampling{}(std::span<const double>(same), std::span<const index_t>(lengths));
    CHECK(uniform[0] == Approx(0.25));
    CHECK(uniform[3] == Approx(0.25));
}

TEMPLATE_TEST_CASE("behaviour cloning: plain and weighted, discrete and continuous, with central differences", "[offline][bc]", float, double) {
    using T = TestType;
    prefrl::row_matrix<T> logits(3, 4);
    logits << T(0.1), T(-0.3), T(0.7), T(0.2), T(1.5), T(0), T(-1), T(0.3), T(-0.2), T(-0.2), T(0.4), T(2);
    const std::vector<index_t> actions{2, 0, 3};
    const std::vector<T> advantages{T(0.5), T(-1.0), T(2.0)};
    const auto w = offline::exponential_advantage_weights<T>(advantages, 1.0 / 3.0);
    CHECK(w[0] == Approx(std::exp(1.5)).epsilon(1e-6));
    CHECK(w[2] == Approx(100.0));  // exp(6) clipped
    const std::vector<T> weights(w.data(), w.data() + w.size());
    const auto r = offline::weighted_bc<T>(logits, actions, weights);
    double expected = 0.0;
    for (int i = 0; i < 3; ++i) {
        const double lse = std::log(logits.row(i).template cast<double>().array().exp().sum());
        expected += weights[static_cast<std::size_t>(i)] * (lse - logits(i, actions[static_cast<std::size_t>(i)]));
    }
    CHECK(r.value == Approx(expected / 3).epsilon(1e-5));
    prefrl::laws::check_gradient<T>(
        [&](const vector<T>& x) {
            const prefrl::row_matrix<T> m = Eigen::Map<const prefrl::row_matrix<T>>(x.data(), 3, 4);
            return static_cast<double>(offline::weighted_bc<T>(m, actions, weights).value);
        },
        vector<T>(logits.template reshaped<Eigen::RowMajor>()), vector<T>(r.d_logits.template reshaped<Eigen::RowMajor>()));
    CHECK(offline::weighted_bc<T>(logits, actions).value == Approx(offline::weighted_bc<T>(logits, actions, std::vector<T>(3, T(1))).value));

    prefrl::row_matrix<T> pi(2, 2), a(2, 2);
    pi << T(1), T(0), T(0.5), T(-1);
    a << T(0), T(0), T(0.5), T(1);
    const std::vector<T> half{T(0.5), T(2)};
    const auto m = offline::mse_bc<T>(pi, a, half);
    CHECK(m.value == Approx((0.5 * 1 + 2 * 4) / 4.0));
    prefrl::laws::check_gradient<T>(
        [&](const vector<T>& x) {
            const prefrl::row_matrix<T> p = Eigen::Map<const prefrl::row_matrix<T>>(x.data(), 2, 2);
            return static_cast<double>(offline::mse_bc<T>(p, a, half).value);
        },
        vector<T>(pi.template reshaped<Eigen::RowMajor>()), vector<T>(m.d_policy_action.template reshaped<Eigen::RowMajor>()));

    CHECK(offline::binary_advantage_weights<T>(advantages) == vector<T>{{T(1), T(0), T(1)}});
    const auto soft = offline::softmax_advantage_weights<T>(advantages);
    CHECK(soft.sum() == Approx(3.0));
    CHECK(soft[2] / soft[0] == Approx(std::exp(1.5)).epsilon(1e-5));
    CHECK(offline::odice_weights<T>(std::vector<T>{T(-1), T(3), T(500)}) == vector<T>{{T(0), T(3), T(100)}});
    REQUIRE_THROWS_WITH(offline::weighted_bc<T>(logits, actions, std::vector<T>{T(1), T(-1), T(1)}),
                        "prefrl::offline::weighted_bc: weights[1] must be >= 0, got -1");
}

TEST_CASE("advantage-weighted sampling scores trajectories by their advantage over a linear V(s_0)", "[offline]") {
    // returns = 10 * s_0 exactly, plus one trajectory 1 above its start's value
    const std::vector<double> returns{0.0, 10.0, 20.0, 11.0};
    const std::vector<index_t> lengths{1, 1, 1, 1};
    prefrl::row_matrix<double> s0(4, 1);
    s0 << 0.0, 1.0, 2.0, 1.0;
    const auto aw = offline::advantage_weighted_sampling{}(std::span<const double>(returns), std::span<const index_t>(lengths),
                                                           prefrl::const_matrix_ref<double>(s0));
    const auto rw = offline::return_weighted_sampling{}(std::span<const double>(returns), std::span<const index_t>(lengths));
    CHECK(rw[2] > rw[3]);  // RW favours the high start
    CHECK(aw[3] > aw[2]);  // AW the trajectory that beat its start
    CHECK(aw.sum() == Approx(1.0));
}

namespace {
nlohmann::json continuous_cql_reference() {
    std::ifstream in(prefrl::test::data_dir() + "/offline_reference.json");
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}
template <class T>
prefrl::row_matrix<T> reshape(const std::vector<double>& flat, index_t rows, index_t cols) {
    prefrl::row_matrix<T> m(rows, cols);
    for (index_t i = 0; i < rows; ++i)
        for (index_t j = 0; j < cols; ++j) m(i, j) = static_cast<T>(flat[static_cast<std::size_t>(i * cols + j)]);
    return m;
}
}  // namespace

TEMPLATE_TEST_CASE("Continuous CQL and its Lagrange form equal PyTorch autograd (CORL's formulas)", "[offline][cql]", float, double) {
    using T = TestType;
    const nlohmann::json reference = continuous_cql_reference();  // kept alive for the loop
    int checked = 0;
    for (const auto& c : reference["cases"]) {
        const std::string name = c["name"].get<std::string>();
        if (name.rfind("cql", 0) != 0) continue;  // the other terms' cases: test_policy_regularizers.cpp
        ++checked;
        INFO(name);
        if (name == "cql_lagrange") {
            const offline::cql_lagrange term{.alpha = c["params"]["alpha"].get<double>(), .target_gap = c["params"]["target_gap"].get<double>()};
            const auto r = term(static_cast<T>(c["gap"].get<double>()), static_cast<T>(c["log_alpha_prime"].get<double>()));
            const double tol = std::is_same_v<T, double> ? 1e-12 : 1e-5;
            CHECK(static_cast<double>(r.value) == Approx(c["value"].get<double>()).epsilon(tol));
            CHECK(static_cast<double>(r.alpha_prime) == Approx(c["alpha_prime"].get<double>()).epsilon(tol));
            CHECK(static_cast<double>(r.d_gap) == Approx(c["d_gap"].get<double>()).epsilon(tol));
            CHECK(static_cast<double>(r.d_log_alpha_prime) == Approx(c["d_log_alpha_prime"].get<double>()).epsilon(tol));
            continue;
        }
        const auto batch = c["batch"].get<index_t>(), samples = c["samples"].get<index_t>();
        const auto q = reshape<T>(c["q_sampled"].get<std::vector<double>>(), batch, samples);
        const auto logd = reshape<T>(c["log_density"].get<std::vector<double>>(), batch, samples);
        std::vector<T> q_data;
        for (double v : c["q_data"].get<std::vector<double>>()) q_data.push_back(static_cast<T>(v));
        const auto& p = c["params"];
        offline::cql_continuous term{.alpha = p["alpha"].get<double>(), .temperature = p["temperature"].get<double>()};
        if (!p["clip_min"].is_null()) term.clip_min = p["clip_min"].get<double>();
        if (!p["clip_max"].is_null()) term.clip_max = p["clip_max"].get<double>();
        const auto r = term(prefrl::const_matrix_ref<T>(q), prefrl::const_matrix_ref<T>(logd), std::span<const T>(q_data));
        prefrl::test::require_close<T>(std::vector<T>{r.value}, std::vector<double>{c["value"].get<double>()});
        prefrl::test::require_close<T>(std::vector<T>{r.gap}, std::vector<double>{c["gap"].get<double>()});
        prefrl::test::require_close<T>(Eigen::Map<const prefrl::vector<T>>(r.d_q_sampled.data(), r.d_q_sampled.size()), c["d_q_sampled"].get<std::vector<double>>());  // row-major order
        prefrl::test::require_close<T>(r.d_q_data, c["d_q_data"].get<std::vector<double>>());
    }
    CHECK(checked == 4);
}

TEST_CASE("Continuous CQL: hand values and central differences", "[offline][cql]") {
    // one state, two sampled actions with Q = 0 and density 1: gap = log 2 - Q_data
    prefrl::row_matrix<double> q = prefrl::row_matrix<double>::Zero(1, 2), logd = prefrl::row_matrix<double>::Zero(1, 2);
    const std::vector<double> q_data{0.25};
    const auto r = offline::cql_continuous{.alpha = 2.0}(prefrl::const_matrix_ref<double>(q), prefrl::const_matrix_ref<double>(logd),
                                                         std::span<const double>(q_data));
    CHECK(r.gap == Approx(std::log(2.0) - 0.25));
    CHECK(r.value == Approx(2 * (std::log(2.0) - 0.25)));
    CHECK(r.d_q_sampled(0, 0) == Approx(1.0));
    CHECK(r.d_q_data[0] == Approx(-2.0));
    CHECK(offline::uniform_action_log_density(3) == Approx(3 * std::log(0.5)));
    // central differences on a random batch, with a temperature and an active clip
    prefrl::generator rng(4);
    prefrl::row_matrix<double> qs(4, 5), ld(4, 5);
    std::vector<double> qd(4);
    for (index_t i = 0; i < 4; ++i) {
        for (index_t j = 0; j < 5; ++j) {
            qs(i, j) = prefrl::normal<double>(rng);
            ld(i, j) = prefrl::normal<double>(rng) - 1;
        }
        qd[static_cast<std::size_t>(i)] = prefrl::normal<double>(rng);
    }
    const offline::cql_continuous term{.alpha = 3.0, .temperature = 0.6, .clip_max = 2.5};
    const auto eval = [&] { return term(prefrl::const_matrix_ref<double>(qs), prefrl::const_matrix_ref<double>(ld), std::span<const double>(qd)); };
    const auto g = eval();
    const double h = 1e-6;
    for (index_t i = 0; i < 4; ++i) {
        for (index_t j = 0; j < 5; ++j) {
            qs(i, j) += h;
            const double up = eval().value;
            qs(i, j) -= 2 * h;
            const double down = eval().value;
            qs(i, j) += h;
            CHECK(g.d_q_sampled(i, j) == Approx((up - down) / (2 * h)).margin(1e-7));
        }
        qd[static_cast<std::size_t>(i)] += h;
        const double up = eval().value;
        qd[static_cast<std::size_t>(i)] -= 2 * h;
        const double down = eval().value;
        qd[static_cast<std::size_t>(i)] += h;
        CHECK(g.d_q_data[i] == Approx((up - down) / (2 * h)).margin(1e-7));
    }
    // Lagrange: d value / d log alpha' = value while the clip does not bind
    const auto l = offline::cql_lagrange{.alpha = 2.0, .target_gap = 1.0}(3.0, 0.5);
    CHECK(l.value == Approx(std::exp(0.5) * 2.0 * 2.0));
    CHECK(l.d_log_alpha_prime == Approx(l.value));
    CHECK(offline::cql_lagrange{}(3.0, 20.0).alpha_prime == 1e6);
    CHECK(offline::cql_lagrange{}(3.0, 20.0).d_log_alpha_prime == 0.0);
    REQUIRE_THROWS_WITH(offline::cql_continuous{.temperature = 0}(prefrl::const_matrix_ref<double>(q), prefrl::const_matrix_ref<double>(logd),
                                                                  std::span<const double>(q_data)),
                        Catch::Contains("prefrl::offline::cql_continuous") && Catch::Contains("temperature"));
    const std::vector<double> two{0.0, 1.0};
    REQUIRE_THROWS_WITH(offline::cql_continuous{}(prefrl::const_matrix_ref<double>(q), prefrl::const_matrix_ref<double>(logd), std::span<const double>(two)),
                        Catch::Contains("q_sampled has 1 rows for 2 states"));
    REQUIRE_THROWS_WITH(offline::cql_lagrange{.alpha = -1}(1.0, 0.0), Catch::Contains("alpha"));
}
