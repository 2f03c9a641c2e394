#ifndef PREFRL_OFFLINE_VALUE_REGRESSION_HPP
#define PREFRL_OFFLINE_VALUE_REGRESSION_HPP

/// \file
/// What the value-regression terms share (IQL's expectile, XQL's Gumbel, f-DVL): losses of
/// x = sg(Q(s, a)) - V(s), averaged over the batch, with the gradient with respect to V.

#include <cmath>
#include <concepts>
#include <span>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/offline_kernels.hpp"

namespace prefrl::offline {

/// A value-regression term's batch mean and d value / d v (Q is a stop-gradient target).
template <std::floating_point T>
struct value_regression_result {
    T value{};
    vector<T> d_v;
};

}  // namespace prefrl::offline

namespace prefrl::detail {

/// Checks (q, v) and returns the batch size.
template <std::floating_point T>
std::size_t check_q_and_v(std::string_view fn, std::span<const T> q, std::span<const T> v) {
    require_non_empty(fn, "q", q.size());
    require_same_size(fn, "v", v.size(), "q", q.size());
    require_all_finite<T>(fn, "q", q);
    require_all_finite<T>(fn, "v", v);
    return q.size();
}

}  // namespace prefrl::detail

#endif  // PREFRL_OFFLINE_VALUE_REGRESSION_HPP
