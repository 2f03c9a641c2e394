#ifndef PREFRL_POLICY_LINEAR_SOFTMAX_HPP
#define PREFRL_POLICY_LINEAR_SOFTMAX_HPP

/// \file
/// The linear softmax policy over state features, logits = W phi(s).

#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"
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
    [[nodiscard]] vector<T> logits(const vector<T>& phi) const {
        require_same_size("prefrl::policy::linear_softmax", "features", static_cast<std::size_t>(phi.size()), "weights' columns",
                          static_cast<std::size_t>(weights.cols()));
        return weights * phi;
    }
    [[nodiscard]] vector<T> log_probabilities(const vector<T>& phi) const { return log_softmax<T>(logits(phi)); }
    [[nodiscard]] vector<T> probabilities(const vector<T>& phi) const { return log_probabilities(phi).array().exp(); }
    [[nodiscard]] T log_prob(const vector<T>& phi, index_t a) const { return log_probabilities(phi)[check_action(a)]; }
    template <RandomGenerator G>
    index_t sample(const vector<T>& phi, G& rng) const {
        const vector<T> p = probabilities(phi);
        return sample_categorical<T>(std::span<const T>(p.data(), static_cast<std::size_t>(p.size())), rng);
    }
    [[nodiscard]] T entropy(const vector<T>& phi) const { return categorical_entropy<T>(log_probabilities(phi)); }
    [[nodiscard]] T kl(const vector<T>& phi, const linear_softmax& other) const {
        return categorical_kl<T>(log_probabilities(phi), other.log_probabilities(phi));
    }

    [[nodiscard]] index_t num_parameters() const { return weights.size(); }
    [[nodiscard]] vector<T> parameters() const { return Eigen::Map<const vector<T>>(weights.data(), weights.size()); }
    void set_parameters(const vector<T>& theta) {
        require_same_size("prefrl::policy::linear_softmax::set_parameters", "theta", static_cast<std::size_t>(theta.size()),
                          "the parameters", static_cast<std::size_t>(weights.size()));
        Eigen::Map<vector<T>>(weights.data(), weights.size()) = theta;
    }
    [[nodiscard]] vector<T> grad_log_prob(const vector<T>& phi, index_t a) const {
        vector<T> coefficient = -probabilities(phi);
        coefficient[check_action(a)] += T(1);
        row_matrix<T> g = coefficient * phi.transpose();
        return Eigen::Map<const vector<T>>(g.data(), g.size());
    }

private:
    Eigen::Index check_action(index_t a) const {
        require(a >= 0 && a < weights.rows(), "prefrl::policy::linear_softmax", "action must be in [0, ", weights.rows(), "), got ", a);
        return static_cast<Eigen::Index>(a);
    }
};

}  // namespace prefrl::policy

#endif  // PREFRL_POLICY_LINEAR_SOFTMAX_HPP
