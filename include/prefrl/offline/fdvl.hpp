#ifndef PREFRL_OFFLINE_FDVL_HPP
#define PREFRL_OFFLINE_FDVL_HPP

/// \file
/// The f-divergence value losses of Dual RL (f-DVL).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/offline/value_regression.hpp"

namespace prefrl::offline {

/// The f-divergence behind an f-DVL loss (reverse KL is XQL's `gumbel`).
enum class f_divergence { chi_square, total_variation };

/// **f-DVL** — Sikchi et al. 2024, "Dual RL: Unification and New Methods for Reinforcement
/// and Imitation Learning" (hari-sikchi/DVL): with x = sg(Q) - V and lambda in (0, 1],
///
///     chi-square:       L = mean[ lambda max(x + x^2/4, 0) - (1 - lambda) x ]
///     total variation:  L = mean[ lambda max(x, 0) - (1 - lambda) x ]
///
/// and dL/dv = -(lambda f'(x) 1[active] - (1 - lambda)) / B, f'(x) = 1 + x/2 or 1.
struct fdvl {
    f_divergence divergence = f_divergence::chi_square;
    double lambda_ = 0.8;

    /// The same for any contiguous ranges (`std::vector`, `std::array`, `Eigen::VectorX`), the scalar deduced.
    template <ScalarRange Q, ScalarRange V>
        requires ScalarRangesOfOneType<Q, V>
    auto operator()(const Q& q, const V& v) const {
        return operator()<range_scalar_t<Q>>(as_span(q), as_span(v));
    }

    template <std::floating_point T>
    value_regression_result<T> operator()(std::span<const T> q, std::span<const T> v) const {
        constexpr auto fn = "prefrl::offline::fdvl";
        require(lambda_ > 0.0 && lambda_ <= 1.0, fn, "lambda_ must be in (0, 1], got ", lambda_);
        const std::size_t batch = detail::check_q_and_v(fn, q, v);
        value_regression_result<T> out{T(0), vector<T>(static_cast<Eigen::Index>(batch))};
        const bool chi = divergence == f_divergence::chi_square;
        const double scale = -1.0 / static_cast<double>(batch);
        double total = 0.0;
        for (std::size_t i = 0; i < batch; ++i) {
            const double x = static_cast<double>(q[i]) - static_cast<double>(v[i]);
            const double f = chi ? x + x * x / 4.0 : x;
            const double slope = chi ? 1.0 + x / 2.0 : 1.0;
            const bool active = f > 0.0;
            total += lambda_ * (active ? f : 0.0) - (1.0 - lambda_) * x;
            out.d_v[static_cast<Eigen::Index>(i)] = static_cast<T>(scale * (lambda_ * (active ? slope : 0.0) - (1.0 - lambda_)));
        }
        out.value = static_cast<T>(total / static_cast<double>(batch));
        return out;
    }
};

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_FDVL_HPP
