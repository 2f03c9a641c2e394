#ifndef PREFRL_OFFLINE_CQL_CONTINUOUS_HPP
#define PREFRL_OFFLINE_CQL_CONTINUOUS_HPP

/// \file
/// CQL's conservative penalty for continuous actions (the sampled, importance-weighted form)
/// and its Lagrange variant.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <numbers>
#include <span>
#include <type_traits>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

namespace prefrl::offline {

/// The continuous CQL gap and penalty, with their gradients.
template <std::floating_point T>
struct cql_continuous_result {
    T value{};               ///< alpha * gap
    T gap{};                 ///< mean_i clip(T logsumexp_j(X_ij / T) - Q(s_i, a_i)), X = q_sampled - log_density
    row_matrix<T> d_q_sampled;  ///< d value / d q_sampled, [batch, samples]
    vector<T> d_q_data;         ///< d value / d Q(s_i, a_i)
};

/// log of the uniform density on [-1, 1]^action_dim, `action_dim log(1/2)`: the log_density of
/// the uniformly sampled actions in `cql_continuous`.
inline double uniform_action_log_density(index_t action_dim) {
    require(action_dim >= 1, "prefrl::offline::uniform_action_log_density", "action_dim must be >= 1, got ", action_dim);
    return static_cast<double>(action_dim) * std::log(0.5);
}

/// **Conservative Q-learning, continuous actions** — Kumar, Zhou, Tucker & Levine 2020,
/// "Conservative Q-Learning for Offline Reinforcement Learning", CQL(H) with importance
/// sampling as CORL's `cql.py`: for each state s_i, the critic is scored at M sampled actions
/// (CORL: N uniform on [-1, 1]^d, N from pi(.|s), N from pi(.|s'), all at s), each with the log
/// density it was drawn from (`uniform_action_log_density(d)`, or the detached log pi). With
/// `X_ij = q_sampled(i, j) - log_density(i, j)`,
///
///     gap = mean_i clip(temperature * logsumexp_j(X_ij / temperature) - q_data_i, clip_min, clip_max)
///     L   = alpha * gap
///     dL/dq_sampled(i, j) = alpha softmax_j(X_i / temperature) / B,   dL/dq_data_i = -alpha / B
///
/// (both 0 for a row whose difference is clipped). alpha >= 0 (d3rlpy's conservative weight:
/// 5), temperature > 0 (1). Added to the critic's TD loss; the penalty pushes down Q at actions
/// the policy or chance proposes and up at the data's.
struct cql_continuous {
    double alpha = 5.0;
    double temperature = 1.0;
    double clip_min = -std::numeric_limits<double>::infinity();
    double clip_max = std::numeric_limits<double>::infinity();

    /// The same for any Eigen matrices and contiguous ranges, the scalar deduced from `q_sampled`.
    template <class Derived, class S = typename Derived::Scalar>
        requires std::floating_point<S>
    auto operator()(const Eigen::MatrixBase<Derived>& q_sampled, std::type_identity_t<const_matrix_ref<S>> log_density,
                    std::type_identity_t<std::span<const S>> q_data) const {
        return operator()<S>(const_matrix_ref<S>(q_sampled.derived()), log_density, q_data);
    }

    template <std::floating_point T>
    cql_continuous_result<T> operator()(const_matrix_ref<T> q_sampled, const_matrix_ref<T> log_density, std::span<const T> q_data) const {
        constexpr auto fn = "prefrl::offline::cql_continuous";
        require_non_negative(fn, "alpha", alpha);
        require_positive(fn, "temperature", temperature);
        require(clip_min <= clip_max, fn, "clip_min must be <= clip_max, got ", clip_min, " > ", clip_max);
        require_non_empty(fn, "q_data", q_data.size());
        require(q_sampled.rows() == static_cast<Eigen::Index>(q_data.size()), fn, "q_sampled has ", q_sampled.rows(), " rows for ",
                q_data.size(), " states");
        require(q_sampled.cols() >= 1, fn, "q_sampled needs at least one sampled action per state");
        require(log_density.rows() == q_sampled.rows() && log_density.cols() == q_sampled.cols(), fn, "log_density is ", log_density.rows(),
                " x ", log_density.cols(), ", q_sampled is ", q_sampled.rows(), " x ", q_sampled.cols());
        const Eigen::Index batch = q_sampled.rows();
        detail::require_all_finite<T>(fn, "q_data", q_data);
        detail::require_all_finite<T>(fn, "q_sampled", q_sampled);
        detail::require_all_finite<T>(fn, "log_density", log_density);
        cql_continuous_result<T> out{T(0), T(0), row_matrix<T>(), vector<T>(batch)};
        const T inv_t = static_cast<T>(1.0 / temperature);
        const Eigen::Index samples = q_sampled.cols();
        // X / temperature, block by block
        const auto fill = [&](Eigen::Index first, Eigen::Index count, T* dst) {
            for (Eigen::Index i = 0; i < count; ++i) {
                const T* q_row = q_sampled.row(first + i).data();
                const T* d_row = log_density.row(first + i).data();
                T* x_row = dst + i * samples;
                for (Eigen::Index j = 0; j < samples; ++j) x_row[j] = (q_row[j] - d_row[j]) * inv_t;
            }
        };
        const double scale = alpha / static_cast<double>(batch);
        double total = 0.0;
        // each row's gradient is alpha softmax / B, or 0 where the clamp binds (it passes no gradient)
        const auto row_scale = [&](Eigen::Index i, T lse) {
            const double diff = temperature * static_cast<double>(lse) - static_cast<double>(q_data[static_cast<std::size_t>(i)]);
            total += std::clamp(diff, clip_min, clip_max);
            const bool clipped = diff < clip_min || diff > clip_max;
            out.d_q_data[i] = clipped ? T(0) : static_cast<T>(-scale);
            return clipped ? T(0) : static_cast<T>(scale);
        };
        detail::scaled_row_softmax<T>(batch, samples, fill, row_scale, out.d_q_sampled);
        const double gap = total / static_cast<double>(batch);
        out.gap = static_cast<T>(gap);
        out.value = static_cast<T>(alpha * gap);
        return out;
    }
};

/// The Lagrange form's penalty and gradients.
template <std::floating_point T>
struct cql_lagrange_result {
    T value{};        ///< alpha' alpha (gap - target_gap), the term in the critic's loss
    T alpha_prime{};  ///< clip(exp(log_alpha_prime), 0, 1e6)
    T d_gap{};        ///< d value / d gap = alpha' alpha (chain into cql_continuous's gradients, which carry alpha)
    T d_log_alpha_prime{};  ///< d value / d log_alpha' (0 where the clip binds); ascend it: log_alpha' += lr d_log_alpha'
};

/// **CQL's Lagrange variant** (Kumar et al. 2020, §F; CORL's `cql_lagrange`): the penalty's
/// weight alpha' = clip(exp(log_alpha'), 0, 10^6) is tuned so that the gap stays near
/// `target_gap`: the critic minimizes `alpha' alpha (gap - target_gap)` and log_alpha' maximizes it
/// (CORL minimizes its negative). `gap` is `cql_continuous`'s (or the discrete `cql`'s value /
/// alpha). alpha >= 0 (5), target_gap finite (CORL's antmaze settings and Kumar et al. use 5).
struct cql_lagrange {
    double alpha = 5.0;
    double target_gap = 5.0;

    template <std::floating_point T>
    cql_lagrange_result<T> operator()(T gap, T log_alpha_prime) const {
        constexpr auto fn = "prefrl::offline::cql_lagrange";
        require_non_negative(fn, "alpha", alpha);
        require_finite(fn, "target_gap", target_gap);
        require_finite(fn, "gap", gap);
        require_finite(fn, "log_alpha_prime", log_alpha_prime);
        const double raw = std::exp(static_cast<double>(log_alpha_prime));
        const double alpha_prime = std::clamp(raw, 0.0, 1e6);
        const double excess = static_cast<double>(gap) - target_gap;
        return {static_cast<T>(alpha_prime * alpha * excess), static_cast<T>(alpha_prime), static_cast<T>(alpha_prime * alpha),
                static_cast<T>(raw > 1e6 ? 0.0 : alpha_prime * alpha * excess)};
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_CQL_CONTINUOUS_HPP
