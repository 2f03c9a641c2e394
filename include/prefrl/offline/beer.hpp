#ifndef PREFRL_OFFLINE_BEER_HPP
#define PREFRL_OFFLINE_BEER_HPP

/// \file
/// BEER's bounded representation-rank regularizer.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <type_traits>
#include <utility>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

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

    /// The same for any Eigen matrices and contiguous ranges, the scalar deduced from `phi`.
    template <class Derived, class S = typename Derived::Scalar>
        requires std::floating_point<S>
    auto operator()(const Eigen::MatrixBase<Derived>& phi, std::type_identity_t<const_matrix_ref<S>> phi_next_online,
                    std::type_identity_t<const_matrix_ref<S>> phi_next_target, std::type_identity_t<std::span<const S>> reward,
                    std::type_identity_t<std::span<const S>> w) const {
        return operator()<S>(const_matrix_ref<S>(phi.derived()), phi_next_online, phi_next_target, reward, w);
    }

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
        detail::require_all_finite<T>(fn, "w", w);
        detail::require_all_finite<T>(fn, "reward", reward);
        detail::require_all_finite<T>(fn, "phi", phi);
        detail::require_all_finite<T>(fn, "phi_next_online", phi_next_online);
        detail::require_all_finite<T>(fn, "phi_next_target", phi_next_target);
        const double w_norm2 = Eigen::Map<const vector<T>>(w.data(), features).template cast<double>().squaredNorm();
        require(w_norm2 > 0.0, fn, "w is all zeros: the bound divides by |w|^2");
        using row_view = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;
        const T g = static_cast<T>(gamma), inv_w2 = static_cast<T>(1.0 / w_norm2), scale = static_cast<T>(beta / static_cast<double>(batch));
        beer_result<T> out{T(0), row_matrix<T>(batch, features), vector<T>(batch), vector<T>(batch), 0};
        double total = 0.0;
        for (Eigen::Index i = 0; i < batch; ++i) {
            const row_view x(phi.row(i).data(), features), y(phi_next_target.row(i).data(), features), online(phi_next_online.row(i).data(), features);
            Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>> d(&out.d_phi(i, 0), features);
            const T nx = x.norm(), ny = y.norm(), dot = x.dot(y);
            const T mx = std::max(nx, static_cast<T>(eps)), my = std::max(ny, static_cast<T>(eps));
            const T cosine = dot / (mx * my);
            out.cosine[i] = cosine;
            const T r = reward[static_cast<std::size_t>(i)];
            if (nx == T(0) || ny == T(0)) {
                out.bound[i] = std::numeric_limits<T>::infinity();
                d.setZero();
                continue;
            }
            const T bound = (nx * nx + g * g * online.squaredNorm() - r * r * inv_w2) / (T(2) * g * nx * ny);
            out.bound[i] = bound;
            if (!(cosine > bound)) {
                d.setZero();
                continue;
            }
            ++out.active;
            total += static_cast<double>(cosine - bound);
            // d cos / d x = y / (mx my) - [|x| > eps] dot x / (|x|^3 my)
            const T along_x = nx > static_cast<T>(eps) ? scale * dot / (nx * nx * nx * my) : T(0);
            d = (scale / (mx * my)) * y - along_x * x;
        }
        out.value = static_cast<T>(beta * total / static_cast<double>(batch));
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_BEER_HPP
