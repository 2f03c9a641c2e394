#ifndef PREFRL_POLICY_LINEAR_SOFTMAX_HPP
#define PREFRL_POLICY_LINEAR_SOFTMAX_HPP

/// \file
/// The linear softmax policy over state features, logits = W phi(s).

#include <concepts>
#include <span>
#include <string_view>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"
#include "prefrl/policy/categorical.hpp"

namespace prefrl::policy {

/// **Linear softmax policy** (Sutton & Barto 2018, §13.1, with one weight row per action):
/// `pi(. | s) = softmax(W phi(s))`, `d log pi(a | s) / d W[b, :] = (1[b = a] - pi(b | s)) phi(s)`.
/// The state is its feature vector phi(s); parameters are W flattened row-major. A model of
/// `DiscretePolicy` and `DifferentiablePolicy`.
template <std::floating_point T>
struct linear_softmax {
    using state_type = vector<T>;
    using action_type = index_t;
    using scalar_type = T;
    row_matrix<T> weights;  ///< W, [actions, features]

    [[nodiscard]] index_t num_actions() const { return weights.rows(); }
    [[nodiscard]] vector<T> logits(const vector<T>& phi) const { return logits_for("prefrl::policy::linear_softmax::logits", phi); }
    [[nodiscard]] vector<T> log_probabilities(const vector<T>& phi) const {
        return log_probabilities_for("prefrl::policy::linear_softmax::log_probabilities", phi);
    }
    [[nodiscard]] vector<T> probabilities(const vector<T>& phi) const {
        return log_probabilities_for("prefrl::policy::linear_softmax::probabilities", phi).array().exp();
    }
    [[nodiscard]] T log_prob(const vector<T>& phi, index_t a) const {
        constexpr auto fn = "prefrl::policy::linear_softmax::log_prob";
        return log_probabilities_for(fn, phi)[check_action(fn, a)];
    }
    template <RandomGenerator G>
    index_t sample(const vector<T>& phi, G& rng) const {
        const vector<T> p = log_probabilities_for("prefrl::policy::linear_softmax::sample", phi).array().exp();
        return sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng);
    }
    [[nodiscard]] T entropy(const vector<T>& phi) const {
        return categorical_entropy<T>(log_probabilities_for("prefrl::policy::linear_softmax::entropy", phi));
    }
    [[nodiscard]] T kl(const vector<T>& phi, const linear_softmax& other) const {
        constexpr auto fn = "prefrl::policy::linear_softmax::kl";
        require(other.weights.rows() == weights.rows(), fn, "other has ", other.weights.rows(), " actions, this policy ", weights.rows());
        return categorical_kl<T>(log_probabilities_for(fn, phi), other.log_probabilities_for(fn, phi));
    }

    [[nodiscard]] index_t num_parameters() const { return weights.size(); }
    [[nodiscard]] vector<T> parameters() const { return Eigen::Map<const vector<T>>(weights.data(), weights.size()); }
    void set_parameters(const vector<T>& theta) {
        constexpr auto fn = "prefrl::policy::linear_softmax::set_parameters";
        require_same_size(fn, "theta", static_cast<std::size_t>(theta.size()), "the parameters", static_cast<std::size_t>(weights.size()));
        detail::require_all_finite<T>(fn, "theta", std::span<const T>(theta.data(), static_cast<std::size_t>(theta.size())));
        Eigen::Map<vector<T>>(weights.data(), weights.size()) = theta;
    }
    [[nodiscard]] vector<T> grad_log_prob(const vector<T>& phi, index_t a) const {
        constexpr auto fn = "prefrl::policy::linear_softmax::grad_log_prob";
        const Eigen::Index action = check_action(fn, a);
        vector<T> coefficient = -log_probabilities_for(fn, phi).array().exp();
        coefficient[action] += T(1);
        row_matrix<T> g = coefficient * phi.transpose();
        return Eigen::Map<const vector<T>>(g.data(), g.size());
    }

private:
    vector<T> logits_for(std::string_view fn, const vector<T>& phi) const {
        require_same_size(fn, "features", static_cast<std::size_t>(phi.size()), "weights' columns", static_cast<std::size_t>(weights.cols()));
        detail::require_all_finite<T>(fn, "phi", std::span<const T>(phi.data(), static_cast<std::size_t>(phi.size())));
        return weights * phi;
    }
    vector<T> log_probabilities_for(std::string_view fn, const vector<T>& phi) const {
        return detail::log_softmax_for<T>(fn, "logits", logits_for(fn, phi));
    }
    Eigen::Index check_action(std::string_view fn, index_t a) const {
        require_index(fn, "a", a, weights.rows());
        return static_cast<Eigen::Index>(a);
    }
};

}  // namespace prefrl::policy

#endif  // PREFRL_POLICY_LINEAR_SOFTMAX_HPP
