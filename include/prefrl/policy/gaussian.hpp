#ifndef PREFRL_POLICY_GAUSSIAN_HPP
#define PREFRL_POLICY_GAUSSIAN_HPP

/// \file
/// The diagonal Gaussian policy for continuous actions: mean linear in the features, a learned
/// state-independent log standard deviation.

#include <cmath>
#include <concepts>
#include <numbers>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

namespace prefrl::policy {

/// **Diagonal Gaussian policy** (Williams 1992; the usual PPO / TD3 continuous-control head):
/// `mu(s) = W phi(s) + b`, `sigma = exp(l)` with l a learned log-std (init 0),
///
///     log pi(a | s) = -sum_i [ (a_i - mu_i)^2 / (2 sigma_i^2) + l_i + log(2 pi) / 2 ]
///     d/d mu = (a - mu) / sigma^2,  d/d W = ((a - mu) / sigma^2) phi^T,  d/d l_i = (a_i - mu_i)^2 / sigma_i^2 - 1
///
/// Parameters: W row-major, then b, then l. A model of `DifferentiablePolicy`.
template <std::floating_point T>
struct gaussian {
    using state_type = vector<T>;
    using action_type = vector<T>;
    using scalar_type = T;
    row_matrix<T> weights;  ///< W, [action dims, features]
    vector<T> bias;         ///< b
    vector<T> log_std;      ///< l

    /// mu = 0 (W = 0, b = 0), sigma = 1.
    static gaussian zeros(index_t action_dims, index_t features) {
        constexpr auto fn = "prefrl::policy::gaussian::zeros";
        require_positive(fn, "action_dims", action_dims);
        require_positive(fn, "features", features);
        checked_size_product(fn, "action_dims * features", action_dims, features);
        return {row_matrix<T>::Zero(action_dims, features), vector<T>::Zero(action_dims), vector<T>::Zero(action_dims)};
    }

    [[nodiscard]] vector<T> mean(const vector<T>& phi) const { return mean_for("prefrl::policy::gaussian::mean", phi); }
    [[nodiscard]] T log_prob(const vector<T>& phi, const vector<T>& a) const {
        constexpr auto fn = "prefrl::policy::gaussian::log_prob";
        const vector<T> mu = mean_for(fn, phi);
        check_action(fn, a);
        const auto z = (a - mu).array() * (-log_std.array()).exp();
        return -(T(0.5) * z.square() + log_std.array() + T(0.5) * std::log(T(2) * std::numbers::pi_v<T>)).sum();
    }
    template <RandomGenerator G>
    vector<T> sample(const vector<T>& phi, G& rng) const {
        vector<T> a = mean_for("prefrl::policy::gaussian::sample", phi);
        for (Eigen::Index i = 0; i < a.size(); ++i) a[i] += std::exp(log_std[i]) * normal<T>(rng);
        return a;
    }
    /// `H = sum_i l_i + (n/2)(1 + log 2 pi)` (state-independent).
    [[nodiscard]] T entropy(const vector<T>& = {}) const {
        check_shape("prefrl::policy::gaussian::entropy");
        return log_std.sum() + T(0.5) * static_cast<T>(log_std.size()) * (T(1) + std::log(T(2) * std::numbers::pi_v<T>));
    }
    /// `KL(pi(. | s) || other(. | s)) = sum_i [l2 - l1 + (sigma1^2 + (mu1 - mu2)^2) / (2 sigma2^2) - 1/2]`.
    [[nodiscard]] T kl(const vector<T>& phi, const gaussian& other) const {
        constexpr auto fn = "prefrl::policy::gaussian::kl";
        require(other.weights.rows() == weights.rows() && other.weights.cols() == weights.cols(), fn, "other's weights are [",
                other.weights.rows(), ", ", other.weights.cols(), "], this policy's [", weights.rows(), ", ", weights.cols(), "]");
        const vector<T> mu1 = mean_for(fn, phi), mu2 = other.mean_for(fn, phi);
        const auto var1 = (T(2) * log_std.array()).exp(), var2 = (T(2) * other.log_std.array()).exp();
        return (other.log_std.array() - log_std.array() + (var1 + (mu1 - mu2).array().square()) / (T(2) * var2) - T(0.5)).sum();
    }

    [[nodiscard]] index_t num_parameters() const { return weights.size() + bias.size() + log_std.size(); }
    [[nodiscard]] vector<T> parameters() const {
        check_shape("prefrl::policy::gaussian::parameters");
        vector<T> theta(num_parameters());
        theta << Eigen::Map<const vector<T>>(weights.data(), weights.size()), bias, log_std;
        return theta;
    }
    void set_parameters(const vector<T>& theta) {
        constexpr auto fn = "prefrl::policy::gaussian::set_parameters";
        check_shape(fn);
        require_same_size(fn, "theta", static_cast<std::size_t>(theta.size()), "the parameters", static_cast<std::size_t>(num_parameters()));
        detail::require_all_finite<T>(fn, "theta", std::span<const T>(theta.data(), static_cast<std::size_t>(theta.size())));
        Eigen::Map<vector<T>>(weights.data(), weights.size()) = theta.head(weights.size());
        bias = theta.segment(weights.size(), bias.size());
        log_std = theta.tail(log_std.size());
    }
    [[nodiscard]] vector<T> grad_log_prob(const vector<T>& phi, const vector<T>& a) const {
        constexpr auto fn = "prefrl::policy::gaussian::grad_log_prob";
        const vector<T> mu = mean_for(fn, phi);
        check_action(fn, a);
        const vector<T> d_mu = (a - mu).array() * (T(-2) * log_std.array()).exp();
        const row_matrix<T> d_w = d_mu * phi.transpose();
        vector<T> g(num_parameters());
        g << Eigen::Map<const vector<T>>(d_w.data(), d_w.size()), d_mu, ((a - mu).array().square() * (T(-2) * log_std.array()).exp() - T(1)).matrix();
        return g;
    }

private:
    // bias and log_std have one entry per action dimension; log_std is finite
    void check_shape(std::string_view fn) const {
        require(bias.size() == weights.rows() && log_std.size() == weights.rows(), fn, "bias and log_std must have ", weights.rows(),
                " entries, got ", bias.size(), " and ", log_std.size());
        detail::require_all_finite<T>(fn, "log_std", std::span<const T>(log_std.data(), static_cast<std::size_t>(log_std.size())));
    }
    vector<T> mean_for(std::string_view fn, const vector<T>& phi) const {
        check_shape(fn);
        require_same_size(fn, "features", static_cast<std::size_t>(phi.size()), "weights' columns", static_cast<std::size_t>(weights.cols()));
        detail::require_all_finite<T>(fn, "phi", std::span<const T>(phi.data(), static_cast<std::size_t>(phi.size())));
        return weights * phi + bias;
    }
    void check_action(std::string_view fn, const vector<T>& a) const {
        require_same_size(fn, "action", static_cast<std::size_t>(a.size()), "action dims", static_cast<std::size_t>(weights.rows()));
        detail::require_all_finite<T>(fn, "a", std::span<const T>(a.data(), static_cast<std::size_t>(a.size())));
    }
};

}  // namespace prefrl::policy

#endif  // PREFRL_POLICY_GAUSSIAN_HPP
