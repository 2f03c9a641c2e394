#ifndef PREFRL_OFFLINE_BEER_HPP
#define PREFRL_OFFLINE_BEER_HPP

/// \file
/// BEER's bounded representation-rank regularizer.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <utility>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::offline {

/// BEER's term, its gradient in the current representation, and the per-row pieces.
template <std::floating_point T>
struct beer_result {
    T value{};
    row_matrix<T> d_phi;  ///< [batch, features]: the only gradient (the bound and the next features are constants)
    vector<T> cosine;     ///< cos(phi, phi'_target) per row
    vector<T> bound;      ///< the Bellman bound B per row (+inf where a norm is 0)
    index_t active = 0;   ///< rows whose cosine exceeds the bound
};

/// **BEER, Bellman-equation-based rank regularizer** — He et al. 2024, "Adaptive Regularization
/// of Representation Rank as an Implicit Constraint of Bellman Equation" (ICLR 2024;
/// sweetice/BEER-ICLR2024). For a critic Q(s, a) = w^T phi(s, a) + b, the Bellman equation
/// bounds the cosine between the current features and the next ones; BEER penalizes only the
/// excess:
///
///     B_i = (|phi_i|^2 + gamma^2 |phi'_online,i|^2 - r_i^2 / |w|^2) / (2 gamma |phi_i| |phi'_target,i|)
///     R   = beta mean_i ReLU(cos(phi_i, phi'_target,i) - B_i)
///
/// Inputs: `phi` the current features phi(s, a) [B, k] (the gradient flows only here),
/// `phi_next_online` the online critic's features at (s', pi(s')), `phi_next_target` the target
/// critic's at (s', pi_target(s')), `reward` [B], `w` the critic's last-layer weights [k]. The
/// cosine is PyTorch's `cosine_similarity(eps = 1e-6)`: `x.y / (max(|x|, eps) max(|y|, eps))`.
/// Rows where |phi| or |phi'_target| is 0 have no bound (B = +inf) and add nothing.
/// beta >= 0 (1e-3), gamma in (0, 1] (0.99; the authors' code hard-codes 0.99).
struct beer {
    double beta = 1e-3;
    double gamma = 0.99;

    template <std::floating_point T>
    beer_result<T> operator()(const_matrix_ref<T> phi, const_matrix_ref<T> phi_next_online, const_matrix_ref<T> phi_next_target,
                              std::span<const T> reward, std::span<const T> w) const {
        constexpr auto fn = "prefrl::offline::beer";
        constexpr double eps = 1e-6;
        require_non_negative(fn, "beta", beta);
        require(gamma > 0.0 && gamma <= 1.0, fn, "gamma must be in (0, 1], got ", gamma);
        const Eigen::Index batch = phi.rows(), features = phi.cols();
        require_non_empty(fn, "phi", static_cast<std::size_t>(batch));
        require(features >= 1, fn, "phi needs at least one feature column");
        for (const auto& [name, m] : {std::pair{"phi_next_online", phi_next_online}, std::pair{"phi_next_target", phi_next_target}})
            require(m.rows() == batch && m.cols() == features, fn, name, " is [", m.rows(), ", ", m.cols(), "] but phi is [", batch, ", ",
                    features, "]");
        require_same_size(fn, "reward", reward.size(), "the batch", static_cast<std::size_t>(batch));
        require_same_size(fn, "w", w.size(), "the features", static_cast<std::size_t>(features));
        double w_norm2 = 0.0;
        for (std::size_t j = 0; j < w.size(); ++j) {
            require(std::isfinite(w[j]), fn, "w[", j, "] must be finite, got ", w[j]);
            w_norm2 += static_cast<double>(w[j]) * static_cast<double>(w[j]);
        }
        require(w_norm2 > 0.0, fn, "w is all zeros: the bound divides by |w|^2");
        require(phi.allFinite() && phi_next_online.allFinite() && phi_next_target.allFinite(), fn, "the features must be finite");
        beer_result<T> out{T(0), row_matrix<T>::Zero(batch, features), vector<T>(batch), vector<T>(batch), 0};
        double total = 0.0;
        for (Eigen::Index i = 0; i < batch; ++i) {
            const double r = static_cast<double>(reward[static_cast<std::size_t>(i)]);
            require(std::isfinite(r), fn, "reward[", i, "] must be finite, got ", r);
            const auto x = phi.row(i).template cast<double>();
            const auto y = phi_next_target.row(i).template cast<double>();
            const double nx = x.norm(), ny = y.norm(), n_online = phi_next_online.row(i).template cast<double>().norm();
            const double mx = std::max(nx, eps), my = std::max(ny, eps), dot = x.dot(y);
            const double cosine = dot / (mx * my);
            out.cosine[i] = static_cast<T>(cosine);
            if (nx == 0.0 || ny == 0.0) {
                out.bound[i] = std::numeric_limits<T>::infinity();
                continue;
            }
            const double bound = (nx * nx + gamma * gamma * n_online * n_online - r * r / w_norm2) / (2.0 * gamma * nx * ny);
            out.bound[i] = static_cast<T>(bound);
            if (cosine <= bound) continue;
            ++out.active;
            total += cosine - bound;
            // d cos / d x = y / (mx my) - [|x| > eps] dot x / (|x|^3 my)
            const double scale = beta / static_cast<double>(batch);
            for (Eigen::Index j = 0; j < features; ++j) {
                double g = y[j] / (mx * my);
                if (nx > eps) g -= dot * x[j] / (nx * nx * nx * my);
                out.d_phi(i, j) = static_cast<T>(scale * g);
            }
        }
        out.value = static_cast<T>(beta * total / static_cast<double>(batch));
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_BEER_HPP
