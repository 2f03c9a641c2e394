#ifndef PREFRL_TESTS_LAWS_GRADIENT_LAWS_HPP
#define PREFRL_TESTS_LAWS_GRADIENT_LAWS_HPP

// Catch2 adapter of prefrl::testing::check_gradient (include/prefrl/testing/gradient_check.hpp):
//
//     prefrl::laws::check_gradient<T>(f, x, grad);   // REQUIREs the law, with its message

#include <catch2/catch.hpp>

#include <prefrl/testing/gradient_check.hpp>

#include <utility>

namespace prefrl::laws {

using testing::gradient_tolerance;

template <class T, class F, class Grad>
void check_gradient(F&& f, const vector<T>& x, const Grad& grad, gradient_tolerance<T> tol = {}) {
    const auto r = testing::check_gradient<T>(std::forward<F>(f), x, grad, tol);
    INFO(r.message);
    REQUIRE(r.passed);
}

}  // namespace prefrl::laws

#endif  // PREFRL_TESTS_LAWS_GRADIENT_LAWS_HPP
