// TD errors, returns, TD(lambda), policy-gradient losses and the value estimates:
// hand values, the identities between the returns, central differences, and TD(lambda) on
// the 5-state random walk.

#include <catch2/catch.hpp>

#include <prefrl/core.hpp>
#include <prefrl/value.hpp>

#include <cmath>
#include <type_traits>
#include <vector>

#include "laws/value_function_laws.hpp"

namespace value = prefrl::value;
using prefrl::index_t;

namespace {

template <class T>
constexpr double tol() {
    return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

template <class T>
std::vector<T> v(std::initializer_list<double> values) {
    std::vector<T> out;
    for (const double x : values) out.push_back(static_cast<T>(x));
    return out;
}

}  // namespace

static_assert(prefrl::check_value_function<value::tabular_v<double>>());
static_assert(prefrl::check_value_function<value::linear_v<float>>());
static_assert(prefrl::ActionValueFunction<value::tabular_q<double>>);
static_assert(prefrl::ActionValueFunction<value::linear_q<float>>);

TEMPLATE_TEST_CASE("TD errors: hand values with rlax's conventions", "[rl][td]", float, double) {
    using T = TestType;
    CHECK(value::td_learning<T>(1, 0.5, 0.9, 2) == Approx(1.3).epsilon(tol<T>()));
    const auto q_tm1 = v<T>({1, 2, 3}), q_t = v<T>({0, 4, 4});
    CHECK(value::q_learning<T>(q_tm1, 1, 1, 0.5, q_t) == Approx(1.0).epsilon(tol<T>()));  // 1 + 0.5 * 4 - 2
    // the selector's first maximum (index 0) picks the value 10
    const auto q_value = v<T>({10, 20, 30}), selector = v<T>({5, 1, 5});
    CHECK(value::double_q_learning<T>(q_tm1, 2, 1, 0.5, q_value, selector) == Approx(3.0).epsilon(tol<T>()));  // 1 + 5 - 3
    CHECK(value::sarsa<T>(q_tm1, 0, 1, 0.5, q_t, 0) == Approx(0.0).margin(tol<T>()));  // 1 + 0 - 1
    const auto probs = v<T>({0.5, 0.25, 0.25});
    CHECK(value::expected_sarsa<T>(q_tm1, 0, 1, 0.5, q_t, probs) == Approx(1.0).epsilon(tol<T>()));  // 1 + 0.5 * 2 - 1
    // a terminal transition (discount 0) does not bootstrap
    CHECK(value::q_learning<T>(q_tm1, 2, 7, 0, q_t) == Approx(4.0).epsilon(tol<T>()));

    REQUIRE_THROWS_WITH(value::q_learning<T>(q_tm1, 3, 1, 0.5, q_t), "prefrl::value::q_learning: a_tm1 must be in [0, 3), got 3");
    REQUIRE_THROWS_WITH(value::td_learning<T>(1, 0.5, 1.5, 2), "prefrl::value::td_learning: discount_t must be in [0, 1], got 1.5");
    const auto bad = v<T>({0.5, 0.25, 0.5});
    REQUIRE_THROWS_WITH(value::expected_sarsa<T>(q_tm1, 0, 1, 0.5, q_t, bad), "prefrl::value::expected_sarsa: probs_a_t must sum to 1, got 1.25");
    const auto nan = v<T>({1, std::nan(""), 3});
    REQUIRE_THROWS_WITH(value::sarsa<T>(nan, 0, 1, 0.5, q_t, 0), "prefrl::value::sarsa: q_tm1[1] must be finite, got nan");
}

TEMPLATE_TEST_CASE("returns: hand values and the identities between them", "[rl][returns]", float, double) {
    using T = TestType;
    const auto r = v<T>({1, 2, 3}), g = v<T>({0.9, 0.9, 0.9}), vt = v<T>({0.5, 1, 2});
    const auto lam = value::lambda_returns<T>(r, g, vt, T(0.5));
    CHECK(lam[2] == Approx(4.8).epsilon(tol<T>()));
    CHECK(lam[1] == Approx(4.61).epsilon(tol<T>()));
    CHECK(lam[0] == Approx(3.2995).epsilon(tol<T>()));
    // discounted returns: only the last v bootstraps
    const auto mc = value::discounted_returns<T>(r, g, vt);
    CHECK(mc[0] == Approx(1 + 0.9 * (2 + 0.9 * (3 + 0.9 * 2))).epsilon(tol<T>()));

    // a longer random trajectory with a terminal inside
    prefrl::generator rng(1);
    const int n = 23;
    std::vector<T> rr, gg, vv, values;
    for (int k = 0; k < n; ++k) {
        rr.push_back(prefrl::normal<T>(rng));
        gg.push_back(k == 9 ? T(0) : T(0.95));
        vv.push_back(prefrl::normal<T>(rng));
    }
    values.push_back(prefrl::normal<T>(rng));
    values.insert(values.end(), vv.begin(), vv.end());  // values[k + 1] = v_t[k]
    const auto gae = value::truncated_generalized_advantage_estimation<T>(rr, gg, T(0.9), values);
    const auto lr = value::lambda_returns<T>(rr, gg, vv, T(0.9));
    for (int k = 0; k < n; ++k) CHECK(gae[k] == Approx(lr[k] - values[static_cast<std::size_t>(k)]).margin(10 * tol<T>()));
    const auto full = value::n_step_bootstrapped_returns<T>(rr, gg, vv, 100);
    const auto disc = value::discounted_returns<T>(rr, gg, vv);
    const auto one = value::n_step_bootstrapped_returns<T>(rr, gg, vv, 1);
    const auto zero = value::lambda_returns<T>(rr, gg, vv, T(0));
    const auto two = value::n_step_bootstrapped_returns<T>(rr, gg, vv, 2);
    for (int k = 0; k < n; ++k) {
        const auto i = static_cast<std::size_t>(k);
        CHECK(full[k] == Approx(disc[k]).margin(10 * tol<T>()));
        CHECK(one[k] == Approx(rr[i] + gg[i] * vv[i]).margin(tol<T>()));
        CHECK(zero[k] == Approx(rr[i] + gg[i] * vv[i]).margin(tol<T>()));
        const double expected = k + 1 < n ? rr[i] + gg[i] * (rr[i + 1] + gg[i + 1] * vv[i + 1]) : rr[i] + gg[i] * vv[i];
        CHECK(two[k] == Approx(expected).margin(10 * tol<T>()));
    }
    // the terminal at k = 9 cuts every return before it from what follows
    auto cut = rr;
    cut[15] += T(100);
    CHECK(value::discounted_returns<T>(cut, gg, vv)[3] == Approx(disc[3]).margin(tol<T>()));

    REQUIRE_THROWS_WITH(value::lambda_returns<T>(r, g, vt, T(1.5)), "prefrl::value::lambda_returns: lambda_ must be in [0, 1], got 1.5");
    REQUIRE_THROWS_WITH(value::truncated_generalized_advantage_estimation<T>(r, g, T(0.9), vt),
                        "prefrl::value::truncated_generalized_advantage_estimation: values has 3 entries but must have 4 (r_t has 3)");
    REQUIRE_THROWS_WITH(value::discounted_returns<T>(std::vector<T>{}, std::vector<T>{}, std::vector<T>{}),
                        "prefrl::value::discounted_returns: r_t must not be empty");
}

TEST_CASE("TD(lambda): the backward view equals the lambda-return's forward view with w frozen", "[rl][td]") {
    prefrl::generator rng(2);
    const int n = 17, features = 4;
    std::vector<prefrl::vector<double>> x;
    for (int k = 0; k <= n; ++k) x.push_back(prefrl::vector<double>::NullaryExpr(features, [&] { return prefrl::normal<double>(rng); }));
    const prefrl::vector<double> w0 = prefrl::vector<double>::NullaryExpr(features, [&] { return prefrl::normal<double>(rng); });
    std::vector<double> r, g, v_next;
    for (int k = 0; k < n; ++k) {
        r.push_back(prefrl::normal<double>(rng));
        g.push_back(k == 6 ? 0.0 : 0.9);  // a terminal inside the window
        v_next.push_back(w0.dot(x[static_cast<std::size_t>(k) + 1]));
    }
    for (const double lam : {0.0, 0.7, 1.0}) {
        value::td_lambda<double> td{.lambda_ = lam};
        prefrl::vector<double> w = w0, backward = prefrl::vector<double>::Zero(features);
        for (int k = 0; k < n; ++k) {
            const auto i = static_cast<std::size_t>(k);
            const double delta = td.step(w, prefrl::as_span(x[i]), r[i], g[i], prefrl::as_span(x[i + 1]), 0.0);
            backward += delta * td.z;
        }
        CHECK(w == w0);  // alpha = 0
        const auto returns = value::lambda_returns<double>(r, g, v_next, lam);
        prefrl::vector<double> forward = prefrl::vector<double>::Zero(features);
        for (int k = 0; k < n; ++k) forward += (returns[k] - w0.dot(x[static_cast<std::size_t>(k)])) * x[static_cast<std::size_t>(k)];
        INFO("lambda " << lam);
        CHECK((backward - forward).cwiseAbs().maxCoeff() < 1e-12);
    }
}

TEST_CASE("TD(lambda) learns the 5-state random walk's values (S&B Example 6.2)", "[rl][td][learning]") {
    // states 0..4, start in the middle, left/right with probability 1/2; leaving on the right
    // pays 1. True V = (1, 2, 3, 4, 5) / 6. With a constant step the last iterate jitters (RMS
    // 0.02-0.08 over seeds 1-8, measured), so the bar is on the average of the last 1000
    // episodes' weights (0.005-0.021 over the same seeds) and, loosely, on the last iterate.
    for (const auto kind : {value::trace_kind::accumulating, value::trace_kind::replacing}) {
        prefrl::generator rng(3);
        value::td_lambda<double> td{.lambda_ = 0.8, .trace = kind};
        prefrl::vector<double> w = prefrl::vector<double>::Zero(5), average = prefrl::vector<double>::Zero(5);
        const prefrl::vector<double> none = prefrl::vector<double>::Zero(5);
        for (int episode = 0; episode < 5000; ++episode) {
            td.reset();
            int s = 2;
            while (true) {
                const int next = s + (prefrl::uniform01<double>(rng) < 0.5 ? -1 : 1);
                const prefrl::vector<double> x = prefrl::vector<double>::Unit(5, s);
                const bool done = next < 0 || next > 4;
                const prefrl::vector<double> x_next = done ? none : prefrl::vector<double>::Unit(5, next);
                td.step(w, prefrl::as_span(x), next > 4 ? 1.0 : 0.0, done ? 0.0 : 1.0, prefrl::as_span(x_next), 0.01);
                if (done) break;
                s = next;
            }
            if (episode >= 4000) average += w / 1000.0;
        }
        const prefrl::vector<double> truth = prefrl::vector<double>::LinSpaced(5, 1, 5) / 6.0;
        const double rms = std::sqrt((w - truth).squaredNorm() / 5.0);
        const double averaged = std::sqrt((average - truth).squaredNorm() / 5.0);
        INFO("RMS error: last iterate " << rms << ", average of the last 1000 episodes " << averaged);
        CHECK(averaged < 0.03);
        CHECK(rms < 0.1);
    }
}

TEMPLATE_TEST_CASE("policy-gradient losses: hand values and central differences", "[rl][pg]", float, double) {
    using T = TestType;
    prefrl::row_matrix<T> logits(3, 4);
    logits << 0.1, -0.3, 0.7, 0.2, 1.5, 0.0, -1.0, 0.3, -0.2, -0.2, 0.4, 2.0;
    const std::vector<index_t> actions{2, 0, 3};
    const auto adv = v<T>({1.5, -0.5, 2.0}), w = v<T>({1, 1, 0.5});
    const auto pg = value::policy_gradient_loss<T>(logits, actions, adv, w);
    // hand value: -(1/3) sum w A log softmax
    double expected = 0.0;
    for (int t = 0; t < 3; ++t) {
        const double lse = std::log(logits.row(t).template cast<double>().array().exp().sum());
        expected -= w[static_cast<std::size_t>(t)] * adv[static_cast<std::size_t>(t)] * (logits(t, actions[static_cast<std::size_t>(t)]) - lse);
    }
    CHECK(pg.value == Approx(expected / 3).epsilon(tol<T>()));
    CHECK(pg.d_log_prob[1] == Approx(0.5 / 3).epsilon(tol<T>()));
    const double h = std::is_same_v<T, float> ? 1e-2 : 1e-6;
    const double fd_tol = std::is_same_v<T, float> ? 2e-3 : 1e-8;
    for (int t = 0; t < 3; ++t) {
        for (int a = 0; a < 4; ++a) {
            auto plus = logits, minus = logits;
            plus(t, a) += static_cast<T>(h);
            minus(t, a) -= static_cast<T>(h);
            const double fd = (value::policy_gradient_loss<T>(plus, actions, adv, w).value -
                               value::policy_gradient_loss<T>(minus, actions, adv, w).value) / (2 * h);
            CHECK(pg.d_logits(t, a) == Approx(fd).margin(fd_tol));
            const double fd_entropy = (value::entropy_loss<T>(plus, w).value - value::entropy_loss<T>(minus, w).value) / (2 * h);
            CHECK(value::entropy_loss<T>(logits, w).d_logits(t, a) == Approx(fd_entropy).margin(fd_tol));
        }
    }
    // uniform logits: entropy log 4 per step
    const prefrl::row_matrix<T> flat = prefrl::row_matrix<T>::Zero(2, 4);
    CHECK(value::entropy_loss<T>(flat, v<T>({1, 1})).value == Approx(-std::log(4.0)).epsilon(tol<T>()));

    // PPO: ratios inside, above and below the clip range, both signs of the advantage
    const auto ratios = v<T>({1.1, 1.5, 0.5, 0.5, 1.5}), advs = v<T>({2, 2, 2, -1, -1});
    const auto ppo = value::clipped_surrogate_pg_loss<T>(ratios, advs, T(0.2));
    // min terms: 2.2, 2.4 (clipped), 1.0 (unclipped), -0.8 (clipped), -1.5 (unclipped)
    CHECK(ppo.value == Approx(-(2.2 + 2.4 + 1.0 - 0.8 - 1.5) / 5).epsilon(tol<T>()));
    const std::vector<double> expected_d{-2.0 / 5, 0.0, -2.0 / 5, 0.0, 1.0 / 5};
    for (int t = 0; t < 5; ++t) {
        CHECK(ppo.d_prob_ratios[t] == Approx(expected_d[static_cast<std::size_t>(t)]).margin(tol<T>()));
        CHECK(ppo.d_log_pi[t] == Approx(expected_d[static_cast<std::size_t>(t)] * ratios[static_cast<std::size_t>(t)]).margin(tol<T>()));
        auto plus = ratios, minus = ratios;
        plus[static_cast<std::size_t>(t)] += static_cast<T>(h);
        minus[static_cast<std::size_t>(t)] -= static_cast<T>(h);
        const double fd = (value::clipped_surrogate_pg_loss<T>(plus, advs).value - value::clipped_surrogate_pg_loss<T>(minus, advs).value) / (2 * h);
        CHECK(ppo.d_prob_ratios[t] == Approx(fd).margin(fd_tol));
    }
    REQUIRE_THROWS_WITH(value::policy_gradient_loss<T>(logits, std::vector<index_t>{2, 4, 0}, adv, w),
                        "prefrl::value::policy_gradient_loss: actions[1] must be in [0, 4), got 4");
    REQUIRE_THROWS_WITH(value::clipped_surrogate_pg_loss<T>(ratios, advs, T(0)),
                        "prefrl::value::clipped_surrogate_pg_loss: epsilon must be in (0, 1), got 0");
}

TEMPLATE_TEST_CASE("tabular and linear value estimates move toward their targets", "[rl][value]", float, double) {
    using T = TestType;
    value::tabular_v<T> tv(3);
    tv.update(1, T(2), T(0.5));
    CHECK(tv.value(1) == Approx(1.0));
    CHECK(tv.value(0) == T(0));
    value::tabular_q<T> q(2, 3, T(1));
    q.update(1, 2, T(3), T(0.25));
    CHECK(q.value(1, 2) == Approx(1.5));
    CHECK(q.row(1)[2] == Approx(1.5));
    REQUIRE_THROWS_WITH(q.value(2, 0), "prefrl::value::tabular_q::value: state must be in [0, 2), got 2");
    value::linear_v<T> lv{prefrl::vector<T>::Zero(2)};
    const prefrl::vector<T> x{{T(1), T(2)}};
    for (int i = 0; i < 200; ++i) lv.update(x, T(5), T(0.1));
    CHECK(lv.value(x) == Approx(5.0).epsilon(1e-4));
    // the ValueFunction laws
    prefrl::laws::check_update_moves_toward_target(tv, 2, T(3), T(0.3));
    prefrl::laws::check_zero_step_changes_nothing(tv, 1, T(3));
    prefrl::laws::check_update_moves_toward_target(lv, x, T(-2), T(0.05));
    prefrl::laws::check_zero_step_changes_nothing(lv, x, T(-2));
    value::linear_q<T> lq{prefrl::row_matrix<T>::Zero(2, 2)};
    lq.update(x, 1, T(1), T(0.2));
    CHECK(lq.value(x, 0) == T(0));
    CHECK(lq.value(x, 1) == Approx(0.2 * 5));
}

TEMPLATE_TEST_CASE("batched TD errors equal the one-transition forms row by row", "[rl][td]", float, double) {
    using T = TestType;
    prefrl::generator rng(9);
    prefrl::row_matrix<T> q_tm1(6, 3), q_t(6, 3), other(6, 3), probs(6, 3);
    for (index_t i = 0; i < q_tm1.size(); ++i) {
        q_tm1.data()[i] = prefrl::normal<T>(rng);
        q_t.data()[i] = prefrl::normal<T>(rng);
        other.data()[i] = prefrl::normal<T>(rng);
        probs.data()[i] = prefrl::uniform01<T>(rng) + T(0.1);
    }
    for (index_t b = 0; b < 6; ++b) probs.row(b) /= probs.row(b).sum();
    const std::vector<index_t> a{0, 2, 1, 1, 0, 2}, next{2, 2, 0, 1, 1, 0};
    const auto r = v<T>({1, -1, 0.5, 2, 0, -3}), g = v<T>({0.9, 0.9, 0, 0.9, 0.5, 0.9});
    const auto ql = value::q_learning<T>(q_tm1, a, r, g, q_t);
    const auto dq = value::double_q_learning<T>(q_tm1, a, r, g, q_t, other);
    const auto sa = value::sarsa<T>(q_tm1, a, r, g, q_t, next);
    const auto es = value::expected_sarsa<T>(q_tm1, a, r, g, q_t, probs);
    for (index_t b = 0; b < 6; ++b) {
        const auto k = static_cast<std::size_t>(b);
        const std::vector<T> row_tm1(q_tm1.row(b).begin(), q_tm1.row(b).end()), row_t(q_t.row(b).begin(), q_t.row(b).end()),
            row_other(other.row(b).begin(), other.row(b).end()), row_p(probs.row(b).begin(), probs.row(b).end());
        CHECK(ql[b] == value::q_learning<T>(row_tm1, a[k], r[k], g[k], row_t));
        CHECK(dq[b] == value::double_q_learning<T>(row_tm1, a[k], r[k], g[k], row_t, row_other));
        CHECK(sa[b] == value::sarsa<T>(row_tm1, a[k], r[k], g[k], row_t, next[k]));
        CHECK(es[b] == value::expected_sarsa<T>(row_tm1, a[k], r[k], g[k], row_t, row_p));
    }
    const auto v_tm1 = v<T>({1, 2}), v_t = v<T>({3, 4});
    CHECK(value::td_learning<T>(std::span<const T>(v_tm1), std::span<const T>(r).first(2), std::span<const T>(g).first(2),
                                std::span<const T>(v_t))[1] == Approx(-1 + 0.9 * 4 - 2));
    REQUIRE_THROWS_WITH(value::q_learning<T>(q_tm1, std::vector<index_t>{0, 1}, r, g, q_t),
                        "prefrl::value::q_learning: a_tm1 has 2 entries but the batch has 6");
}
