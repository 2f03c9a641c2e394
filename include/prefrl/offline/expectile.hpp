#ifndef PREFRL_OFFLINE_EXPECTILE_HPP
#define PREFRL_OFFLINE_EXPECTILE_HPP

/// \file
/// IQL's expectile value loss.

#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/offline/value_regression.hpp"

namespace prefrl::offline {

/// **Expectile regression** — Kostrikov et al. 2022, "Offline Reinforcement Learning with
/// Implicit Q-Learning" (IQL; CORL's `asymmetric_l2_loss`): with x = sg(Q) - V,
///
///     L = mean |tau - 1[x < 0]| x^2,   dL/dv_i = -2 |tau - 1[x_i < 0]| x_i / B
///
/// tau in (0, 1) (IQL: 0.7; tau -> 1 approaches max_a Q within the data's support).
struct expectile {
    double tau = 0.7;

    /// The same for any contiguous ranges (`std::vector`, `std::array`, `Eigen::VectorX`), the scalar deduced.
    template <ScalarRange Q, ScalarRange V>
        requires ScalarRangesOfOneType<Q, V>
    auto operator()(const Q& q, const V& v) const {
        return operator()<range_scalar_t<Q>>(as_span(q), as_span(v));
    }

    template <std::floating_point T>
    value_regression_result<T> operator()(std::span<const T> q, std::span<const T> v) const {
        constexpr auto fn = "prefrl::offline::expectile";
        require_in_open(fn, "tau", tau, 0.0, 1.0);
        const std::size_t batch = detail::check_q_and_v(fn, q, v);
        value_regression_result<T> out{T(0), vector<T>(static_cast<Eigen::Index>(batch))};
        const T up = static_cast<T>(tau), down = static_cast<T>(1.0 - tau), scale = static_cast<T>(-2.0 / static_cast<double>(batch));
        double total = 0.0;
        for (std::size_t i = 0; i < batch; ++i) {
            const T x = q[i] - v[i];
            const T weight = x < T(0) ? down : up;
            total += static_cast<double>(weight * x * x);
            out.d_v[static_cast<Eigen::Index>(i)] = scale * weight * x;
        }
        out.value = static_cast<T>(total / static_cast<double>(batch));
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_EXPECTILE_HPP
