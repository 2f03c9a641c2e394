// The concepts accept a minimal model of each family and reject types that miss a member;
// the law checkers of prefrl/testing/ pass on a correct model and catch a wrong one.

#include <catch2/catch.hpp>

#include <prefrl/core/concepts.hpp>
#include <prefrl/core/math.hpp>
#include <prefrl/testing.hpp>

#include <cmath>
#include <span>
#include <vector>

#include "laws/policy_laws.hpp"
#include "laws/value_function_laws.hpp"

namespace {

// A tabular softmax policy, the smallest model of DiscretePolicy and DifferentiablePolicy.
template <class T>
struct softmax_table {
    using state_type = prefrl::index_t;
    using action_type = prefrl::index_t;
    using scalar_type = T;
    prefrl::row_matrix<T> logits;  // [states, actions]

    prefrl::index_t num_actions() const { return logits.cols(); }
    prefrl::vector<T> probabilities(state_type s) const {
        const prefrl::vector<T> row = logits.row(s).transpose();
        const T lse = prefrl::logsumexp<T>(std::span<const T>(row.data(), static_cast<std::size_t>(row.size())));
        return (row.array() - lse).exp().matrix();
    }
    T log_prob(state_type s, action_type a) const {
        const prefrl::vector<T> row = logits.row(s).transpose();
        return row[a] - prefrl::logsumexp<T>(std::span<const T>(row.data(), static_cast<std::size_t>(row.size())));
    }
    template <class G>
    action_type sample(state_type s, G& rng) const {
        const prefrl::vector<T> p = probabilities(s);
        return prefrl::sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng);
    }
    prefrl::index_t num_parameters() const { return logits.size(); }
    prefrl::vector<T> parameters() const { return logits.template reshaped<Eigen::RowMajor>(); }
    void set_parameters(const prefrl::vector<T>& theta) { logits = theta.template reshaped<Eigen::RowMajor>(logits.rows(), logits.cols()); }
    prefrl::vector<T> grad_log_prob(state_type s, action_type a) const {
        prefrl::row_matrix<T> g = prefrl::row_matrix<T>::Zero(logits.rows(), logits.cols());
        g.row(s) = -probabilities(s).transpose();
        g(s, a) += T(1);
        return g.template reshaped<Eigen::RowMajor>();
    }
};

// The same policy with a sign error in its gradient: the gradient law must catch it.
template <class T>
struct wrong_gradient : softmax_table<T> {
    prefrl::vector<T> grad_log_prob(prefrl::index_t s, prefrl::index_t a) const {
        return -softmax_table<T>::grad_log_prob(s, a);
    }
};

struct missing_sample {
    using state_type = int;
    using action_type = int;
    using scalar_type = double;
    double log_prob(int, int) const { return 0.0; }
};

struct tabular_v {
    using state_type = int;
    using scalar_type = double;
    std::vector<double> v = std::vector<double>(3, 0.0);
    double value(int s) const { return v[static_cast<std::size_t>(s)]; }
    void update(int s, double target, double step) { v[static_cast<std::size_t>(s)] += step * (target - value(s)); }
};

struct tabular_q {
    using state_type = int;
    using action_type = int;
    using scalar_type = float;
    float value(int, int) const { return 0.0f; }
    void update(int, int, float, float) {}
};

struct coin_env {
    using state_type = int;
    using action_type = int;
    using scalar_type = double;
    template <class G>
    int reset(G&) { return 0; }
    template <class G>
    prefrl::step_result<int, double> step(int a, G& rng) {
        return {0, prefrl::uniform01<double>(rng) < 0.5 ? double(a) : 0.0, true, false};
    }
};

struct uniform_bandit {
    using scalar_type = double;
    prefrl::index_t num_arms() const { return 3; }
    template <class G>
    prefrl::decision<double> select(G& rng) { return {prefrl::uniform_index(3, rng), 1.0 / 3.0}; }
    void update(prefrl::index_t, double) {}
};

struct uniform_contextual_bandit {
    using scalar_type = float;
    prefrl::index_t num_arms() const { return 2; }
    prefrl::index_t context_size() const { return 4; }
    template <class G>
    prefrl::decision<float> select(std::span<const float>, G& rng) { return {prefrl::uniform_index(2, rng), 0.5f}; }
    void update(std::span<const float>, prefrl::index_t, float) {}
};

struct zero_oracle {
    using scalar_type = double;
    prefrl::index_t num_arms() const { return 2; }
    prefrl::index_t context_size() const { return 4; }
    prefrl::vector<double> predict(std::span<const double>) const { return prefrl::vector<double>::Zero(2); }
    void fit(std::span<const double>, prefrl::index_t, double) {}
};

struct toy_batch {
    std::vector<double> chosen, rejected;
};
struct toy_loss_result {
    double value;
    prefrl::vector<double> d_chosen, d_rejected;
};
struct margin_loss {  // mean of (rejected - chosen)
    toy_loss_result operator()(const toy_batch& b) const {
        const auto n = static_cast<Eigen::Index>(b.chosen.size());
        double v = 0;
        for (std::size_t i = 0; i < b.chosen.size(); ++i) v += b.rejected[i] - b.chosen[i];
        return {v / double(n), prefrl::vector<double>::Constant(n, -1.0 / double(n)),
                prefrl::vector<double>::Constant(n, 1.0 / double(n))};
    }
};

struct squared_term {
    struct result {
        double value;
        prefrl::vector<double> d_v;
    };
    result operator()(std::span<const double> q, std::span<const double> v) const {
        result r{0.0, prefrl::vector<double>(static_cast<Eigen::Index>(v.size()))};
        for (std::size_t i = 0; i < v.size(); ++i) {
            r.value += 0.5 * (q[i] - v[i]) * (q[i] - v[i]) / double(v.size());
            r.d_v[static_cast<Eigen::Index>(i)] = (v[i] - q[i]) / double(v.size());
        }
        return r;
    }
};

}  // namespace

// The concepts accept the models ...
static_assert(prefrl::check_policy<softmax_table<double>>());
static_assert(prefrl::check_discrete_policy<softmax_table<float>>());
static_assert(prefrl::check_differentiable_policy<softmax_table<double>>());
static_assert(prefrl::check_value_function<tabular_v>());
static_assert(prefrl::check_action_value_function<tabular_q>());
static_assert(prefrl::check_environment<coin_env>());
static_assert(prefrl::check_bandit<uniform_bandit>());
static_assert(prefrl::check_contextual_bandit<uniform_contextual_bandit>());
static_assert(prefrl::check_regression_oracle<zero_oracle>());
static_assert(prefrl::check_pairwise_loss<margin_loss, toy_batch>());
static_assert(prefrl::check_regularizer<squared_term, std::span<const double>, std::span<const double>>());
static_assert(prefrl::check_in_sample_value_loss<squared_term, double>());

// ... and reject what is not one.
static_assert(!prefrl::Policy<missing_sample>);
static_assert(!prefrl::Policy<int>);
static_assert(!prefrl::DiscretePolicy<coin_env>);
static_assert(!prefrl::ValueFunction<tabular_q>);
static_assert(!prefrl::ActionValueFunction<tabular_v>);
static_assert(!prefrl::Environment<tabular_v>);
static_assert(!prefrl::Bandit<uniform_contextual_bandit>);
static_assert(!prefrl::ContextualBandit<uniform_bandit>);
static_assert(!prefrl::RegressionOracle<uniform_bandit>);
static_assert(!prefrl::PairwiseLoss<squared_term, toy_batch>);
static_assert(!prefrl::Regularizer<margin_loss, std::span<const double>, std::span<const double>>);
static_assert(!prefrl::InSampleValueLoss<squared_term, float>);  // its spans are double
static_assert(!prefrl::InSampleValueLoss<margin_loss, double>);

TEMPLATE_TEST_CASE("the policy laws hold for a tabular softmax", "[laws]", float, double) {
    using T = TestType;
    softmax_table<T> pi{prefrl::row_matrix<T>(2, 3)};
    pi.logits << T(0.5), T(-1.0), T(2.0), T(0.0), T(0.0), T(-3.0);
    prefrl::generator rng(11);
    prefrl::laws::check_discrete_policy_laws(pi, {0, 1}, rng);
}

TEST_CASE("the law checkers of prefrl::testing catch a wrong gradient and say where") {
    wrong_gradient<double> pi;
    pi.logits = prefrl::row_matrix<double>(1, 3);
    pi.logits << 0.5, -1.0, 2.0;
    const prefrl::vector<double> theta = pi.parameters();
    auto f = [&](const prefrl::vector<double>& t) {
        wrong_gradient<double> probe = pi;
        probe.set_parameters(t);
        return probe.log_prob(0, 1);
    };
    const auto direct = prefrl::testing::check_gradient<double>(f, theta, pi.grad_log_prob(0, 1));
    CHECK_FALSE(direct);
    CHECK_THAT(direct.message, Catch::Contains("coordinate") && Catch::Contains("central difference"));
    const auto sized = prefrl::testing::check_gradient<double>(f, theta, std::vector<double>(2, 0.0));
    CHECK_FALSE(sized);
    CHECK_THAT(sized.message, Catch::Contains("gradient has 2 entries but x has 3"));
    // through the policy laws: the failing state and action are named
    prefrl::generator rng(3);
    const auto all = prefrl::testing::check_discrete_policy_laws(pi, {0}, rng);
    CHECK_FALSE(all);
    CHECK_THAT(all.message, Catch::StartsWith("state 0: grad_log_prob of action 0"));
    // and a correct model passes the same checker
    softmax_table<double> good{pi.logits};
    CHECK(prefrl::testing::check_discrete_policy_laws(good, {0}, rng));
}

TEST_CASE("the value-function laws hold for a tabular V") {
    tabular_v v;
    prefrl::laws::check_update_moves_toward_target(v, 1, 2.0, 0.5);
    prefrl::laws::check_zero_step_changes_nothing(v, 1, 2.0);
}

TEST_CASE("the value-function law checkers catch an update that overshoots") {
    tabular_v v;
    // a step of 3 moves V(s) from 0 past the target 2 to 6: farther than before
    const auto r = prefrl::testing::check_update_moves_toward_target(v, 1, 2.0, 3.0);
    CHECK_FALSE(r);
    CHECK_THAT(r.message, Catch::Contains("moved V(s) away"));
}

TEST_CASE("the minimal models run") {
    prefrl::generator rng(1);
    coin_env env;
    REQUIRE(env.reset(rng) == 0);
    REQUIRE(env.step(1, rng).terminal);
    uniform_bandit b;
    const auto d = b.select(rng);
    REQUIRE(d.arm < 3);
    REQUIRE(d.propensity == Approx(1.0 / 3.0));
    toy_batch batch{{-1.0, -2.0}, {-3.0, -1.0}};
    REQUIRE(margin_loss{}(batch).value == Approx(-0.5));
}
