#ifndef PREFRL_TESTS_LAWS_VALUE_FUNCTION_LAWS_HPP
#define PREFRL_TESTS_LAWS_VALUE_FUNCTION_LAWS_HPP

// Catch2 adapters of the ValueFunction law checkers (include/prefrl/testing/value_function_laws.hpp).

#include <catch2/catch.hpp>

#include <prefrl/testing/value_function_laws.hpp>

namespace prefrl::laws {

template <ValueFunction V>
void check_update_moves_toward_target(V v, const typename V::state_type& s, typename V::scalar_type target,
                                      typename V::scalar_type step) {
    const auto r = testing::check_update_moves_toward_target(std::move(v), s, target, step);
    INFO(r.message);
    REQUIRE(r.passed);
}

template <ValueFunction V>
void check_zero_step_changes_nothing(V v, const typename V::state_type& s, typename V::scalar_type target) {
    const auto r = testing::check_zero_step_changes_nothing(std::move(v), s, target);
    INFO(r.message);
    REQUIRE(r.passed);
}

}  // namespace prefrl::laws

#endif  // PREFRL_TESTS_LAWS_VALUE_FUNCTION_LAWS_HPP
