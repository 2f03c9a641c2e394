// Policies ("Policies"): every model passes the concept's law checkers; hand values
// for the categorical and Gaussian entropy / KL; epsilon-greedy ties; the geometric mixture's
// variational property.

#include <catch2/catch.hpp>

#include <prefrl/core.hpp>
#include <prefrl/policy.hpp>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "laws/gradient_laws.hpp"
#include "laws/policy_laws.hpp"

namespace policy = prefrl::policy;
using prefrl::index_t;
using prefrl::vector;

static_assert(prefrl::check_policy<policy::tabular_softmax<double>>());
static_assert(prefrl::DiscretePolicy<policy::tabular_softmax<float>> && prefrl::DifferentiablePolicy<policy::tabular_softmax<float>>);
static_assert(prefrl::DiscretePolicy<policy::linear_softmax<double>> && prefrl::DifferentiablePolicy<policy::linear_softmax<double>>);
static_assert(prefrl::DifferentiablePolicy<policy::gaussian<double>> && !prefrl::DiscretePolicy<policy::gaussian<double>>);
static_assert(prefrl::DiscretePolicy<policy::epsilon_greedy<double>> && !prefrl::DifferentiablePolicy<policy::epsilon_greedy<double>>);
static_assert(prefrl::DiscretePolicy<policy::boltzmann<float>>);
using mixture = policy::geometric_mixture<policy::tabular_softmax<double>, policy::tabular_softmax<double>>;
static_assert(prefrl::DiscretePolicy<mixture> && prefrl::DifferentiablePolicy<mixture>);

namespace {

prefrl::row_matrix<double> random_matrix(index_t rows, index_t cols, prefrl::generator& rng, double scale = 1.0) {
    prefrl::row_matrix<double> m(rows, cols);
    for (index_t i = 0; i < m.size(); ++i) m.data()[i] = scale * prefrl::normal<double>(rng);
    return m;
}

}  // namespace

TEST_CASE("discrete policies pass the Policy / DiscretePolicy / DifferentiablePolicy laws", "[rl][policy]") {
    prefrl::generator rng(1);
    const policy::tabular_softmax<double> tab{random_matrix(3, 4, rng)};
    prefrl::laws::check_discrete_policy_laws(tab, {0, 1, 2}, rng);
    const policy::linear_softmax<double> lin{random_matrix(3, 5, rng, 0.5)};
    prefrl::laws::check_discrete_policy_laws(lin, {vector<double>(random_matrix(5, 1, rng)), vector<double>(random_matrix(5, 1, rng))}, rng);
    const vector<double> q{{1.0, 3.0, 3.0, -2.0}};
    prefrl::laws::check_discrete_policy_laws(policy::epsilon_greedy<double>{.epsilon = 0.2, .actions = 4}, {q}, rng);
    prefrl::laws::check_discrete_policy_laws(policy::boltzmann<double>{.temperature = 0.7, .actions = 4}, {q}, rng);
    const mixture mix{tab, policy::tabular_softmax<double>{random_matrix(3, 4, rng)}, 0.3};
    prefrl::laws::check_discrete_policy_laws(mix, {0, 2}, rng);
    REQUIRE_THROWS_WITH(tab.log_prob(3, 0), "prefrl::policy::tabular_softmax::log_prob: state must be in [0, 3), got 3");
    REQUIRE_THROWS_WITH(tab.log_prob(0, 4), "prefrl::policy::tabular_softmax::log_prob: action must be in [0, 4), got 4");
}

TEMPLATE_TEST_CASE("categorical entropy and KL: hand values and gradients", "[rl][policy]", float, double) {
    using T = TestType;
    const vector<T> uniform = vector<T>::Zero(4);
    CHECK(policy::categorical_entropy<T>(policy::log_softmax<T>(uniform)) == Approx(std::log(4.0)));
    const vector<T> z{{T(0.5), T(-1), T(2)}};
    const vector<T> lq = policy::log_softmax<T>(vector<T>{{T(1), T(0), T(0)}});
    const vector<T> p = policy::softmax<T>(z);
    double kl = 0.0;
    for (int a = 0; a < 3; ++a) kl += p[a] * (std::log(p[a]) - lq[a]);
    CHECK(policy::categorical_kl<T>(policy::log_softmax<T>(z), lq) == Approx(kl).epsilon(1e-5));
    CHECK(policy::categorical_kl<T>(lq, lq) == Approx(0.0).margin(1e-7));
    const vector<T> with_zero{{T(0), -std::numeric_limits<T>::infinity(), T(0)}};
    CHECK(std::isinf(policy::categorical_kl<T>(policy::log_softmax<T>(z), with_zero)));
    if constexpr (std::is_same_v<T, double>) {
        prefrl::laws::check_gradient<double>([](const vector<double>& x) { return policy::categorical_entropy<double>(policy::log_softmax<double>(x)); },
                                             z, policy::categorical_entropy_gradient<double>(z));
        prefrl::laws::check_gradient<double>([&](const vector<double>& x) { return policy::categorical_kl<double>(policy::log_softmax<double>(x), lq); },
                                             z, policy::categorical_kl_gradient<double>(z, lq));
    }
}

TEST_CASE("epsilon-greedy shares the greedy mass among exact ties, Boltzmann's temperature", "[rl][policy]") {
    const vector<double> q{{1.0, 3.0, 3.0}};
    const vector<double> p = policy::epsilon_greedy<double>{.epsilon = 0.3}.probabilities(q);
    CHECK(p[0] == Approx(0.1));
    CHECK(p[1] == Approx(0.45));
    CHECK(p[2] == Approx(0.45));
    const vector<double> b = policy::boltzmann<double>{.temperature = 2.0}.probabilities(q);
    CHECK(b[0] == Approx(std::exp(0.5) / (std::exp(0.5) + 2 * std::exp(1.5))));
    REQUIRE_THROWS_WITH(policy::boltzmann<double>{.temperature = 0.0}.probabilities(q),
                        "prefrl::policy::boltzmann::probabilities: temperature must be > 0, got 0");
    REQUIRE_THROWS_WITH(policy::epsilon_greedy<double>{.epsilon = 1.5}.probabilities(q),
                        "prefrl::policy::epsilon_greedy::probabilities: epsilon must be in [0, 1], got 1.5");
    // a masked action (value -inf) gets probability ~0 under Boltzmann (Eigen's vectorized exp
    // clamps its argument, so exp(-inf) comes out near 1e-308, not 0); NaN is refused by name
    const vector<double> masked{{1.0, -std::numeric_limits<double>::infinity(), 3.0}};
    const vector<double> pm = policy::boltzmann<double>{}.probabilities(masked);
    CHECK(pm[1] < 1e-300);
    CHECK(pm[2] == Approx(std::exp(2.0) / (1.0 + std::exp(2.0))));
    REQUIRE_THROWS_WITH(policy::boltzmann<double>{}.probabilities(vector<double>{{1.0, std::nan(""), 3.0}}),
                        Catch::Contains("prefrl::policy::boltzmann::probabilities: q[1] must be finite or -inf, got nan"));
}

TEST_CASE("Gaussian policy: log-density, entropy, KL, sampling moments, gradient laws", "[rl][policy]") {
    prefrl::generator rng(2);
    auto pi = policy::gaussian<double>::zeros(2, 3);
    pi.weights = random_matrix(2, 3, rng, 0.5);
    pi.bias = vector<double>{{0.3, -0.2}};
    pi.log_std = vector<double>{{-0.5, 0.4}};
    const vector<double> phi{{1.0, -0.5, 2.0}}, a{{0.1, 0.9}};
    const vector<double> mu = pi.mean(phi);
    double expected = 0.0;
    for (int i = 0; i < 2; ++i) {
        const double sigma = std::exp(pi.log_std[i]);
        expected += -0.5 * std::pow((a[i] - mu[i]) / sigma, 2) - std::log(sigma) - 0.5 * std::log(2 * std::numbers::pi);
    }
    CHECK(pi.log_prob(phi, a) == Approx(expected).epsilon(1e-12));
    CHECK(pi.entropy() == Approx(-0.1 + (1 + std::log(2 * std::numbers::pi))).epsilon(1e-12));
    auto other = pi;
    other.bias[0] += 1.0;
    other.log_std[1] = 0.0;
    // KL = sum_i [l2 - l1 + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2]
    const double kl = (-0.5 - -0.5 + (std::exp(-1.0) + 1.0) / (2 * std::exp(-1.0)) - 0.5) + (0.0 - 0.4 + std::exp(0.8) / 2 - 0.5);
    CHECK(pi.kl(phi, other) == Approx(kl).epsilon(1e-12));
    CHECK(pi.kl(phi, pi) == Approx(0.0).margin(1e-14));
    for (const vector<double>& action : {a, vector<double>{{-1.0, 2.0}}}) prefrl::laws::check_grad_log_prob(pi, phi, action);
    prefrl::laws::check_set_parameters_round_trip(pi);
    prefrl::laws::check_sampling_reproducible(pi, phi);
    vector<double> sum = vector<double>::Zero(2), squares = vector<double>::Zero(2);
    const int n = 40000;
    for (int k = 0; k < n; ++k) {
        const vector<double> x = pi.sample(phi, rng);
        sum += x;
        squares += x.cwiseProduct(x);
    }
    const vector<double> mean = sum / n;
    const vector<double> variance = squares / n - mean.cwiseProduct(mean);
    for (int i = 0; i < 2; ++i) {
        const double sigma = std::exp(pi.log_std[i]);
        CHECK(std::abs(mean[i] - mu[i]) < 5 * sigma / std::sqrt(n));
        CHECK(variance[i] == Approx(sigma * sigma).epsilon(0.03));
    }
}

TEST_CASE("geometric mixture: the ends, and the minimizer of (1-m) KL(q||pi) + m KL(q||ref)", "[rl][policy]") {
    prefrl::generator rng(3);
    const policy::tabular_softmax<double> pi{random_matrix(1, 5, rng)}, ref{random_matrix(1, 5, rng)};
    CHECK((mixture{pi, ref, 0.0}.probabilities(0) - pi.probabilities(0)).cwiseAbs().maxCoeff() < 1e-14);
    CHECK((mixture{pi, ref, 1.0}.probabilities(0) - ref.probabilities(0)).cwiseAbs().maxCoeff() < 1e-14);
    const double m = 0.35;
    const mixture mix{pi, ref, m};
    auto objective = [&](const vector<double>& log_q) {
        return (1 - m) * policy::categorical_kl<double>(log_q, pi.log_probabilities(0)) +
               m * policy::categorical_kl<double>(log_q, ref.log_probabilities(0));
    };
    const vector<double> log_mix = mix.log_probabilities(0);
    // minimum -log Z, Z = sum pi^(1-m) ref^m
    const double z = (pi.probabilities(0).array().pow(1 - m) * ref.probabilities(0).array().pow(m)).sum();
    CHECK(objective(log_mix) == Approx(-std::log(z)).epsilon(1e-12));
    for (int trial = 0; trial < 20; ++trial) {
        const vector<double> perturbed = policy::log_softmax<double>(log_mix + 0.1 * vector<double>(random_matrix(5, 1, rng)));
        CHECK(objective(perturbed) > objective(log_mix));
    }
}
