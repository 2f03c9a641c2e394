#ifndef PREFRL_DETAIL_LSA_TRAINING_ENGINE_HPP
#define PREFRL_DETAIL_LSA_TRAINING_ENGINE_HPP

// The batch engine of `prefrl::icl::lsa_batch_loss` and the training loop: per-chunk losses and
// analytic gradients of one layer or a stack, summed in a fixed chunk order so the result does
// not depend on the thread count. Not a public interface: include <prefrl/icl/training.hpp>.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "prefrl/core/error.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/icl/lsa.hpp"
#include "prefrl/icl/regression_task.hpp"

namespace prefrl::detail {

/// Tasks per independent chunk of a batch: chunks are summed in order, so the result does not
/// depend on the thread count.
inline constexpr std::size_t lsa_chunk_tasks = 64;

/// One layer, keys from the context only, query loss: the read-out needs only the query's
/// column. With A = W_K^T W_Q and b = W_V^T P[d, :]^T the query's y-slot becomes
/// `e_q[d] + (C^T b)^T (C^T A e_q)`, so a task costs O(D N + D^2) instead of O(D^2 N).
/// Accumulates dl/dA and dl/db (times the batch's 1/B) into `d_a`, `d_b`; returns the sum of
/// (1/2) err^2.
template <std::floating_point T>
double lsa_single_layer_chunk(const icl::weight_matrix<T>& a, const Eigen::Matrix<T, Eigen::Dynamic, 1>& b,
                          std::span<const icl::regression_task<T>> tasks, T scale, icl::weight_matrix<T>& d_a,
                          Eigen::Matrix<T, Eigen::Dynamic, 1>& d_b) {
    double loss = 0.0;
    for (const auto& task : tasks) {
        const Eigen::Index dim = task.tokens.rows(), n = task.tokens.cols() - 1;
        const auto c = task.tokens.leftCols(n);
        const auto query = task.tokens.col(n);
        const Eigen::Matrix<T, Eigen::Dynamic, 1> s = c.transpose() * (a * query);
        const Eigen::Matrix<T, Eigen::Dynamic, 1> r = c.transpose() * b;
        const T error = -(query(dim - 1) + r.dot(s)) - task.target;
        loss += 0.5 * static_cast<double>(error) * static_cast<double>(error);
        const T delta = -error * scale;  // dl/d(slot), the loss being (1/(2B)) sum err^2
        d_a.noalias() += (delta * (c * r)) * query.transpose();
        d_b.noalias() += delta * (c * s);
    }
    return loss;
}

template <std::floating_point T>
bool is_single_query_layer(std::span<const icl::lsa_layer<T>> layers) {
    return layers.size() == 1 && !layers[0].include_query;
}

/// Any stack, per task in the product form: with A = W_K^T W_Q, B = P W_V (D x D, shared by the
/// batch) and the task's context moment Sigma = C C^T, a layer is Z' = Z + B Sigma A Z. Backward
/// from G = dl/dZ' (H = B Sigma A):
///
///     dH = G Z^T, dZ = G + H^T G, dA = Sigma B^T dH, dB = dH A^T Sigma,
///     dSigma = B^T dH A^T, and dZ += (dSigma + dSigma^T) C on the key/value columns
///
/// so a task costs O(D^3 + D^2 N) per layer and only dA, dB are summed over the batch; the
/// weights' gradients follow once per batch. Every matrix lives in a workspace reused across
/// the chunk's tasks (Eigen's GEMM beats its coefficient-wise lazy product here, measured).
template <std::floating_point T>
struct lsa_stack_workspace {
    using matrix = icl::weight_matrix<T>;
    std::vector<matrix> inputs, sigma, h;  // per layer
    matrix upstream, d_z, d_h, t1, d_sigma, tmp;
    std::vector<matrix> d_a, d_b;  // per layer, summed over the chunk

    lsa_stack_workspace(std::size_t layers, Eigen::Index dim, Eigen::Index columns)
        : inputs(layers + 1, matrix(dim, columns)), sigma(layers, matrix(dim, dim)), h(layers, matrix(dim, dim)),
          upstream(dim, columns), d_z(dim, columns), d_h(dim, dim), t1(dim, dim), d_sigma(dim, dim), tmp(dim, dim),
          d_a(layers, matrix::Zero(dim, dim)), d_b(layers, matrix::Zero(dim, dim)) {}
};

template <std::floating_point T>
double lsa_stack_chunk(std::span<const icl::lsa_layer<T>> layers, std::span<const icl::weight_matrix<T>> a,
                       std::span<const icl::weight_matrix<T>> b, std::span<const icl::regression_task<T>> tasks, T scale,
                       lsa_stack_workspace<T>& w) {
    double loss = 0.0;
    const std::size_t count = layers.size();
    for (const auto& task : tasks) {
        const Eigen::Index dim = task.tokens.rows(), columns = task.tokens.cols();
        w.inputs[0] = task.tokens;
        for (std::size_t l = 0; l < count; ++l) {
            const Eigen::Index used = layers[l].include_query ? columns : columns - 1;
            const auto c = w.inputs[l].leftCols(used);
            w.sigma[l].noalias() = c * c.transpose();
            w.tmp.noalias() = b[l] * w.sigma[l];
            w.h[l].noalias() = w.tmp * a[l];
            w.inputs[l + 1] = w.inputs[l];
            w.inputs[l + 1].noalias() += w.h[l] * w.inputs[l];
        }
        const T error = -w.inputs[count](dim - 1, columns - 1) - task.target;
        loss += 0.5 * static_cast<double>(error) * static_cast<double>(error);
        w.upstream.setZero();
        w.upstream(dim - 1, columns - 1) = -error * scale;  // y_hat = -Z[d, N]; the loss is (1/(2B)) sum err^2
        for (std::size_t l = count; l-- > 0;) {
            const auto& z = w.inputs[l];
            const Eigen::Index used = layers[l].include_query ? columns : columns - 1;
            w.d_h.noalias() = w.upstream * z.transpose();
            w.d_z = w.upstream;
            w.d_z.noalias() += w.h[l].transpose() * w.upstream;
            w.t1.noalias() = b[l].transpose() * w.d_h;
            w.d_a[l].noalias() += w.sigma[l] * w.t1;
            w.d_sigma.noalias() = w.t1 * a[l].transpose();
            w.tmp.noalias() = w.d_h * a[l].transpose();
            w.d_b[l].noalias() += w.tmp * w.sigma[l];
            w.tmp = w.d_sigma + w.d_sigma.transpose();
            w.d_z.leftCols(used).noalias() += w.tmp * z.leftCols(used);
            std::swap(w.upstream, w.d_z);
        }
    }
    return loss;
}

}  // namespace prefrl::detail

#endif  // PREFRL_DETAIL_LSA_TRAINING_ENGINE_HPP
