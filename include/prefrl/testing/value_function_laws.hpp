#ifndef PREFRL_TESTING_VALUE_FUNCTION_LAWS_HPP
#define PREFRL_TESTING_VALUE_FUNCTION_LAWS_HPP

/// \file
/// Law checkers for `prefrl::ValueFunction`: run them on your own value function type.

#include <cmath>

#include "prefrl/core/value_function.hpp"
#include "prefrl/testing/law_result.hpp"

namespace prefrl::testing {

/// An update toward `target` with a step in (0, 1] does not move V(s) away from it.
/// `v` is taken by value: the caller's function is not changed.
template <ValueFunction V>
law_result check_update_moves_toward_target(V v, const typename V::state_type& s, typename V::scalar_type target,
                                            typename V::scalar_type step) {
    const auto before = std::abs(target - v.value(s));
    v.update(s, target, step);
    const auto after = std::abs(target - v.value(s));
    if (!(after <= before))
        return law_result::fail("update toward ", target, " with step ", step, " moved V(s) away: distance ", before,
                                " before, ", after, " after");
    return law_result::pass();
}

/// An update with step 0 leaves V(s) exactly as it was.
template <ValueFunction V>
law_result check_zero_step_changes_nothing(V v, const typename V::state_type& s, typename V::scalar_type target) {
    const auto before = v.value(s);
    v.update(s, target, typename V::scalar_type(0));
    const auto after = v.value(s);
    if (!(after == before)) return law_result::fail("an update with step 0 changed V(s) from ", before, " to ", after);
    return law_result::pass();
}

}  // namespace prefrl::testing

#endif  // PREFRL_TESTING_VALUE_FUNCTION_LAWS_HPP
