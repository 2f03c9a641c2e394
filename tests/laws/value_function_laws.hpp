#ifndef PREFRL_TESTS_LAWS_VALUE_FUNCTION_LAWS_HPP
#define PREFRL_TESTS_LAWS_VALUE_FUNCTION_LAWS_HPP

// Laws of ValueFunction (include/prefrl/core/value_function.hpp):
//   check_update_moves_toward_target(v, s, target, step): |target - V(s)| does not grow
//   check_zero_step_changes_nothing(v, s, target)

#include <catch2/catch.hpp>

#include <prefrl/core/value_function.hpp>

#include <cmath>

namespace prefrl::laws {

template <ValueFunction V>
void check_update_moves_toward_target(V v, const typename V::state_type& s, typename V::scalar_type target,
                                      typename V::scalar_type step) {
    const auto before = std::abs(target - v.value(s));
    v.update(s, target, step);
    const auto after = std::abs(target - v.value(s));
    INFO("distance to target before " << before << ", after " << after);
    REQUIRE(after <= before);
}

template <ValueFunction V>
void check_zero_step_changes_nothing(V v, const typename V::state_type& s, typename V::scalar_type target) {
    const auto before = v.value(s);
    v.update(s, target, typename V::scalar_type(0));
    REQUIRE(v.value(s) == before);
}

}  // namespace prefrl::laws

#endif  // PREFRL_TESTS_LAWS_VALUE_FUNCTION_LAWS_HPP
