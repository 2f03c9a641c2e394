#ifndef PREFRL_ICL_LSA_HPP
#define PREFRL_ICL_LSA_HPP

/// \file
/// Linear self-attention (no softmax) and the weights that make it gradient descent.

#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "prefrl/core/error.hpp"
#include "prefrl/icl/regression_task.hpp"

namespace prefrl::icl {

/// Dense column-major matrix of the layer weights.
template <std::floating_point T>
using weight_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

/// **One linear self-attention head** — von Oswald et al. 2023, "Transformers learn
/// in-context by gradient descent" (checked against the authors' code):
///
///     Z <- Z + P (W_V C) (W_K C)^T (W_Q Z)
///
/// with C the N context tokens (keys and values; the query token is the last column of Z and
/// only queries, unless `include_query`), no softmax and no scaling inside. Shapes: W_K, W_Q
/// k x D; W_V v x D; P D x v.
template <std::floating_point T>
struct lsa_layer {
    weight_matrix<T> key, query, value, projection;
    bool include_query = false;
};

}  // namespace prefrl::icl

namespace prefrl::detail {

/// Checks a task's tokens: D >= 2 rows (inputs and the y-slot), at least one context token and
/// the query, finite entries.
template <std::floating_point T>
void check_tokens(std::string_view fn, const icl::token_matrix<T>& z) {
    require(z.rows() >= 2 && z.cols() >= 2, fn, "tokens must be at least 2 x 2 (inputs and y; a context token and the query), got ",
            z.rows(), " x ", z.cols());
    require(z.allFinite(), fn, "tokens must be finite");
}

/// Checks a head's weights against tokens of D rows: W_K, W_Q k x D, W_V v x D, P D x v.
template <std::floating_point T>
void check_lsa_layer(std::string_view fn, const icl::lsa_layer<T>& layer, Eigen::Index dim) {
    require(layer.key.cols() == dim && layer.query.cols() == dim && layer.value.cols() == dim, fn,
            "key, query and value must have D = ", dim, " columns, got ", layer.key.cols(), ", ", layer.query.cols(), ", ",
            layer.value.cols());
    require(layer.key.rows() == layer.query.rows(), fn, "key has ", layer.key.rows(), " rows but query has ", layer.query.rows());
    require(layer.projection.rows() == dim && layer.projection.cols() == layer.value.rows(), fn, "projection must be ", dim,
            " x ", layer.value.rows(), ", got ", layer.projection.rows(), " x ", layer.projection.cols());
}

/// The update of one head, after `check_tokens` and `check_lsa_layer`.
template <std::floating_point T>
icl::token_matrix<T> lsa_update_unchecked(const icl::lsa_layer<T>& layer, const icl::token_matrix<T>& z) {
    const auto c = z.leftCols(layer.include_query ? z.cols() : z.cols() - 1);
    const icl::token_matrix<T> keys = layer.key * c, values = layer.value * c;
    return layer.projection * (values * ((keys.transpose() * (layer.query * z))));
}

/// The sizes and step of the GD constructions, checked for `fn`.
inline void check_gd_construction(std::string_view fn, int inputs, int context, double eta) {
    require_positive(fn, "inputs", inputs);
    require_positive(fn, "context", context);
    require_positive(fn, "eta", eta);
    require(inputs < std::numeric_limits<int>::max(), fn, "inputs must be < ", std::numeric_limits<int>::max(), ", got ", inputs);
}

/// `steps` steps of GD on the in-context loss from w = 0, then w^T x_q (inputs checked by the caller).
template <std::floating_point T>
T gd_prediction_unchecked(const icl::token_matrix<T>& z, double eta, int steps) {
    const Eigen::Index d = z.rows() - 1, n = z.cols() - 1;
    const auto x = z.topLeftCorner(d, n);
    const auto y = z.row(d).head(n);
    Eigen::Matrix<T, 1, Eigen::Dynamic> w = Eigen::Matrix<T, 1, Eigen::Dynamic>::Zero(d);
    for (int step = 0; step < steps; ++step) w -= static_cast<T>(eta / static_cast<double>(n)) * ((w * x - y) * x.transpose());
    return w.dot(z.col(n).head(d));
}

/// `icl::lsa_update`, naming `fn` (the public function the user called) in its errors.
template <std::floating_point T>
icl::token_matrix<T> checked_lsa_update(std::string_view fn, const icl::lsa_layer<T>& layer, const icl::token_matrix<T>& z) {
    const Eigen::Index dim = z.rows(), columns = z.cols();
    require(columns >= 2, fn, "tokens must hold at least one context token and the query, got ", columns, " columns");
    require(dim >= 1, fn, "tokens must have at least one row, got ", dim);
    check_lsa_layer(fn, layer, dim);
    return lsa_update_unchecked(layer, z);
}

}  // namespace prefrl::detail

namespace prefrl::icl {

/// One head's update `P (W_V C) (W_K C)^T (W_Q Z)` of every token (the layer's output minus
/// its input).
template <std::floating_point T>
token_matrix<T> lsa_update(const lsa_layer<T>& layer, const token_matrix<T>& z) {
    return detail::checked_lsa_update("prefrl::icl::lsa_update", layer, z);
}

/// One layer's forward: the updated tokens (every column, the context too).
template <std::floating_point T>
token_matrix<T> lsa_forward(const lsa_layer<T>& layer, const token_matrix<T>& z) {
    return z + detail::checked_lsa_update("prefrl::icl::lsa_forward", layer, z);
}

/// **Multi-head linear self-attention**: the heads read the same tokens and their updates add,
/// `Z <- Z + sum_h P_h (W_V^h C) (W_K^h C)^T (W_Q^h Z)` (von Oswald et al. 2023, the residual
/// form of the paper). Each head may have its own key size and value size.
template <std::floating_point T>
struct multi_head_lsa_layer {
    std::vector<lsa_layer<T>> heads;
};

/// A multi-head layer's forward.
template <std::floating_point T>
token_matrix<T> lsa_forward(const multi_head_lsa_layer<T>& layer, const token_matrix<T>& z) {
    require_non_empty("prefrl::icl::lsa_forward", "heads", layer.heads.size());
    token_matrix<T> out = z;
    for (const auto& head : layer.heads) out += detail::checked_lsa_update("prefrl::icl::lsa_forward", head, z);
    return out;
}

/// A stack of layers (separate weights; pass the same layer L times for the recurrent form).
template <std::floating_point T>
token_matrix<T> lsa_forward(std::span<const lsa_layer<T>> layers, token_matrix<T> z) {
    for (const auto& layer : layers) z = lsa_forward(layer, z);
    return z;
}

/// A stack of multi-head layers.
template <std::floating_point T>
token_matrix<T> lsa_forward(std::span<const multi_head_lsa_layer<T>> layers, token_matrix<T> z) {
    for (const auto& layer : layers) z = lsa_forward(layer, z);
    return z;
}

/// The read-out: the query's y-slot, negated (`y_hat = -Z[d, N]`, the authors' convention).
template <std::floating_point T>
T lsa_readout(const token_matrix<T>& z) {
    require(z.rows() >= 1 && z.cols() >= 1, "prefrl::icl::lsa_readout", "tokens must not be empty, got ", z.rows(), " x ",
            z.cols());
    return -z(z.rows() - 1, z.cols() - 1);
}

/// Gradients of a loss with respect to one layer's weights (same shapes as the layer's).
template <std::floating_point T>
struct lsa_gradients {
    weight_matrix<T> key, query, value, projection;

    /// Zero gradients shaped like `layer`.
    static lsa_gradients zeros_like(const lsa_layer<T>& layer) {
        return {weight_matrix<T>::Zero(layer.key.rows(), layer.key.cols()),
                weight_matrix<T>::Zero(layer.query.rows(), layer.query.cols()),
                weight_matrix<T>::Zero(layer.value.rows(), layer.value.cols()),
                weight_matrix<T>::Zero(layer.projection.rows(), layer.projection.cols())};
    }
};

}  // namespace prefrl::icl

namespace prefrl::detail {

/// `icl::lsa_update_backward`, naming `fn` in its errors.
template <std::floating_point T>
icl::token_matrix<T> checked_lsa_update_backward(std::string_view fn, const icl::lsa_layer<T>& layer, const icl::token_matrix<T>& z,
                                                 const icl::token_matrix<T>& upstream, icl::lsa_gradients<T>& gradients) {
    using icl::token_matrix;
    using icl::weight_matrix;
    require(z.rows() >= 1 && z.cols() >= 2, fn, "tokens must hold at least one context token and the query, got ", z.rows(),
            " x ", z.cols());
    check_lsa_layer(fn, layer, z.rows());
    require(upstream.rows() == z.rows() && upstream.cols() == z.cols(), fn, "upstream is ", upstream.rows(), " x ",
            upstream.cols(), " but the tokens are ", z.rows(), " x ", z.cols());
    auto same_shape = [](const weight_matrix<T>& g, const weight_matrix<T>& w) { return g.rows() == w.rows() && g.cols() == w.cols(); };
    require(same_shape(gradients.key, layer.key) && same_shape(gradients.query, layer.query) &&
                same_shape(gradients.value, layer.value) && same_shape(gradients.projection, layer.projection),
            fn, "gradients must be shaped like the layer (use lsa_gradients::zeros_like)");
    const Eigen::Index used = layer.include_query ? z.cols() : z.cols() - 1;
    const auto c = z.leftCols(used);
    const token_matrix<T> kc = layer.key * c, vc = layer.value * c, qz = layer.query * z;
    const token_matrix<T> scores = kc.transpose() * qz;
    const token_matrix<T> mixed = vc * scores;
    const token_matrix<T> d_mixed = layer.projection.transpose() * upstream;
    const token_matrix<T> d_vc = d_mixed * scores.transpose();
    const token_matrix<T> d_scores = vc.transpose() * d_mixed;
    const token_matrix<T> d_kc = qz * d_scores.transpose();
    const token_matrix<T> d_qz = kc * d_scores;
    gradients.projection += upstream * mixed.transpose();
    gradients.value += d_vc * c.transpose();
    gradients.key += d_kc * c.transpose();
    gradients.query += d_qz * z.transpose();
    token_matrix<T> d_z = layer.query.transpose() * d_qz;
    d_z.leftCols(used) += layer.value.transpose() * d_vc + layer.key.transpose() * d_kc;
    return d_z;
}

}  // namespace prefrl::detail

namespace prefrl::icl {

/// The backward pass of one head's update: from the head's input `z` and the
/// upstream gradient `upstream = dl/dZ'`, adds dl/dW to `gradients` and returns the update's
/// share of dl/dZ (without the residual's `upstream`).
///
///     Kc = W_K C, Vc = W_V C, Qz = W_Q Z, S = Kc^T Qz, M = Vc S, Z' = Z + P M
///     dP = G M^T, dM = P^T G, dVc = dM S^T, dS = Vc^T dM, dKc = Qz dS^T, dQz = Kc dS
///     dW_V = dVc C^T, dW_K = dKc C^T, dW_Q = dQz Z^T
///     dZ = W_Q^T dQz, plus W_V^T dVc + W_K^T dKc on the columns that are keys and values
template <std::floating_point T>
token_matrix<T> lsa_update_backward(const lsa_layer<T>& layer, const token_matrix<T>& z, const token_matrix<T>& upstream,
                                    lsa_gradients<T>& gradients) {
    return detail::checked_lsa_update_backward("prefrl::icl::lsa_update_backward", layer, z, upstream, gradients);
}

/// One layer's analytic backward pass: adds dl/dW to `gradients` and returns dl/dZ, the
/// residual's `upstream` plus the update's share (`lsa_update_backward`).
template <std::floating_point T>
token_matrix<T> lsa_backward(const lsa_layer<T>& layer, const token_matrix<T>& z, const token_matrix<T>& upstream,
                             lsa_gradients<T>& gradients) {
    return upstream + detail::checked_lsa_update_backward("prefrl::icl::lsa_backward", layer, z, upstream, gradients);
}

/// A multi-head layer's backward pass: one gradient entry per head.
template <std::floating_point T>
token_matrix<T> lsa_backward(const multi_head_lsa_layer<T>& layer, const token_matrix<T>& z, const token_matrix<T>& upstream,
                             std::span<lsa_gradients<T>> gradients) {
    require_same_size("prefrl::icl::lsa_backward", "gradients", gradients.size(), "heads", layer.heads.size());
    token_matrix<T> d_z = upstream;
    for (std::size_t h = 0; h < layer.heads.size(); ++h)
        d_z += detail::checked_lsa_update_backward("prefrl::icl::lsa_backward", layer.heads[h], z, upstream, gradients[h]);
    return d_z;
}

/// The query loss `l = (1/2) (y_hat - y_q)^2` of a stack on one task, and its gradients with
/// respect to every layer's weights, added to `gradients` (one entry per layer; a recurrent
/// stack that repeats one layer gets the sum over its entries).
template <std::floating_point T>
T lsa_query_loss_and_gradients(std::span<const lsa_layer<T>> layers, const regression_task<T>& task,
                               std::span<lsa_gradients<T>> gradients) {
    constexpr auto fn = "prefrl::icl::lsa_query_loss_and_gradients";
    require_non_empty(fn, "layers", layers.size());
    require_same_size(fn, "gradients", gradients.size(), "layers", layers.size());
    detail::check_tokens(fn, task.tokens);
    for (const auto& layer : layers) detail::check_lsa_layer(fn, layer, task.tokens.rows());
    require(std::isfinite(task.target), fn, "the task's target must be finite, got ", task.target);
    std::vector<token_matrix<T>> inputs{task.tokens};
    for (const auto& layer : layers) inputs.push_back(lsa_forward(layer, inputs.back()));
    const token_matrix<T>& out = inputs.back();
    const T error = lsa_readout(out) - task.target;
    token_matrix<T> upstream = token_matrix<T>::Zero(out.rows(), out.cols());
    upstream(out.rows() - 1, out.cols() - 1) = -error;  // y_hat = -Z[d, N]
    for (std::size_t l = layers.size(); l-- > 0;) upstream = lsa_backward(layers[l], inputs[l], upstream, gradients[l]);
    return T(0.5) * error * error;
}

/// **LSA = one step of gradient descent** (the paper's construction, W_0 = 0): with
/// W_K = W_Q = [[I_d, 0], [0, 0]], W_V = [[0, 0], [0, -1]], P = (eta / N) [[0, 0], [0, 1]], every
/// token's y-slot becomes y_j - Delta W x_j, Delta W the GD step on the in-context loss
/// (1/(2N)) sum_i ||W x_i - y_i||^2 from W = 0 with rate eta, so the read-out is W_1 x_q. K such
/// layers are K steps of GD.
template <std::floating_point T>
lsa_layer<T> gd_layer(int inputs, int context, double eta) {
    detail::check_gd_construction("prefrl::icl::gd_layer", inputs, context, eta);
    const int dim = inputs + 1;
    lsa_layer<T> layer{weight_matrix<T>::Zero(dim, dim), weight_matrix<T>::Zero(dim, dim), weight_matrix<T>::Zero(dim, dim),
                       weight_matrix<T>::Zero(dim, dim)};
    layer.key.topLeftCorner(inputs, inputs).setIdentity();
    layer.query = layer.key;
    layer.value(inputs, inputs) = T(-1);
    layer.projection(inputs, inputs) = static_cast<T>(eta / context);
    return layer;
}

/// **GD++** (the curvature-corrected construction, the authors' `lin_diag`): W_V = [[I, 0],
/// [0, -1]], P = [[-gamma I, 0], [0, eta / N]] also moves the inputs,
/// x_j <- (I - gamma X X^T) x_j, preconditioning the steps of the following layers. One layer
/// of GD++ equals one step of GD.
template <std::floating_point T>
lsa_layer<T> gd_plus_plus_layer(int inputs, int context, double eta, double gamma) {
    constexpr auto fn = "prefrl::icl::gd_plus_plus_layer";
    detail::check_gd_construction(fn, inputs, context, eta);
    require_finite(fn, "gamma", gamma);
    require_non_negative(fn, "gamma", gamma);
    lsa_layer<T> layer = gd_layer<T>(inputs, context, eta);
    layer.value.topLeftCorner(inputs, inputs).setIdentity();
    layer.projection.topLeftCorner(inputs, inputs) = static_cast<T>(-gamma) * weight_matrix<T>::Identity(inputs, inputs);
    return layer;
}

/// The reference the constructions are checked against: `steps` steps of gradient descent on
/// the in-context loss (1/(2N)) sum_i (w^T x_i - y_i)^2 from w = 0 with rate eta, then the
/// prediction w^T x_q, from the tokens of a task.
/// Throws `prefrl::invalid_argument` if eta is so large that the iterates overflow (the
/// prediction is not finite): GD diverged.
template <std::floating_point T>
T gd_prediction(const token_matrix<T>& z, double eta, int steps) {
    constexpr auto fn = "prefrl::icl::gd_prediction";
    detail::check_tokens(fn, z);
    require_positive(fn, "eta", eta);
    require_finite(fn, "eta", eta);
    require_non_negative(fn, "steps", steps);
    const T prediction = detail::gd_prediction_unchecked(z, eta, steps);
    require(std::isfinite(prediction), fn, "GD with eta = ", eta, " diverged: the prediction after ", steps, " steps is ", prediction);
    return prediction;
}

}  // namespace prefrl::icl

#endif  // PREFRL_ICL_LSA_HPP
