#ifndef PREFRL_CORE_REGRESSION_ORACLE_HPP
#define PREFRL_CORE_REGRESSION_ORACLE_HPP

/// \file
/// The `RegressionOracle` concept (Foster & Rakhlin 2020, "Beyond UCB": SquareCB reduces
/// contextual bandits to online regression through such an oracle).

#include <concepts>
#include <span>

#include "prefrl/core/types.hpp"

namespace prefrl {

/// **RegressionOracle** — an online regressor of the reward of each arm given a context.
///
/// Given `const O co`, a mutable `O o`, a context `std::span<const scalar_type> x`, an arm
/// `index_t a` and a reward `scalar_type r`:
///
/// 1. `O::scalar_type` (`float` or `double`); `co.num_arms()` -> K; `co.context_size()` -> d.
/// 2. `co.predict(x)` -> `prefrl::vector<scalar_type>` of size K: predicted rewards yhat_a.
/// 3. `o.fit(x, a, r)`: one online step on the example (x, a, r).
///
/// Laws: `predict` does not change the oracle; the same examples in the same order give
/// the same predictions; a context of the wrong size throws `prefrl::invalid_argument`.
///
/// Not required: batch fitting, uncertainty estimates (LinUCB keeps its own).
///
/// Models: `prefrl::bandit` ridge regression per arm, online linear SGD model.
template <class O>
concept RegressionOracle =
    requires { typename O::scalar_type; } && Scalar<typename O::scalar_type> &&
    requires(const O& co, O& o, std::span<const typename O::scalar_type> x, index_t a,
             typename O::scalar_type r) {
        { co.num_arms() } -> std::convertible_to<index_t>;
        { co.context_size() } -> std::convertible_to<index_t>;
        { co.predict(x) } -> std::convertible_to<vector<typename O::scalar_type>>;
        o.fit(x, a, r);
    };

/// Checks `RegressionOracle<O>` requirement by requirement, naming what is missing.
template <class O>
consteval bool check_regression_oracle() {
    static_assert(requires { typename O::scalar_type; },
                  "prefrl::RegressionOracle: the type must declare `using scalar_type = float;` or double");
    if constexpr (requires { typename O::scalar_type; }) {
        using T = typename O::scalar_type;
        static_assert(requires(const O& o) { { o.num_arms() } -> std::convertible_to<index_t>; },
                      "prefrl::RegressionOracle: missing `index_t num_arms() const`");
        static_assert(requires(const O& o) { { o.context_size() } -> std::convertible_to<index_t>; },
                      "prefrl::RegressionOracle: missing `index_t context_size() const`");
        static_assert(requires(const O& o, std::span<const T> x) { { o.predict(x) } -> std::convertible_to<vector<T>>; },
                      "prefrl::RegressionOracle: missing `vector<scalar_type> predict(std::span<const scalar_type> context) const`");
        static_assert(requires(O& o, std::span<const T> x, index_t a, T r) { o.fit(x, a, r); },
                      "prefrl::RegressionOracle: missing `void fit(std::span<const scalar_type> context, index_t arm, scalar_type reward)`");
    }
    return RegressionOracle<O>;
}

}  // namespace prefrl

#endif  // PREFRL_CORE_REGRESSION_ORACLE_HPP
