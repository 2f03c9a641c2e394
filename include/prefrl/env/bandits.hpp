#ifndef PREFRL_ENV_BANDITS_HPP
#define PREFRL_ENV_BANDITS_HPP

/// \file
/// Bandit environments: Bernoulli and Gaussian K-armed bandits, a linear contextual bandit,
/// an oblivious adversary, a payment-like conversion simulator with dynamic action sets, and a logged-data simulator with a known target-policy value (the
/// Open Bandit Pipeline's SyntheticBanditDataset pattern) for off-policy evaluation.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"
#include "prefrl/ope/bandit_log.hpp"

namespace prefrl::env {

/// K arms with Bernoulli(means[a]) rewards.
template <std::floating_point T = double>
class bernoulli_arms {
public:
    explicit bernoulli_arms(std::vector<double> means) : means_(std::move(means)) {
        constexpr auto fn = "prefrl::env::bernoulli_arms";
        require_non_empty(fn, "means", means_.size());
        for (std::size_t a = 0; a < means_.size(); ++a)
            require(means_[a] >= 0.0 && means_[a] <= 1.0, fn, "means[", a, "] must be in [0, 1], got ", means_[a]);
    }
    [[nodiscard]] index_t num_arms() const { return static_cast<index_t>(means_.size()); }
    [[nodiscard]] double mean(index_t a) const {
        require_index("prefrl::env::bernoulli_arms::mean", "a", a, num_arms());
        return means_[static_cast<std::size_t>(a)];
    }
    [[nodiscard]] double best_mean() const { return *std::max_element(means_.begin(), means_.end()); }
    template <RandomGenerator G>
    T pull(index_t a, G& rng) const {
        require_index("prefrl::env::bernoulli_arms::pull", "a", a, num_arms());
        return uniform01<double>(rng) < means_[static_cast<std::size_t>(a)] ? T(1) : T(0);
    }

private:
    std::vector<double> means_;
};

/// K arms with N(means[a], sd^2) rewards.
template <std::floating_point T = double>
class gaussian_arms {
public:
    gaussian_arms(std::vector<double> means, double sd) : means_(std::move(means)), sd_(sd) {
        constexpr auto fn = "prefrl::env::gaussian_arms";
        require_non_empty(fn, "means", means_.size());
        require_finite(fn, "sd", sd);
        require_non_negative(fn, "sd", sd);
        for (std::size_t a = 0; a < means_.size(); ++a) require(std::isfinite(means_[a]), fn, "means[", a, "] must be finite, got ", means_[a]);
    }
    [[nodiscard]] index_t num_arms() const { return static_cast<index_t>(means_.size()); }
    [[nodiscard]] double mean(index_t a) const {
        require_index("prefrl::env::gaussian_arms::mean", "a", a, num_arms());
        return means_[static_cast<std::size_t>(a)];
    }
    [[nodiscard]] double best_mean() const { return *std::max_element(means_.begin(), means_.end()); }
    template <RandomGenerator G>
    T pull(index_t a, G& rng) const {
        require_index("prefrl::env::gaussian_arms::pull", "a", a, num_arms());
        return static_cast<T>(means_[static_cast<std::size_t>(a)] + sd_ * normal<double>(rng));
    }

private:
    std::vector<double> means_;
    double sd_;
};

/// A random unit vector (uniform on the sphere S^{d-1}).
template <std::floating_point T, RandomGenerator G>
vector<T> random_unit_vector(index_t d, G& rng) {
    require(d >= 1, "prefrl::env::random_unit_vector", "d must be >= 1, got ", d);
    vector<double> v(d);
    double norm = 0.0;
    do {
        for (index_t j = 0; j < d; ++j) v[j] = normal<double>(rng);
        norm = v.norm();
    } while (norm == 0.0);
    return (v / norm).cast<T>();
}

/// **Linear contextual bandit**: K arms with parameters theta_a uniform on the unit sphere of
/// R^d, contexts x uniform on the sphere, reward `theta_a^T x + N(0, noise_sd^2)` (the
/// instance of prefrl's contextual example: d = K = 10, noise 0.1).
template <std::floating_point T = double>
class linear_contextual_arms {
public:
    template <RandomGenerator G>
    linear_contextual_arms(index_t arms, index_t context_size, double noise_sd, G& rng) : noise_sd_(noise_sd) {
        constexpr auto fn = "prefrl::env::linear_contextual_arms";
        require(arms >= 1, fn, "the number of arms must be >= 1, got ", arms);
        require(context_size >= 1, fn, "context_size must be >= 1, got ", context_size);
        require_finite(fn, "noise_sd", noise_sd);
        require_non_negative(fn, "noise_sd", noise_sd);
        theta_.resize(arms, context_size);
        for (index_t a = 0; a < arms; ++a) theta_.row(a) = random_unit_vector<T>(context_size, rng).transpose();
    }
    [[nodiscard]] index_t num_arms() const { return theta_.rows(); }
    [[nodiscard]] index_t context_size() const { return theta_.cols(); }
    [[nodiscard]] const row_matrix<T>& theta() const { return theta_; }
    /// Draws a context x uniform on the unit sphere of R^d.
    template <RandomGenerator G>
    vector<T> context(G& rng) const {
        return random_unit_vector<T>(context_size(), rng);
    }
    /// `theta_a^T x` for every arm.
    [[nodiscard]] vector<T> expected_rewards(std::span<const T> x) const {
        return expected_rewards_for("prefrl::env::linear_contextual_arms::expected_rewards", x);
    }
    /// Plays arm a on context x: `theta_a^T x` plus N(0, noise_sd^2) noise.
    template <RandomGenerator G>
    T pull(std::span<const T> x, index_t a, G& rng) const {
        constexpr auto fn = "prefrl::env::linear_contextual_arms::pull";
        require_index(fn, "a", a, num_arms());
        return expected_rewards_for(fn, x)[a] + static_cast<T>(noise_sd_ * normal<double>(rng));
    }

private:
    vector<T> expected_rewards_for(std::string_view fn, std::span<const T> x) const {
        require(static_cast<index_t>(x.size()) == context_size(), fn, "the context must have ", context_size(), " entries, got ", x.size());
        detail::require_all_finite<T>(fn, "x", x);
        return theta_ * as_eigen(x);
    }

    row_matrix<T> theta_;
    double noise_sd_;
};

/// **Oblivious adversary**: a reward table `rewards(t, a)` in [0, 1] fixed before play (EXP3's
/// setting). `best_fixed_total()` is the reward of the best single arm in hindsight.
template <std::floating_point T = double>
class oblivious_adversary {
public:
    explicit oblivious_adversary(row_matrix<T> rewards) : rewards_(std::move(rewards)) {
        constexpr auto fn = "prefrl::env::oblivious_adversary";
        require_non_empty(fn, "rewards", static_cast<std::size_t>(rewards_.size()));
        require((rewards_.array() >= T(0)).all() && (rewards_.array() <= T(1)).all(), fn, "rewards must be in [0, 1]");
    }
    /// Arm `t / period mod K` pays 1 and the others 0: the best arm rotates every `period`
    /// rounds, which defeats algorithms that trust their running means.
    static oblivious_adversary rotating(index_t arms, index_t horizon, index_t period) {
        constexpr auto fn = "prefrl::env::oblivious_adversary::rotating";
        require(arms >= 1 && horizon >= 1 && period >= 1, fn, "arms, horizon and period must be >= 1, got ", arms, ", ", horizon, ", ", period);
        checked_size_product(fn, "horizon * arms", horizon, arms);
        row_matrix<T> r = row_matrix<T>::Zero(horizon, arms);
        for (index_t t = 0; t < horizon; ++t) r(t, (t / period) % arms) = T(1);
        return oblivious_adversary(std::move(r));
    }
    [[nodiscard]] index_t num_arms() const { return rewards_.cols(); }
    [[nodiscard]] index_t horizon() const { return rewards_.rows(); }
    [[nodiscard]] T reward(index_t t, index_t a) const {
        require_index("prefrl::env::oblivious_adversary::reward", "t", t, horizon());
        require_index("prefrl::env::oblivious_adversary::reward", "a", a, num_arms());
        return rewards_(t, a);
    }
    /// The arm with the largest total reward (the first on ties).
    [[nodiscard]] index_t best_fixed_arm() const {
        Eigen::Index best = 0;
        rewards_.template cast<double>().colwise().sum().maxCoeff(&best);
        return static_cast<index_t>(best);
    }
    [[nodiscard]] double best_fixed_total() const { return rewards_.col(best_fixed_arm()).template cast<double>().sum(); }

private:
    row_matrix<T> rewards_;
};

/// **Payment-like conversions** (the simulator of prefrl's Adyen-style example): contexts
/// x ~ N(0, I_d); action a succeeds with probability `sigmoid(w_a^T x + c_a)`, w_a ~ N(0, (1.5^2/d) I)
/// and c_a ~ N(-0.5, 0.5^2) drawn at construction; each action is available for a context
/// with probability `availability` (at least one always is: dynamic action sets).
template <std::floating_point T = double>
class payment_simulator {
public:
    template <RandomGenerator G>
    payment_simulator(index_t arms, index_t context_size, double availability, G& rng) : availability_(availability) {
        constexpr auto fn = "prefrl::env::payment_simulator";
        require(arms >= 1 && context_size >= 1, fn, "arms and context_size must be >= 1, got ", arms, ", ", context_size);
        require(availability > 0.0 && availability <= 1.0, fn, "availability must be in (0, 1], got ", availability);
        w_.resize(arms, context_size);
        c_.resize(arms);
        for (index_t a = 0; a < arms; ++a) {
            for (index_t j = 0; j < context_size; ++j) w_(a, j) = 1.5 / std::sqrt(static_cast<double>(context_size)) * normal<double>(rng);
            c_[a] = -0.5 + 0.5 * normal<double>(rng);
        }
    }
    [[nodiscard]] index_t num_arms() const { return w_.rows(); }
    [[nodiscard]] index_t context_size() const { return w_.cols(); }
    template <RandomGenerator G>
    vector<T> context(G& rng) const {
        vector<T> x(context_size());
        for (index_t j = 0; j < context_size(); ++j) x[j] = normal<T>(rng);
        return x;
    }
    /// The actions available for the next context (each w.p. availability; one at random if none).
    template <RandomGenerator G>
    std::vector<index_t> available(G& rng) const {
        std::vector<index_t> out;
        for (index_t a = 0; a < num_arms(); ++a)
            if (uniform01<double>(rng) < availability_) out.push_back(a);
        if (out.empty()) out.push_back(uniform_index(num_arms(), rng));
        return out;
    }
    [[nodiscard]] double success_probability(std::span<const T> x, index_t a) const {
        return success_probability_for("prefrl::env::payment_simulator::success_probability", x, a);
    }
    template <RandomGenerator G>
    T pull(std::span<const T> x, index_t a, G& rng) const {
        return uniform01<double>(rng) < success_probability_for("prefrl::env::payment_simulator::pull", x, a) ? T(1) : T(0);
    }

private:
    double success_probability_for(std::string_view fn, std::span<const T> x, index_t a) const {
        require(static_cast<index_t>(x.size()) == context_size(), fn, "the context must have ", context_size(), " entries, got ", x.size());
        require_index(fn, "a", a, num_arms());
        detail::require_all_finite<T>(fn, "x", x);
        double z = c_[a];
        for (index_t j = 0; j < context_size(); ++j) z += w_(a, j) * static_cast<double>(x[static_cast<std::size_t>(j)]);
        return 1.0 / (1.0 + std::exp(-z));
    }

    Eigen::MatrixXd w_;
    Eigen::VectorXd c_;
    double availability_;
};

/// A logged bandit dataset with its ground truth: contexts, the true expected rewards q, the
/// logging policy's action distribution, and the log (actions, propensities, rewards).
template <std::floating_point T = double>
struct logged_bandit_data {
    row_matrix<T> context;          ///< [n, d]
    row_matrix<T> expected_reward;  ///< q(x_i, a), [n, K]
    row_matrix<T> behavior_policy;  ///< pi_b(a | x_i), [n, K]
    std::vector<std::int64_t> action;
    std::vector<T> pscore;
    std::vector<T> reward;
    /// The log, a view of `reward`, `action`, `pscore` and `context`: call it on a dataset that outlives the
    /// view (on a temporary — `bandit.sample(n, rng).log()` — it does not compile).
    [[nodiscard]] ope::bandit_log<T> log() const& {
        return {reward, action, pscore, std::span<const T>(context.data(), static_cast<std::size_t>(context.size())),
                static_cast<index_t>(context.cols())};
    }
    ope::bandit_log<T> log() const&& = delete;
};

/// **Synthetic logged bandit** (Open Bandit Pipeline's `SyntheticBanditDataset` pattern):
/// `x ~ N(0, I_d)`, `q(x, a) = sigmoid(x^T theta_a + b_a)` with theta_a ~ N(0, I/d) and
/// b_a ~ N(0, 1) drawn at construction, rewards Bernoulli(q), logging policy
/// `pi_b = softmax(beta q(x, .))`. A target policy's true value on the logged contexts is
/// `prefrl::ope::policy_value(pi_e, data.expected_reward)`.
template <std::floating_point T = double>
class synthetic_logged_bandit {
public:
    template <RandomGenerator G>
    synthetic_logged_bandit(index_t arms, index_t context_size, double beta, G& rng) : beta_(beta) {
        constexpr auto fn = "prefrl::env::synthetic_logged_bandit";
        require(arms >= 1 && context_size >= 1, fn, "arms and context_size must be >= 1, got ", arms, ", ", context_size);
        require(std::isfinite(beta), fn, "beta must be finite, got ", beta);
        theta_.resize(arms, context_size);
        bias_.resize(arms);
        const double scale = 1.0 / std::sqrt(static_cast<double>(context_size));
        for (index_t a = 0; a < arms; ++a) {
            for (index_t j = 0; j < context_size; ++j) theta_(a, j) = scale * normal<double>(rng);
            bias_[a] = normal<double>(rng);
        }
    }
    [[nodiscard]] index_t num_arms() const { return theta_.rows(); }
    [[nodiscard]] index_t context_size() const { return theta_.cols(); }

    /// n logged rounds.
    template <RandomGenerator G>
    logged_bandit_data<T> sample(index_t n, G& rng) const {
        constexpr auto fn = "prefrl::env::synthetic_logged_bandit::sample";
        require(n >= 1, fn, "n must be >= 1, got ", n);
        checked_size_product(fn, "n * arms", n, checked_size_sum(fn, "arms + context_size", num_arms(), context_size()));
        const index_t k = num_arms();
        logged_bandit_data<T> out;
        out.context.resize(n, context_size());
        out.expected_reward.resize(n, k);
        out.behavior_policy.resize(n, k);
        std::vector<double> p(static_cast<std::size_t>(k));
        for (index_t i = 0; i < n; ++i) {
            Eigen::VectorXd x(context_size());
            for (index_t j = 0; j < context_size(); ++j) x[j] = normal<double>(rng);
            out.context.row(i) = x.cast<T>().transpose();
            const Eigen::VectorXd logits = theta_ * x + bias_;
            double top = -1e300, total = 0.0;
            Eigen::VectorXd q(k);
            for (index_t a = 0; a < k; ++a) {
                q[a] = 1.0 / (1.0 + std::exp(-logits[a]));
                top = std::max(top, beta_ * q[a]);
            }
            for (index_t a = 0; a < k; ++a) total += p[static_cast<std::size_t>(a)] = std::exp(beta_ * q[a] - top);
            for (auto& v : p) v /= total;
            for (index_t a = 0; a < k; ++a) {
                out.expected_reward(i, a) = static_cast<T>(q[a]);
                out.behavior_policy(i, a) = static_cast<T>(p[static_cast<std::size_t>(a)]);
            }
            const index_t a = sample_categorical<double>(p, rng);
            out.action.push_back(a);
            out.pscore.push_back(static_cast<T>(p[static_cast<std::size_t>(a)]));
            out.reward.push_back(uniform01<double>(rng) < q[a] ? T(1) : T(0));
        }
        return out;
    }

private:
    Eigen::MatrixXd theta_;
    Eigen::VectorXd bias_;
    double beta_;
};

}  // namespace prefrl::env

#endif  // PREFRL_ENV_BANDITS_HPP
