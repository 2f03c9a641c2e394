// A2PR, BEER and occupancy-measure regularization: PyTorch autograd references
// (scripts/reference/offline_reference.py, float and double), central differences, hand values,
// an exact tabular check of the discriminator estimator, and the input checks.

#include <catch2/catch.hpp>

#include <prefrl/core.hpp>
#include <prefrl/mdp.hpp>
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
using prefrl::row_matrix;
using prefrl::vector;
using cm = prefrl::const_matrix_ref<double>;

static_assert(prefrl::check_action_generator<offline::nearest_good_action<double>, double>());
static_assert(prefrl::check_regularizer<offline::beer, prefrl::const_matrix_ref<float>, prefrl::const_matrix_ref<float>,
                                        prefrl::const_matrix_ref<float>, std::span<const float>, std::span<const float>>());

namespace {

nlohmann::json reference_case(const std::string& name) {
    std::ifstream in(prefrl::test::data_dir() + "/offline_reference.json");
    REQUIRE(in.good());
    const nlohmann::json all = nlohmann::json::parse(in);
    for (const auto& c : all["cases"])
        if (c["name"] == name) return c;  // a copy: `all` dies here
    FAIL("no reference case " << name);
    return {};
}

template <class T>
row_matrix<T> matrix_of(const nlohmann::json& flat, index_t rows, index_t cols) {
    const auto v = flat.get<std::vector<double>>();
    REQUIRE(static_cast<index_t>(v.size()) == rows * cols);
    row_matrix<T> m(rows, cols);
    for (index_t i = 0; i < rows; ++i)
        for (index_t j = 0; j < cols; ++j) m(i, j) = static_cast<T>(v[static_cast<std::size_t>(i * cols + j)]);
    return m;
}

template <class T>
std::vector<T> values_of(const nlohmann::json& flat) {
    std::vector<T> out;
    for (double x : flat.get<std::vector<double>>()) out.push_back(static_cast<T>(x));
    return out;
}

template <class T>
vector<T> flat(const row_matrix<T>& m) {
    return m.template reshaped<Eigen::RowMajor>();
}

template <class T>
row_matrix<T> unflat(const vector<T>& x, index_t rows, index_t cols) {
    return Eigen::Map<const row_matrix<T>>(x.data(), rows, cols);
}

template <class T>
std::span<const T> span_of(const std::vector<T>& v) {
    return {v.data(), v.size()};
}

}  // namespace

TEMPLATE_TEST_CASE("A2PR's actor loss equals PyTorch autograd on the authors' formula", "[offline][a2pr]", float, double) {
    using T = TestType;
    const auto c = reference_case("a2pr");
    const auto b = c["batch"].get<index_t>(), d = c["dims"].get<index_t>();
    const auto pi = matrix_of<T>(c["policy_action"], b, d), a = matrix_of<T>(c["data_action"], b, d), g = matrix_of<T>(c["generated_action"], b, d);
    const auto q_pi = values_of<T>(c["q_policy"]), q_a = values_of<T>(c["q_data"]), q_g = values_of<T>(c["q_generated"]), v = values_of<T>(c["v"]);
    const offline::a2pr term{.alpha = c["params"]["alpha"].get<double>(), .mask = c["params"]["mask"].get<double>()};
    const auto r = term(prefrl::const_matrix_ref<T>(pi), span_of(q_pi), prefrl::const_matrix_ref<T>(a), span_of(q_a),
                        prefrl::const_matrix_ref<T>(g), span_of(q_g), span_of(v));
    prefrl::test::require_close<T>(std::vector<T>{r.value, r.q_term, r.bc_term},
                                   {c["value"].get<double>(), c["q_term"].get<double>(), c["bc_term"].get<double>()});
    prefrl::test::require_close<T>(flat(r.d_policy_action), c["d_policy_action"].get<std::vector<double>>());
    prefrl::test::require_close<T>(r.d_q_policy, c["d_q_policy"].get<std::vector<double>>());
    prefrl::test::require_close<T>(r.mask, c["mask"].get<std::vector<double>>());
    // central differences in the policy's action (the target and the mask do not move with it)
    prefrl::laws::check_gradient<T>(
        [&](const vector<T>& x) {
            const row_matrix<T> p = unflat(x, b, d);
            return static_cast<double>(term(prefrl::const_matrix_ref<T>(p), span_of(q_pi), prefrl::const_matrix_ref<T>(a), span_of(q_a),
                                            prefrl::const_matrix_ref<T>(g), span_of(q_g), span_of(v))
                                           .value);
        },
        flat(pi), flat(r.d_policy_action));
}

TEST_CASE("A2PR: hand values, the generator overload, the nearest-good-action model, bad input", "[offline][a2pr]") {
    // one row, d = 1: V = 0, Q(gen) = 2 > Q(data) = 1 -> target = generated, mask = 2; Q(pi) = 4 -> lambda = 2.5 / 4
    row_matrix<double> pi(1, 1), a(1, 1), g(1, 1);
    pi << 0.5;
    a << -1.0;
    g << 1.5;
    const std::vector<double> q_pi{4.0}, q_a{1.0}, q_g{2.0}, v{0.0};
    const auto r = offline::a2pr{}(prefrl::const_matrix_ref<double>(pi), span_of(q_pi), prefrl::const_matrix_ref<double>(a), span_of(q_a),
                                   prefrl::const_matrix_ref<double>(g), span_of(q_g), span_of(v));
    CHECK(r.target(0, 0) == 1.5);
    CHECK(r.mask[0] == 2.0);
    CHECK(r.generated_chosen == 1);
    CHECK(r.value == Approx(-2.5 + 2.0 * 1.0));
    CHECK(r.d_policy_action(0, 0) == Approx(2 * 2.0 * (0.5 - 1.5)));
    CHECK(r.d_q_policy[0] == Approx(-2.5 / 4.0));
    // data better than generated, both below V: target = data, mask 0, only the Q term remains
    const std::vector<double> low_a{-1.0}, low_g{-2.0};
    const auto r2 = offline::a2pr{}(prefrl::const_matrix_ref<double>(pi), span_of(q_pi), prefrl::const_matrix_ref<double>(a), span_of(low_a),
                                    prefrl::const_matrix_ref<double>(g), span_of(low_g), span_of(v));
    CHECK(r2.target(0, 0) == -1.0);
    CHECK(r2.mask[0] == 0.0);
    CHECK(r2.bc_term == 0.0);

    // nearest_good_action keeps the rows with Q > V and returns the closest one's action
    row_matrix<double> states(4, 1), actions(4, 1);
    states << 0.0, 0.0, 1.0, 1.0;
    actions << -1.0, 1.0, -1.0, 1.0;
    const std::vector<double> advantage{-0.5, 0.5, 0.2, -0.1};  // good: (0, 1) and (1, -1)
    const offline::nearest_good_action<double> model(states, actions, span_of(advantage));
    CHECK(model.size() == 2);
    row_matrix<double> qs(2, 1), qa(2, 1);
    qs << 0.1, 0.9;
    qa << -0.8, 0.8;
    const row_matrix<double> gen = model(qs, qa);
    CHECK(gen(0, 0) == -1.0);  // (0.1, -0.8): squared distances 3.25 to (0, 1), 0.85 to (1, -1)
    CHECK(gen(1, 0) == 1.0);   // (0.9, 0.8): 0.85 to (0, 1), 3.25 to (1, -1)

    // the overload runs the generator and the critic, then the same loss
    const auto critic = [](prefrl::const_matrix_ref<double> s, prefrl::const_matrix_ref<double> act) -> vector<double> {
        return (s.col(0) - act.col(0).cwiseAbs2()).array() + 2.0;
    };
    const std::vector<double> v2{1.0, 1.5};
    row_matrix<double> pol(2, 1), dat(2, 1);
    pol << 0.2, -0.3;
    dat << 0.4, 0.9;
    const auto via = offline::a2pr{}(model, critic, prefrl::const_matrix_ref<double>(qs), prefrl::const_matrix_ref<double>(pol),
                                     prefrl::const_matrix_ref<double>(dat), span_of(v2));
    const row_matrix<double> gen2 = model(qs, pol);
    const vector<double> c_pi = critic(qs, pol), c_a = critic(qs, dat), c_g = critic(qs, gen2);
    const std::vector<double> s_pi(c_pi.begin(), c_pi.end()), s_a(c_a.begin(), c_a.end()), s_g(c_g.begin(), c_g.end());
    const auto direct = offline::a2pr{}(prefrl::const_matrix_ref<double>(pol), span_of(s_pi), prefrl::const_matrix_ref<double>(dat), span_of(s_a),
                                        prefrl::const_matrix_ref<double>(gen2), span_of(s_g), span_of(v2));
    CHECK(via.value == direct.value);
    CHECK(via.target == direct.target);

    REQUIRE_THROWS_WITH(offline::a2pr{.alpha = -1}(prefrl::const_matrix_ref<double>(pi), span_of(q_pi), prefrl::const_matrix_ref<double>(a),
                                                   span_of(q_a), prefrl::const_matrix_ref<double>(g), span_of(q_g), span_of(v)),
                        "prefrl::offline::a2pr: alpha must be >= 0, got -1");
    const std::vector<double> two{1.0, 2.0};
    REQUIRE_THROWS_WITH(offline::a2pr{}(prefrl::const_matrix_ref<double>(pi), span_of(q_pi), prefrl::const_matrix_ref<double>(a), span_of(two),
                                        prefrl::const_matrix_ref<double>(g), span_of(q_g), span_of(v)),
                        Catch::Contains("prefrl::offline::a2pr") && Catch::Contains("q_data"));
    const std::vector<double> nan{std::nan("")};
    REQUIRE_THROWS_WITH(offline::a2pr{}(prefrl::const_matrix_ref<double>(pi), span_of(q_pi), prefrl::const_matrix_ref<double>(a), span_of(q_a),
                                        prefrl::const_matrix_ref<double>(g), span_of(q_g), span_of(nan)),
                        Catch::Contains("v[0] must be finite"));
    const std::vector<double> none{-1.0, -1.0, -1.0, -1.0};
    REQUIRE_THROWS_WITH(offline::nearest_good_action<double>(states, actions, span_of(none)), Catch::Contains("no row has a positive advantage"));
}

TEMPLATE_TEST_CASE("BEER equals PyTorch autograd on the authors' formula", "[offline][beer]", float, double) {
    using T = TestType;
    const auto c = reference_case("beer");
    const auto b = c["batch"].get<index_t>(), k = c["features"].get<index_t>();
    const auto phi = matrix_of<T>(c["phi"], b, k), online = matrix_of<T>(c["phi_next_online"], b, k), target = matrix_of<T>(c["phi_next_target"], b, k);
    const auto reward = values_of<T>(c["reward"]), w = values_of<T>(c["w"]);
    const offline::beer term{.beta = c["params"]["beta"].get<double>(), .gamma = c["params"]["gamma"].get<double>()};
    const auto r = term(prefrl::const_matrix_ref<T>(phi), prefrl::const_matrix_ref<T>(online), prefrl::const_matrix_ref<T>(target), span_of(reward),
                        span_of(w));
    prefrl::test::require_close<T>(std::vector<T>{r.value}, {c["value"].get<double>()});
    prefrl::test::require_close<T>(flat(r.d_phi), c["d_phi"].get<std::vector<double>>());
    prefrl::test::require_close<T>(r.cosine, c["cosine"].get<std::vector<double>>());
    for (index_t i = 0; i < b; ++i) {  // null: torch's +inf bound of a zero feature row
        const auto& expected = c["bound"][static_cast<std::size_t>(i)];
        if (expected.is_null())
            CHECK(std::isinf(r.bound[i]));
        else
            CHECK(static_cast<double>(r.bound[i]) == Approx(expected.get<double>()).epsilon(std::is_same_v<T, double> ? 1e-12 : 1e-5));
    }
    CHECK(c["bound"].dump().find("null") != std::string::npos);  // the reference holds a zero feature row
    CHECK(r.active == c["active"].get<index_t>());
    CHECK(r.active > 0);
    CHECK(r.active < b);
}

TEST_CASE("BEER: hand values, central differences with the bound held, zero features, bad input", "[offline][beer]") {
    // phi = phi'_target = phi'_online = (1, 0), r = 1, |w| = 1, gamma = 1: B = (1 + 1 - 1) / 2, cos = 1
    row_matrix<double> e(1, 2);
    e << 1.0, 0.0;
    const std::vector<double> r1{1.0}, w{1.0, 0.0};
    const auto hand = offline::beer{.beta = 0.1, .gamma = 1.0}(cm(e), cm(e), cm(e), span_of(r1), span_of(w));
    CHECK(hand.bound[0] == Approx(0.5));
    CHECK(hand.value == Approx(0.1 * 0.5));
    CHECK(hand.d_phi.norm() == Approx(0.0).margin(1e-15));  // cos is flat at x = y

    prefrl::generator rng(11);
    const index_t b = 6, k = 4;
    row_matrix<double> phi(b, k), online(b, k), target(b, k);
    std::vector<double> reward(static_cast<std::size_t>(b)), wk(static_cast<std::size_t>(k));
    for (index_t i = 0; i < b; ++i) {
        for (index_t j = 0; j < k; ++j) {
            phi(i, j) = std::abs(prefrl::normal<double>(rng));
            online(i, j) = std::abs(prefrl::normal<double>(rng));
            target(i, j) = phi(i, j) + 0.2 * prefrl::normal<double>(rng);
        }
        reward[static_cast<std::size_t>(i)] = 2.5 * prefrl::normal<double>(rng);
    }
    for (auto& x : wk) x = prefrl::normal<double>(rng);
    const offline::beer term{.beta = 0.5, .gamma = 0.9};
    const auto r = term(cm(phi), cm(online), cm(target), span_of(reward), span_of(wk));
    REQUIRE(r.active > 0);
    // the authors hold B constant: differentiate beta mean ReLU(cos(x, y) - B0) with B0 fixed
    prefrl::laws::check_gradient<double>(
        [&](const vector<double>& x) {
            const row_matrix<double> p = unflat(x, b, k);
            double total = 0.0;
            for (index_t i = 0; i < b; ++i) {
                const double cosine = p.row(i).dot(target.row(i)) / (p.row(i).norm() * target.row(i).norm());
                total += std::max(cosine - r.bound[i], 0.0);
            }
            return 0.5 * total / static_cast<double>(b);
        },
        flat(phi), flat(r.d_phi));

    // a dead feature row has no bound and adds nothing
    row_matrix<double> dead = phi;
    dead.row(0).setZero();
    const auto rd = term(cm(dead), cm(online), cm(target), span_of(reward), span_of(wk));
    CHECK(std::isinf(rd.bound[0]));
    CHECK(rd.d_phi.row(0).norm() == 0.0);
    CHECK(std::isfinite(rd.value));

    REQUIRE_THROWS_WITH(offline::beer{.gamma = 0}(cm(phi), cm(online), cm(target), span_of(reward), span_of(wk)),
                        "prefrl::offline::beer: gamma must be in (0, 1], got 0");
    const std::vector<double> zero_w(4, 0.0);
    REQUIRE_THROWS_WITH(term(cm(phi), cm(online), cm(target), span_of(reward), span_of(zero_w)), Catch::Contains("w is all zeros"));
    REQUIRE_THROWS_WITH(term(cm(phi), cm(online.topRows(2)), cm(target), span_of(reward), span_of(wk)), Catch::Contains("phi_next_online is [2, 4]"));
}

TEMPLATE_TEST_CASE("ORPO's discriminator loss and action-distribution terms equal PyTorch autograd", "[offline][occupancy]", float, double) {
    using T = TestType;
    const auto c = reference_case("occupancy_discriminator");
    const auto ps = values_of<T>(c["policy_scores"]), rs = values_of<T>(c["reference_scores"]);
    const auto r = offline::occupancy_discriminator_loss<T>(ps, rs);
    prefrl::test::require_close<T>(std::vector<T>{r.value}, {c["value"].get<double>()});
    prefrl::test::require_close<T>(r.d_policy_scores, c["d_policy_scores"].get<std::vector<double>>());
    prefrl::test::require_close<T>(r.d_reference_scores, c["d_reference_scores"].get<std::vector<double>>());
    for (const std::string kind : {"kl", "chi_square"}) {
        const auto a = reference_case("action_distribution_" + kind);
        const auto s = a["states"].get<index_t>(), n = a["actions"].get<index_t>();
        const auto p = matrix_of<T>(a["policy_probs"], s, n), q = matrix_of<T>(a["reference_probs"], s, n);
        const offline::action_distribution_divergence term{
            .divergence = kind == "kl" ? offline::occupancy_divergence::kl : offline::occupancy_divergence::chi_square,
            .lambda_ = a["params"]["lambda_"].get<double>(), .gamma = a["params"]["gamma"].get<double>()};
        const auto d = term(prefrl::const_matrix_ref<T>(p), prefrl::const_matrix_ref<T>(q));
        prefrl::test::require_close<T>(std::vector<T>{d.value}, {a["value"].get<double>()});
        prefrl::test::require_close<T>(flat(d.d_policy_logits), a["d_policy_logits"].get<std::vector<double>>());
        // the probability gradient against central differences (p treated as free; a step small
        // enough that the perturbed rows still sum to 1 within the term's 1e-4)
        prefrl::laws::gradient_tolerance<T> tol;
        tol.step = 5e-5;
        if constexpr (std::is_same_v<T, float>) tol.atol = 1e-2;  // float rounding of the value / the small step
        prefrl::laws::check_gradient<T>(
            [&](const vector<T>& x) {
                const row_matrix<T> m = unflat(x, s, n);
                return static_cast<double>(term(prefrl::const_matrix_ref<T>(m), prefrl::const_matrix_ref<T>(q)).value);
            },
            flat(p), flat(d.d_policy_probs), tol);
    }
}

TEST_CASE("Occupancy penalties: hand values, the trimmed mean, central differences of the discriminator loss, bad input", "[offline][occupancy]") {
    // exp(D) - 1 = 0, 1, 2, 3, 100; trim 0.2 drops one from each end: chi2_hat = 2
    const std::vector<double> scores{0.0, std::log(2.0), std::log(3.0), std::log(4.0), std::log(101.0)}, rewards{1, 1, 1, 1, 1};
    const auto sq = offline::occupancy_penalty{.divergence = offline::occupancy_divergence::sqrt_chi_square, .lambda_ = 0.5, .trim = 0.2}(
        span_of(rewards), span_of(scores));
    CHECK(sq.estimate == Approx(std::sqrt(2.0)));
    CHECK(sq.penalty[4] == Approx(100.0 / std::sqrt(2.0)));
    CHECK(sq.rewards[1] == Approx(1.0 - 0.5 / std::sqrt(2.0)));
    const auto kl = offline::occupancy_penalty{.lambda_ = 2.0}(span_of(rewards), span_of(scores));
    CHECK(kl.penalty[1] == Approx(std::log(2.0)));
    CHECK(kl.rewards[1] == Approx(1.0 - 2.0 * std::log(2.0)));
    const auto chi = offline::occupancy_penalty{.divergence = offline::occupancy_divergence::chi_square}(span_of(rewards), span_of(scores));
    CHECK(chi.estimate == Approx(106.0 / 5.0));
    // exact divergences by hand
    row_matrix<double> p(1, 2), q(1, 2);
    p << 0.5, 0.5;
    q << 0.25, 0.75;
    CHECK(offline::occupancy_chi_square<double>(p, q) == Approx(0.25 + 0.0625 / 0.75));
    CHECK(offline::occupancy_kl<double>(p, q) == Approx(0.5 * std::log(2.0) + 0.5 * std::log(2.0 / 3.0)));
    // the discriminator loss against central differences
    const std::vector<double> ps{0.3, -1.2, 2.0}, rs{-0.4, 0.9};
    const auto g = offline::occupancy_discriminator_loss<double>(ps, rs);
    vector<double> both(5), grad(5);
    both << 0.3, -1.2, 2.0, -0.4, 0.9;
    grad << g.d_policy_scores, g.d_reference_scores;
    prefrl::laws::check_gradient<double>(
        [&](const vector<double>& x) {
            const std::vector<double> a(x.data(), x.data() + 3), b(x.data() + 3, x.data() + 5);
            return offline::occupancy_discriminator_loss<double>(a, b).value;
        },
        both, grad);
    CHECK(offline::occupancy_discriminator_loss<double>(std::vector<double>{1000.0}, std::vector<double>{-1000.0}).value == Approx(0.0).margin(1e-12));

    REQUIRE_THROWS_WITH(offline::occupancy_penalty{.trim = 0.5}(span_of(rewards), span_of(scores)),
                        "prefrl::offline::occupancy_penalty: trim must be in [0, 0.5), got 0.5");
    REQUIRE_THROWS_WITH(offline::occupancy_discriminator_loss<double>(std::vector<double>{}, rs), Catch::Contains("policy_scores"));
    REQUIRE_THROWS_WITH(offline::occupancy_kl<double>(q, row_matrix<double>{{1.0, 0.0}}), Catch::Contains("is 0 where d_policy is 0.75"));
    REQUIRE_THROWS_WITH(offline::action_distribution_divergence{.divergence = offline::occupancy_divergence::sqrt_chi_square}(
                            prefrl::const_matrix_ref<double>(p), prefrl::const_matrix_ref<double>(q)),
                        Catch::Contains("must be kl or chi_square"));
    row_matrix<double> bad(1, 2);
    bad << 0.5, 0.6;
    REQUIRE_THROWS_WITH(offline::action_distribution_divergence{}(prefrl::const_matrix_ref<double>(bad), prefrl::const_matrix_ref<double>(q)),
                        Catch::Contains("row 0 must sum to 1"));
}

TEST_CASE("A discriminator trained on sampled state-actions estimates the exact occupancy KL and chi^2", "[offline][occupancy]") {
    // a Garnet MDP, a uniform reference policy and a skewed policy; their exact occupancies
    prefrl::generator rng(2024);
    const auto mdp = prefrl::mdp::garnet<double>(6, 3, 2, 0.9, rng);
    const index_t states = 6, actions = 3, cells = states * actions;
    const row_matrix<double> uniform = row_matrix<double>::Constant(states, actions, 1.0 / 3.0);
    row_matrix<double> skewed(states, actions);
    for (index_t s = 0; s < states; ++s) {
        for (index_t a = 0; a < actions; ++a) skewed(s, a) = std::exp(1.2 * prefrl::normal<double>(rng));
        skewed.row(s) /= skewed.row(s).sum();
    }
    const row_matrix<double> d_pi = prefrl::mdp::occupancy<double>(mdp, skewed).state_action, d_ref = prefrl::mdp::occupancy<double>(mdp, uniform).state_action;
    const double kl_exact = offline::occupancy_kl<double>(d_pi, d_ref), chi_exact = offline::occupancy_chi_square<double>(d_pi, d_ref);
    REQUIRE(kl_exact > 0.1);

    // the exact log ratio is the discriminator's optimum: its KL / chi^2 penalties average to the divergences under d_pi
    double kl_at_optimum = 0.0, chi_at_optimum = 0.0;
    for (index_t i = 0; i < cells; ++i) {
        const double p = d_pi(i / actions, i % actions), q = d_ref(i / actions, i % actions);
        if (p > 0) {
            kl_at_optimum += p * std::log(p / q);
            chi_at_optimum += p * std::expm1(std::log(p / q));
        }
    }
    CHECK(kl_at_optimum == Approx(kl_exact).epsilon(1e-12));
    CHECK(chi_at_optimum == Approx(chi_exact).epsilon(1e-12));

    // samples of (s, a) from each occupancy; a tabular discriminator (one score per cell) trained by gradient descent
    const std::size_t n = 6000;
    const vector<double> flat_pi = d_pi.reshaped<Eigen::RowMajor>(), flat_ref = d_ref.reshaped<Eigen::RowMajor>();
    std::vector<index_t> from_pi(n), from_ref(n);
    for (std::size_t i = 0; i < n; ++i) {
        from_pi[i] = prefrl::sample_categorical<double>(std::span<const double>(flat_pi.data(), static_cast<std::size_t>(cells)), rng);
        from_ref[i] = prefrl::sample_categorical<double>(std::span<const double>(flat_ref.data(), static_cast<std::size_t>(cells)), rng);
    }
    vector<double> score = vector<double>::Zero(cells);
    std::vector<double> ps(n), rs(n);
    double first_loss = 0.0, last_loss = 0.0;
    for (int step = 0; step < 800; ++step) {
        for (std::size_t i = 0; i < n; ++i) {
            ps[i] = score[from_pi[i]];
            rs[i] = score[from_ref[i]];
        }
        const auto loss = offline::occupancy_discriminator_loss<double>(ps, rs);
        (step == 0 ? first_loss : last_loss) = loss.value;
        vector<double> grad = vector<double>::Zero(cells);
        for (std::size_t i = 0; i < n; ++i) {
            grad[from_pi[i]] += loss.d_policy_scores[static_cast<Eigen::Index>(i)];
            grad[from_ref[i]] += loss.d_reference_scores[static_cast<Eigen::Index>(i)];
        }
        score -= 30.0 * grad;
    }
    CHECK(last_loss < first_loss);
    // fresh samples of the policy's own steps, scored, turned into penalties: their means estimate the divergences
    std::vector<double> own(n), zero(n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        own[i] = score[prefrl::sample_categorical<double>(std::span<const double>(flat_pi.data(), static_cast<std::size_t>(cells)), rng)];
    const double kl_hat = offline::occupancy_penalty{.divergence = offline::occupancy_divergence::kl}(span_of(zero), span_of(own)).estimate;
    const double chi_hat = offline::occupancy_penalty{.divergence = offline::occupancy_divergence::chi_square}(span_of(zero), span_of(own)).estimate;
    INFO("KL exact " << kl_exact << " estimated " << kl_hat << "; chi^2 exact " << chi_exact << " estimated " << chi_hat);
    CHECK(kl_hat == Approx(kl_exact).epsilon(0.1));
    CHECK(chi_hat == Approx(chi_exact).epsilon(0.15));
}
