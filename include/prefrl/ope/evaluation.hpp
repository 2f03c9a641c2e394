#ifndef PREFRL_OPE_EVALUATION_HPP
#define PREFRL_OPE_EVALUATION_HPP

/// \file
/// Several off-policy estimators in one call, with a diagnosis of the log (Open Bandit
/// Pipeline's `OffPolicyEvaluation`): `off_policy_evaluation(log, action_dist, [q_hat],
/// estimators...)` and `diagnose(log, action_dist)`.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/ope/bandit_log.hpp"
#include "prefrl/ope/estimators.hpp"

namespace prefrl::ope {

/// An estimator `off_policy_evaluation` can run: a `static constexpr std::string_view name`
/// and a call `e(log, action_dist)` (model-free: ips, clipped_ips, snips) or
/// `e(log, action_dist, q_hat)` (with a reward model: dm, dr, sndr, switch_dr, dr_os), returning a
/// `policy_value_estimate<T>`. Your own estimators qualify by the same two members.
template <class E, class T>
concept OffPolicyEstimator =
    requires {
        { E::name } -> std::convertible_to<std::string_view>;
    } && (std::invocable<const E&, const bandit_log<T>&, const_matrix_ref<T>> ||
          std::invocable<const E&, const bandit_log<T>&, const_matrix_ref<T>, const_matrix_ref<T>>);

/// An `OffPolicyEstimator` that needs no reward model: `e(log, action_dist)`.
template <class E, class T>
concept ModelFreeEstimator = OffPolicyEstimator<E, T> && std::invocable<const E&, const bandit_log<T>&, const_matrix_ref<T>>;

/// What a log says about how far its estimates can be trusted for one target policy, with
/// the importance weights `w_i = pi_e(a_i|x_i) / pscore_i`.
struct log_diagnostics {
    std::size_t rounds = 0;               ///< n, the logged rounds
    std::size_t deterministic_rounds = 0;  ///< rounds logged with pscore = 1
    double deterministic_fraction = 0.0;  ///< deterministic_rounds / n
    double mean_weight = 0.0;             ///< mean of w; 1 in expectation when the propensities are right and pi_b covers pi_e
    double mean_weight_standard_error = 0.0;  ///< sd(w; ddof = 1) / sqrt(n); +inf if n = 1
    double max_weight = 0.0;              ///< the largest w
    double effective_sample_size = 0.0;   ///< (sum w)^2 / sum w^2 (Kong 1992), in (0, n]; 0 if every w is 0
    std::vector<std::string> warnings;    ///< one sentence per problem found; empty if none
};

}  // namespace prefrl::ope

namespace prefrl::detail {

template <std::floating_point T>
ope::log_diagnostics diagnose(std::string_view fn, const ope::bandit_log<T>& log, const_matrix_ref<T> action_dist) {
    const ope_terms t = prepare_ope<T>(fn, log, action_dist, nullptr);
    ope::log_diagnostics d;
    d.rounds = log.size();
    const double n = static_cast<double>(d.rounds);
    double sum = 0.0, sum_sq = 0.0;
    for (std::size_t i = 0; i < d.rounds; ++i) {
        d.deterministic_rounds += log.pscore[i] == T(1) ? 1 : 0;
        sum += t.weight[i];
        sum_sq += t.weight[i] * t.weight[i];
        d.max_weight = std::max(d.max_weight, t.weight[i]);
    }
    d.deterministic_fraction = static_cast<double>(d.deterministic_rounds) / n;
    d.mean_weight = sum / n;
    double ss = 0.0;
    for (const double w : t.weight) ss += (w - d.mean_weight) * (w - d.mean_weight);
    d.mean_weight_standard_error = d.rounds > 1 ? std::sqrt(ss / (n - 1.0) / n) : std::numeric_limits<double>::infinity();
    d.effective_sample_size = sum_sq > 0.0 ? sum * sum / sum_sq : 0.0;

    const auto say = [&](auto&&... parts) {
        std::ostringstream out;
        out.precision(4);
        (out << ... << parts);
        d.warnings.push_back(out.str());
    };
    if (2 * d.deterministic_rounds >= d.rounds)
        say(d.deterministic_rounds, " of ", d.rounds, " rounds were logged with pscore = 1: the logging policy was deterministic",
            " there, so the actions it did not take have no support and the importance-weighted estimators (ips, snips, dr, ...)",
            " cannot see what another target policy would earn. Log a randomized policy (epsilon-greedy, Thompson sampling",
            " with propensity_draws > 0) or rely on a reward model (dm).");
    if (sum == 0.0) {
        say("the target policy gives probability 0 to every logged action: ips and dr are 0 by construction and snips and",
            " sndr are undefined.");
    } else {
        if (d.effective_sample_size < 0.1 * n)
            say("the effective sample size is ", d.effective_sample_size, " of ", d.rounds,
                " rounds: a few large weights (the largest is ", d.max_weight,
                ") dominate the estimates. Prefer snips, sndr, switch_dr or clipped weights, or a target closer to the",
                " logging policy.");
        if (d.rounds > 1 && std::abs(d.mean_weight - 1.0) > 0.1 && std::abs(d.mean_weight - 1.0) > 3.0 * d.mean_weight_standard_error)
            say("the mean importance weight is ", d.mean_weight, " (standard error ", d.mean_weight_standard_error,
                "), not 1: the logged propensities may be wrong, or the target puts probability on actions the logging",
                " policy never takes.");
    }
    return d;
}

}  // namespace prefrl::detail

namespace prefrl::ope {

/// **Diagnoses a log for one target policy**: the share of deterministic rounds (pscore = 1),
/// the mean and largest importance weight, the effective sample size, and a warning for each
/// problem found (most propensities 1; all weights 0; effective sample size under 10% of n;
/// a mean weight more than 3 standard errors and 0.1 away from 1).
template <std::floating_point T>
log_diagnostics diagnose(const bandit_log<T>& log, action_matrix<T> action_dist) {
    return detail::diagnose<T>("prefrl::ope::diagnose", log, action_dist);
}

/// One estimator's result in an `off_policy_report`.
template <std::floating_point T>
struct named_estimate {
    std::string name;                   ///< the estimator's `name`
    policy_value_estimate<T> estimate;  ///< its value, per-round terms, standard error and interval
};

/// What `off_policy_evaluation` returns: the estimates in the order the estimators were given,
/// and the log's diagnosis.
template <std::floating_point T>
struct off_policy_report {
    std::vector<named_estimate<T>> estimates;  ///< one per estimator, in order
    log_diagnostics diagnostics;               ///< `diagnose(log, action_dist)`

    /// The estimate of the estimator named `name`; throws if there is none.
    [[nodiscard]] const policy_value_estimate<T>& at(std::string_view name) const {
        for (const auto& e : estimates)
            if (e.name == name) return e.estimate;
        std::string known;
        for (const auto& e : estimates) known += (known.empty() ? "" : ", ") + e.name;
        fail("prefrl::ope::off_policy_report::at", "no estimator named '", name, "' (this report has ", known, ")");
    }
};

}  // namespace prefrl::ope

namespace prefrl::detail {

template <std::floating_point T, class E>
void run_estimator(ope::off_policy_report<T>& report, const E& estimator, const ope::bandit_log<T>& log,
                   const_matrix_ref<T> action_dist, const const_matrix_ref<T>* q_hat) {
    constexpr auto fn = "prefrl::ope::off_policy_evaluation";
    const std::string name(E::name);
    for (const auto& e : report.estimates)
        require(e.name != name, fn, "two estimators are named '", name,
                "': run differently-tuned copies of one estimator in separate calls");
    if constexpr (ope::ModelFreeEstimator<E, T>) {
        report.estimates.push_back({name, estimator(log, action_dist)});
    } else {
        require(q_hat != nullptr, fn, name, " needs a reward model: pass q_hat after action_dist");
        report.estimates.push_back({name, estimator(log, action_dist, *q_hat)});
    }
}

}  // namespace prefrl::detail

namespace prefrl::ope {

/// **Runs several model-free estimators on one log** (Open Bandit Pipeline's
/// `OffPolicyEvaluation.estimate_policy_values` and `summarize_off_policy_estimates`):
///
///     auto report = prefrl::ope::off_policy_evaluation(log, action_dist, ips{}, snips{}, clipped_ips{.lambda_ = 10});
///     double v = report.at("snips").value;
///     for (const auto& w : report.diagnostics.warnings) std::cerr << w << '\n';
///
/// The log and action_dist are checked once, under this function's name; each estimator's own
/// hyperparameters are checked under its name. Two estimators of the same name are refused.
template <std::floating_point T, class... E>
    requires(sizeof...(E) > 0 && (ModelFreeEstimator<E, T> && ...))
off_policy_report<T> off_policy_evaluation(const bandit_log<T>& log, action_matrix<T> action_dist, const E&... estimators) {
    off_policy_report<T> report;
    report.diagnostics = detail::diagnose<T>("prefrl::ope::off_policy_evaluation", log, action_dist);
    (detail::run_estimator<T>(report, estimators, log, action_dist, nullptr), ...);
    return report;
}

/// **Runs several estimators with a reward model** `q_hat(i, a) = qhat(x_i, a)`: the estimators
/// that use one (dm, dr, sndr, switch_dr, dr_os) get it, the model-free ones run without it.
///
///     auto report = prefrl::ope::off_policy_evaluation(log, action_dist, q_hat, ips{}, dm{}, dr{}, sndr{});
template <std::floating_point T, class... E>
    requires(sizeof...(E) > 0 && (OffPolicyEstimator<E, T> && ...))
off_policy_report<T> off_policy_evaluation(const bandit_log<T>& log, action_matrix<T> action_dist, action_matrix<T> q_hat,
                                           const E&... estimators) {
    constexpr auto fn = "prefrl::ope::off_policy_evaluation";
    off_policy_report<T> report;
    report.diagnostics = detail::diagnose<T>(fn, log, action_dist);
    (void)detail::prepare_ope<T>(fn, log, action_dist, &q_hat);  // q_hat's shape and values, under this name
    (detail::run_estimator<T>(report, estimators, log, action_dist, &q_hat), ...);
    return report;
}

}  // namespace prefrl::ope

#endif  // PREFRL_OPE_EVALUATION_HPP
