#ifndef PREFRL_ICL_METRICS_HPP
#define PREFRL_ICL_METRICS_HPP

/// \file
/// The measures by which von Oswald et al. 2023 compare a trained LSA stack with gradient
/// descent: the best GD step size, in-context losses, prediction and sensitivity differences,
/// and the alignment of the trained weights with the construction.
///
/// The functions here that are not generic are still templates (`template <class = void>`,
/// called as plain functions): a program that includes the header without calling them does
/// not compile their Eigen code (GCC otherwise instantiates it for every translation unit).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "prefrl/core/error.hpp"
#include "prefrl/icl/lsa.hpp"
#include "prefrl/icl/regression_task.hpp"

namespace prefrl::icl {

/// A GD step size and the in-context loss (1/2) E (y_hat - y_q)^2 it reaches.
struct gd_step_size {
    double eta = 0.0;
    double loss = 0.0;
};

/// **The best single GD step, in closed form** (derived from the task
/// distribution; noise-free tasks): with S = (1/N) sum_i x_i x_i^T, s2 = a^2/3, m4 = a^4/5,
///
///     eta* = E tr S / E tr S^2,  E tr S = d s2,  E tr S^2 = d (d-1) s2^2 / N + d (m4 + (N-1) s2^2) / N
///     L(eta*) = (s2/2) (d - (E tr S)^2 / E tr S^2)
///
/// d = N = 10: eta* = 1.5152, L = 0.8249 for a = 1; 6.0606, 0.2062 for a = 1/2.
template <class = void>
inline gd_step_size gd_optimal_step_size(const regression_task_distribution& tasks) {
    constexpr auto fn = "prefrl::icl::gd_optimal_step_size";
    require_positive(fn, "inputs", tasks.inputs);
    require_positive(fn, "context", tasks.context);
    require_positive(fn, "half_width", tasks.half_width);
    require(tasks.noise == 0.0, fn, "the closed form holds for noise-free tasks, got noise ", tasks.noise,
            " (use gd_step_size_line_search)");
    const double d = tasks.inputs, n = tasks.context, a = tasks.half_width;
    const double s2 = a * a / 3.0, m4 = a * a * a * a / 5.0;
    const double trace = d * s2;
    const double trace_square = d * (d - 1.0) * s2 * s2 / n + d * (m4 + (n - 1.0) * s2 * s2) / n;
    return {trace / trace_square, 0.5 * s2 * (d - trace * trace / trace_square)};
}

/// The in-context loss (1/2) mean_b (y_hat_b - y_q,b)^2 of a stack on tasks.
template <std::floating_point T>
double lsa_loss(std::span<const lsa_layer<T>> layers, std::span<const regression_task<T>> tasks) {
    constexpr auto fn = "prefrl::icl::lsa_loss";
    require_non_empty(fn, "tasks", tasks.size());
    double total = 0.0;
    for (const auto& task : tasks) {
        detail::check_tokens(fn, task.tokens);
        const double error = static_cast<double>(lsa_readout(lsa_forward(layers, task.tokens))) - task.target;
        total += 0.5 * error * error;
    }
    return total / static_cast<double>(tasks.size());
}

/// The loss of `steps` steps of GD from w = 0 with rate eta, (1/2) mean (w^T x_q - y_q)^2;
/// +inf when eta is so large that GD diverges (its iterates overflow).
template <std::floating_point T>
double gd_loss(std::span<const regression_task<T>> tasks, double eta, int steps) {
    constexpr auto fn = "prefrl::icl::gd_loss";
    require_non_empty(fn, "tasks", tasks.size());
    require_positive(fn, "eta", eta);
    require_finite(fn, "eta", eta);
    require_non_negative(fn, "steps", steps);
    for (const auto& task : tasks) detail::check_tokens(fn, task.tokens);
    double total = 0.0;
    for (const auto& task : tasks) {
        const double error = static_cast<double>(detail::gd_prediction_unchecked(task.tokens, eta, steps)) - task.target;
        if (!std::isfinite(error)) return std::numeric_limits<double>::infinity();
        total += 0.5 * error * error;
    }
    return total / static_cast<double>(tasks.size());
}

/// **The GD baseline's step size by line search** (the authors' notebook): the eta on the grid
/// first, first + spacing, ... < last (default np.arange(0.001, 25, 0.1)) with the lowest
/// `steps`-step GD loss on `tasks`.
/// The most step sizes `gd_step_size_line_search` tries.
inline constexpr double gd_line_search_max_candidates = 1e6;

template <std::floating_point T>
gd_step_size gd_step_size_line_search(std::span<const regression_task<T>> tasks, int steps, double first = 0.001,
                                      double last = 25.0, double spacing = 0.1) {
    constexpr auto fn = "prefrl::icl::gd_step_size_line_search";
    require_non_empty(fn, "tasks", tasks.size());
    require_positive(fn, "steps", steps);
    require_positive(fn, "first", first);
    require_positive(fn, "spacing", spacing);
    require_finite(fn, "last", last);
    require(last > first, fn, "last must exceed first (", first, "), got ", last);
    require((last - first) / spacing <= gd_line_search_max_candidates, fn, "the grid first, first + spacing, ... < last has ",
            (last - first) / spacing, " candidates, more than ", gd_line_search_max_candidates);
    gd_step_size best{first, std::numeric_limits<double>::infinity()};
    for (int k = 0; first + k * spacing < last; ++k) {
        const double eta = first + k * spacing;
        const double loss = gd_loss(tasks, eta, steps);
        if (loss < best.loss) best = {eta, loss};
    }
    return best;
}

/// **Sensitivity** `d (query's y-slot after the stack) / d x_q` (d values; the raw slot, not
/// negated), by the analytic backward pass with upstream 1 on the slot.
template <std::floating_point T>
Eigen::Matrix<T, Eigen::Dynamic, 1> lsa_sensitivity(std::span<const lsa_layer<T>> layers, const token_matrix<T>& tokens) {
    constexpr auto fn = "prefrl::icl::lsa_sensitivity";
    require_non_empty(fn, "layers", layers.size());
    detail::check_tokens(fn, tokens);
    for (const auto& layer : layers) detail::check_lsa_layer(fn, layer, tokens.rows());
    std::vector<token_matrix<T>> inputs{tokens};
    for (const auto& layer : layers) inputs.push_back(lsa_forward(layer, inputs.back()));
    token_matrix<T> upstream = token_matrix<T>::Zero(tokens.rows(), tokens.cols());
    upstream(tokens.rows() - 1, tokens.cols() - 1) = T(1);
    for (std::size_t l = layers.size(); l-- > 0;) {
        auto unused = lsa_gradients<T>::zeros_like(layers[l]);
        upstream = lsa_backward(layers[l], inputs[l], upstream, unused);
    }
    return upstream.col(tokens.cols() - 1).head(tokens.rows() - 1);
}

/// How close a stack is to a reference stack, e.g. K-step GD (the authors' `analyse`).
struct lsa_comparison {
    double model_loss = 0.0;              ///< (1/2) mean (y_hat - y_q)^2 of the stack
    double reference_loss = 0.0;          ///< the same for the reference
    double loss_ratio = 0.0;              ///< model_loss / reference_loss
    double prediction_difference = 0.0;  ///< mean |y_model - y_reference|
    double sensitivity_cosine = 0.0;      ///< mean <g_T, g_R> / ((||g_T|| + 1e-8)(||g_R|| + 1e-8))
    double sensitivity_difference = 0.0;  ///< mean ||g_T - g_R||_2 (the authors' "model diff")
};

}  // namespace prefrl::icl

namespace prefrl::detail {

// Non-empty tasks of one token shape, and layers of that token size, checked for `fn`.
template <std::floating_point T>
void check_tasks_and_layers(std::string_view fn, std::span<const icl::regression_task<T>> tasks, std::span<const icl::lsa_layer<T>> layers) {
    for (const auto& task : tasks) {
        check_tokens(fn, task.tokens);
        require(task.tokens.rows() == tasks[0].tokens.rows() && task.tokens.cols() == tasks[0].tokens.cols(), fn,
                "every task must have the tokens' shape of the first, ", tasks[0].tokens.rows(), " x ", tasks[0].tokens.cols(),
                ", got ", task.tokens.rows(), " x ", task.tokens.cols());
    }
    for (const auto& layer : layers) check_lsa_layer(fn, layer, tasks[0].tokens.rows());
}

}  // namespace prefrl::detail

namespace prefrl::icl {

/// Compares a stack with a reference stack (a construction: GD, GD++) on tasks.
template <std::floating_point T>
lsa_comparison compare_lsa(std::span<const lsa_layer<T>> layers, std::span<const lsa_layer<T>> reference,
                           std::span<const regression_task<T>> tasks) {
    constexpr auto fn = "prefrl::icl::compare_lsa";
    require_non_empty(fn, "tasks", tasks.size());
    require_non_empty(fn, "layers", layers.size());
    require_non_empty(fn, "reference", reference.size());
    detail::check_tasks_and_layers(fn, tasks, layers);
    for (const auto& layer : reference) detail::check_lsa_layer(fn, layer, tasks[0].tokens.rows());
    lsa_comparison out;
    for (const auto& task : tasks) {
        const double model = lsa_readout(lsa_forward(layers, task.tokens));
        const double plain = lsa_readout(lsa_forward(reference, task.tokens));
        out.model_loss += 0.5 * (model - task.target) * (model - task.target);
        out.reference_loss += 0.5 * (plain - task.target) * (plain - task.target);
        out.prediction_difference += std::abs(model - plain);
        const Eigen::VectorXd g_model = lsa_sensitivity(layers, task.tokens).template cast<double>();
        const Eigen::VectorXd g_reference = lsa_sensitivity(reference, task.tokens).template cast<double>();
        out.sensitivity_cosine += g_model.dot(g_reference) / ((g_model.norm() + 1e-8) * (g_reference.norm() + 1e-8));
        out.sensitivity_difference += (g_model - g_reference).norm();
    }
    const double count = static_cast<double>(tasks.size());
    out.model_loss /= count;
    out.reference_loss /= count;
    out.prediction_difference /= count;
    out.sensitivity_cosine /= count;
    out.sensitivity_difference /= count;
    out.loss_ratio = out.model_loss / out.reference_loss;
    return out;
}

/// The most GD steps `compare_with_gd` builds layers for.
inline constexpr int max_gd_layers = 1 << 16;

/// Compares a stack with `steps` steps of GD at rate eta (its LSA construction, `gd_layer`).
template <std::floating_point T>
lsa_comparison compare_with_gd(std::span<const lsa_layer<T>> layers, std::span<const regression_task<T>> tasks, double eta,
                               int steps) {
    constexpr auto fn = "prefrl::icl::compare_with_gd";
    require_non_empty(fn, "tasks", tasks.size());
    require_positive(fn, "steps", steps);
    require(steps <= max_gd_layers, fn, "steps must be <= ", max_gd_layers, " (one layer of the construction per step), got ", steps);
    require_positive(fn, "eta", eta);
    require_finite(fn, "eta", eta);
    require_non_empty(fn, "layers", layers.size());
    detail::check_tasks_and_layers(fn, tasks, layers);
    const auto inputs = static_cast<int>(tasks[0].tokens.rows()) - 1;
    const auto context = static_cast<int>(tasks[0].tokens.cols()) - 1;
    const std::vector<lsa_layer<T>> gd(static_cast<std::size_t>(steps), gd_layer<T>(inputs, context, eta));
    return compare_lsa<T>(layers, gd, tasks);
}

/// A trained layer's weights against the construction (the authors' `interpolate_weights`).
/// The layer is defined up to rescalings, so products are compared: A = W_K^T W_Q (the logit
/// matrix), B = P W_V, c = mean(diag A[0..d-1]), A^ = A / c, B^ = c B. The construction has
/// A^ = [[I, 0], [0, 0]] and B^ zero but for B^[d, d] = -eta / N.
struct weight_alignment {
    double logit_scale = 0.0;          ///< c
    double max_logit_deviation = 0.0;  ///< max |A^_xx - I| over the d x d input block
    double value_slot = 0.0;           ///< B^[d, d], compare with -eta / N
    double max_other_value = 0.0;      ///< max |B^| over every other entry
};

template <std::floating_point T>
weight_alignment lsa_weight_alignment(const lsa_layer<T>& layer) {
    constexpr auto fn = "prefrl::icl::lsa_weight_alignment";
    require(layer.key.cols() >= 2, fn, "the layer must be D x D with D >= 2, key is ", layer.key.rows(), " x ", layer.key.cols());
    detail::check_lsa_layer(fn, layer, layer.key.cols());
    const Eigen::MatrixXd a = (layer.key.transpose() * layer.query).template cast<double>();
    const Eigen::MatrixXd b = (layer.projection * layer.value).template cast<double>();
    require(a.rows() == b.rows() && a.rows() >= 2, "prefrl::icl::lsa_weight_alignment", "the layer must be D x D with D >= 2");
    const Eigen::Index d = a.rows() - 1;
    weight_alignment out;
    out.logit_scale = a.topLeftCorner(d, d).diagonal().mean();
    const Eigen::MatrixXd a_hat = a / out.logit_scale;
    const Eigen::MatrixXd b_hat = b * out.logit_scale;
    out.max_logit_deviation = (a_hat.topLeftCorner(d, d) - Eigen::MatrixXd::Identity(d, d)).cwiseAbs().maxCoeff();
    out.value_slot = b_hat(d, d);
    Eigen::MatrixXd others = b_hat.cwiseAbs();
    others(d, d) = 0.0;
    out.max_other_value = others.maxCoeff();
    return out;
}

}  // namespace prefrl::icl

#endif  // PREFRL_ICL_METRICS_HPP
