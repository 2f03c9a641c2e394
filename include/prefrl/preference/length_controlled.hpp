#ifndef PREFRL_PREFERENCE_LENGTH_CONTROLLED_HPP
#define PREFRL_PREFERENCE_LENGTH_CONTROLLED_HPP

/// \file
/// Length-controlled win rates (Dubois, Galambosi, Liang and Hashimoto 2024,
/// "Length-Controlled AlpacaEval: A Simple Way to Debias Automatic Evaluators").

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/core/ranges.hpp"

namespace prefrl::preference {

/// Settings of `length_controlled_win_rate`.
struct length_controlled_options {
    double l2 = 0.01;          ///< L2 strength on the GLM's weights (scikit-learn's C = 1 / l2); > 0 keeps the fit finite
    int max_iterations = 100;  ///< Newton steps at most
    double tolerance = 1e-10;  ///< stop when no weight moves by more than this
};

/// What `length_controlled_win_rate` returns. Win rates are in percent, as AlpacaEval reports them.
struct length_controlled_result {
    double win_rate = 0.0;                    ///< 100 * mean preference (a tie counts 0.5)
    double length_controlled_win_rate = 0.0;  ///< 100 * mean_x sigma(theta + psi gamma_x): the length term at 0
    double model_term = 0.0;                  ///< theta, the model's own weight
    double length_term = 0.0;                 ///< phi, the weight of tanh(standardized length difference)
    double difficulty_term = 0.0;             ///< psi, the weight of the instruction difficulty (0 without one)
    double length_scale = 0.0;                ///< std (n - 1) of `baseline_length - model_length`, the standardization
    int iterations = 0;                       ///< Newton steps run
    bool converged = false;                   ///< the last step moved no weight by more than the tolerance
};

}  // namespace prefrl::preference

namespace prefrl::detail {

/// The fit itself on double spans; without `has_difficulty` the psi term is dropped.
template <class = void>
preference::length_controlled_result length_controlled_fit(std::span<const double> preferences, std::span<const double> model_lengths,
                                                           std::span<const double> baseline_lengths, bool has_difficulty,
                                                           std::span<const double> difficulty,
                                                           const preference::length_controlled_options& options) {
    constexpr auto fn = "prefrl::preference::length_controlled_win_rate";
    const std::size_t n = preferences.size();
    require(n >= 2, fn, "preferences needs at least 2 instructions, got ", n);
    require_same_size(fn, "model_lengths", model_lengths.size(), "preferences", n);
    require_same_size(fn, "baseline_lengths", baseline_lengths.size(), "preferences", n);
    if (has_difficulty) require_same_size(fn, "instruction_difficulty", difficulty.size(), "preferences", n);
    require_non_negative(fn, "l2", options.l2);
    require_positive(fn, "max_iterations", options.max_iterations);
    require_positive(fn, "tolerance", options.tolerance);
    for (std::size_t x = 0; x < n; ++x) {
        require(preferences[x] >= 0.0 && preferences[x] <= 1.0, fn, "preferences[", x,
                "] must be a probability in [0, 1] (1: the model's output preferred), got ", preferences[x]);
        require(std::isfinite(model_lengths[x]) && model_lengths[x] >= 0.0, fn, "model_lengths[", x,
                "] must be finite and >= 0, got ", model_lengths[x]);
        require(std::isfinite(baseline_lengths[x]) && baseline_lengths[x] >= 0.0, fn, "baseline_lengths[", x,
                "] must be finite and >= 0, got ", baseline_lengths[x]);
        if (has_difficulty)
            require(std::isfinite(difficulty[x]), fn, "instruction_difficulty[", x, "] must be finite, got ", difficulty[x]);
    }
    // the length difference, standardized by its sample standard deviation (pandas' std)
    Eigen::VectorXd delta(static_cast<Eigen::Index>(n));
    for (std::size_t x = 0; x < n; ++x) delta[static_cast<Eigen::Index>(x)] = baseline_lengths[x] - model_lengths[x];
    const double scale = std::sqrt((delta.array() - delta.mean()).square().sum() / static_cast<double>(n - 1));
    require(scale > 0.0, fn,
            "baseline_length - model_length is the same on every instruction: its standard deviation is 0, so the length "
            "term cannot be told apart from the model's own");

    // features per instruction: [1, tanh(delta / scale), gamma]
    const Eigen::Index k = has_difficulty ? 3 : 2;
    Eigen::MatrixXd f(static_cast<Eigen::Index>(n), k);
    Eigen::VectorXd p(static_cast<Eigen::Index>(n));
    for (std::size_t x = 0; x < n; ++x) {
        const auto i = static_cast<Eigen::Index>(x);
        f(i, 0) = 1.0;
        f(i, 1) = std::tanh(delta[i] / scale);
        if (k == 3) f(i, 2) = difficulty[x];
        p[i] = preferences[x];
    }
    // penalized log-loss: sum_x [softplus(z) - p z] + (l2 / 2) |w|^2, z = f w (convex; strictly so for l2 > 0)
    const auto objective = [&](const Eigen::VectorXd& w) {
        const Eigen::VectorXd z = f * w;
        double sum = 0.5 * options.l2 * w.squaredNorm();
        for (Eigen::Index i = 0; i < z.size(); ++i) sum += softplus(z[i]) - p[i] * z[i];
        return sum;
    };
    preference::length_controlled_result out;
    out.length_scale = scale;
    Eigen::VectorXd w = Eigen::VectorXd::Zero(k);
    double current = objective(w);
    for (out.iterations = 1; out.iterations <= options.max_iterations; ++out.iterations) {
        const Eigen::VectorXd z = f * w;
        Eigen::VectorXd gradient = options.l2 * w;
        Eigen::MatrixXd hessian = options.l2 * Eigen::MatrixXd::Identity(k, k);
        for (Eigen::Index i = 0; i < z.size(); ++i) {
            const double s = sigmoid(z[i]);
            gradient += (s - p[i]) * f.row(i).transpose();
            hessian += s * (1.0 - s) * f.row(i).transpose() * f.row(i);
        }
        const Eigen::LDLT<Eigen::MatrixXd> solver(hessian);
        const Eigen::VectorXd step = solver.solve(-gradient);
        if (solver.info() != Eigen::Success || !step.allFinite()) break;  // singular (l2 = 0 and separable data)
        // backtracking: halve until the objective does not increase
        double t = 1.0, next = objective(w + step);
        for (int halvings = 0; halvings < 50 && !(next <= current); ++halvings) {
            t *= 0.5;
            next = objective(w + t * step);
        }
        if (!(next <= current)) break;
        w += t * step;
        current = next;
        if ((t * step).cwiseAbs().maxCoeff() <= options.tolerance) {
            out.converged = true;
            break;
        }
    }
    if (out.iterations > options.max_iterations) out.iterations = options.max_iterations;
    out.model_term = w[0];
    out.length_term = w[1];
    out.difficulty_term = k == 3 ? w[2] : 0.0;
    double raw = 0.0, controlled = 0.0;
    for (Eigen::Index i = 0; i < p.size(); ++i) {
        raw += p[i];
        controlled += sigmoid(out.model_term + (k == 3 ? out.difficulty_term * f(i, 2) : 0.0));
    }
    out.win_rate = 100.0 * raw / static_cast<double>(n);
    out.length_controlled_win_rate = 100.0 * controlled / static_cast<double>(n);
    return out;
}

}  // namespace prefrl::detail

namespace prefrl::preference {

/// **Length-controlled win rate** (Dubois et al. 2024, "Length-Controlled AlpacaEval", §3;
/// tatsu-lab/alpaca_eval's `src/alpaca_eval/metrics/glm_winrate.py` at commit 1020da2, GLM
/// `length_controlled_v1`). A judge compared a
/// model's output with a baseline's on each instruction x; `preferences[x]` is the
/// probability that it preferred the model's (1 the model, 0 the baseline, 0.5 a tie). The GLM
///
///     P(model preferred on x) = sigma(theta + phi tanh(delta_x / std(delta)) + psi gamma_x),
///     delta_x = baseline_length_x - model_length_x
///
/// is fitted by penalized maximum likelihood on the soft labels (Newton's method with
/// backtracking), and the controlled win rate asks what the preference would be with the
/// lengths equal: `100 mean_x sigma(theta + psi gamma_x)`. `instruction_difficulty` (gamma_x;
/// AlpacaEval estimates it once over its leaderboard's models) may be omitted, which drops the
/// psi term.
///
/// AlpacaEval fits with an L1 penalty whose strength is chosen by 5-fold cross-validation, and
/// adds the annotations of two length-gamed versions of the baseline (weight 0.2) to pull the
/// model's weights toward the baseline's; prefrl fits the GLM alone with an L2 penalty
/// (`options.l2`, default 0.01, scikit-learn's C = 100). Lengths are in any unit (AlpacaEval
/// counts characters); the standardization makes the fit independent of it.
template <ScalarRange P, ScalarRange M, ScalarRange B>
    requires std::same_as<range_scalar_t<P>, double> && std::same_as<range_scalar_t<M>, double> &&
             std::same_as<range_scalar_t<B>, double>
length_controlled_result length_controlled_win_rate(const P& preferences, const M& model_lengths, const B& baseline_lengths,
                                                    const length_controlled_options& options = {}) {
    return detail::length_controlled_fit(as_span(preferences), as_span(model_lengths), as_span(baseline_lengths), false, {}, options);
}

/// As above with the instruction-difficulty term psi gamma_x.
template <ScalarRange P, ScalarRange M, ScalarRange B, ScalarRange D>
    requires std::same_as<range_scalar_t<P>, double> && std::same_as<range_scalar_t<M>, double> &&
             std::same_as<range_scalar_t<B>, double> && std::same_as<range_scalar_t<D>, double>
length_controlled_result length_controlled_win_rate(const P& preferences, const M& model_lengths, const B& baseline_lengths,
                                                    const D& instruction_difficulty, const length_controlled_options& options = {}) {
    return detail::length_controlled_fit(as_span(preferences), as_span(model_lengths), as_span(baseline_lengths), true,
                                         as_span(instruction_difficulty), options);
}

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_LENGTH_CONTROLLED_HPP
