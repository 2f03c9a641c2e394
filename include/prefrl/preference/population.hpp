#ifndef PREFRL_PREFERENCE_POPULATION_HPP
#define PREFRL_PREFERENCE_POPULATION_HPP

/// \file
/// Population losses of a tabular softmax policy over K responses: every pairwise loss,
/// trained on "all the data at once", to check it against closed forms and games.

#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/preference/pair_batch.hpp"
#include "prefrl/preference/preference_game.hpp"

namespace prefrl::preference {

/// The pairs of a population loss over K responses with preferences P and reference pi_ref:
/// y1, y2 ~ pi_ref independently, the winner drawn from P, so the ordered pair (i, j) with i
/// chosen has probability pi_ref(i) pi_ref(j) P_ij (counted twice: the loss averages over
/// both draw orders, as `L = 2 sum_{i,j} pi_ref(i) pi_ref(j) P_ij loss_ij`).
/// `set_policy(log_pi)` fills the policy log-probs; `batch()` views everything as a weighted
/// `pair_batch<double>`; `gradient(result, pi)` chains a loss's d_chosen / d_rejected through
/// log softmax to the policy's logits.
class population_pairs {
public:
    /// `fn` names the function the user called in errors.
    population_pairs(const preference_matrix& p, const Eigen::VectorXd& pi_ref,
                     std::string_view fn = "prefrl::preference::population_pairs")
        : k_(p.rows()) {
        validate_preference_matrix(fn, p);
        validate_policy(fn, "pi_ref", pi_ref, k_);
        const auto n = static_cast<std::size_t>(k_ * k_);
        for (Eigen::Index i = 0; i < k_; ++i)
            for (Eigen::Index j = 0; j < k_; ++j) {
                first_.push_back(i);
                second_.push_back(j);
                ref_chosen_.push_back(std::log(pi_ref[i]));
                ref_rejected_.push_back(std::log(pi_ref[j]));
                weight_.push_back(2.0 * static_cast<double>(n) * pi_ref[i] * pi_ref[j] * p(i, j));
            }
        chosen_.resize(n);
        rejected_.resize(n);
    }

    /// Sets the policy's log-probabilities (size K, normalized).
    void set_policy(const Eigen::VectorXd& log_pi) {
        validate_log_policy("prefrl::preference::population_pairs::set_policy", "log_pi", log_pi, k_);
        for (std::size_t q = 0; q < first_.size(); ++q) {
            chosen_[q] = log_pi[first_[q]];
            rejected_[q] = log_pi[second_[q]];
        }
    }

    [[nodiscard]] pair_batch<double> batch() const {
        pair_batch<double> b{chosen_, rejected_, ref_chosen_, ref_rejected_};
        b.weight = weight_;
        return b;
    }

    /// d loss / d theta for pi = softmax(theta): d log pi(i) / d theta_k = 1[i = k] - pi_k.
    [[nodiscard]] Eigen::VectorXd gradient(const pair_loss_result<double>& r, const Eigen::VectorXd& pi) const {
        constexpr auto fn = "prefrl::preference::population_pairs::gradient";
        require_same_size(fn, "r.d_chosen", static_cast<std::size_t>(r.d_chosen.size()), "pairs (K^2)", first_.size());
        require_same_size(fn, "r.d_rejected", static_cast<std::size_t>(r.d_rejected.size()), "pairs (K^2)", first_.size());
        require_same_size(fn, "pi", static_cast<std::size_t>(pi.size()), "P's rows", static_cast<std::size_t>(k_));
        Eigen::VectorXd g = Eigen::VectorXd::Zero(k_);
        for (std::size_t q = 0; q < first_.size(); ++q) {
            g[first_[q]] += r.d_chosen[static_cast<Eigen::Index>(q)];
            g[second_[q]] += r.d_rejected[static_cast<Eigen::Index>(q)];
        }
        return g - pi * g.sum();
    }

private:
    Eigen::Index k_;
    std::vector<Eigen::Index> first_, second_;
    std::vector<double> chosen_, rejected_, ref_chosen_, ref_rejected_, weight_;
};

/// Trains softmax logits theta (starting at log pi_ref) by `steps` steps of gradient descent
/// with step size `lr` on `loss`'s population objective; returns the policy. `final_value`,
/// if given, receives the loss at the returned policy.
template <class Loss>
Eigen::VectorXd train_on_population(const Loss& loss, const preference_matrix& p, const Eigen::VectorXd& pi_ref,
                                    double lr, int steps, double* final_value = nullptr) {
    constexpr auto fn = "prefrl::preference::train_on_population";
    require_non_negative(fn, "lr", lr);  // 0 with steps = 0: the loss at pi_ref
    require_non_negative(fn, "steps", steps);
    population_pairs pairs(p, pi_ref, fn);
    Eigen::VectorXd theta = pi_ref.array().log().matrix();
    for (int step = 0;; ++step) {
        Eigen::VectorXd lp = theta;
        const Eigen::VectorXd pi = softmax_of_log(lp);
        pairs.set_policy(lp);
        const auto r = loss(pairs.batch());
        if (final_value != nullptr) *final_value = r.value;
        if (step == steps) return pi;
        theta -= lr * pairs.gradient(r, pi);
    }
}

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_POPULATION_HPP
