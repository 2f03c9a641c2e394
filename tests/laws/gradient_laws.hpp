#ifndef PREFRL_TESTS_LAWS_GRADIENT_LAWS_HPP
#define PREFRL_TESTS_LAWS_GRADIENT_LAWS_HPP

// Law: an analytic gradient matches central finite differences.
//
//     prefrl::laws::check_gradient<T>(f, x, grad);   // f: vector<T> -> scalar, grad = df/dx at x
//
// Each coordinate i is perturbed by h_i = step * max(1, |x_i|) with step = cbrt(machine eps)
// (the error-optimal step of a central difference), and the difference quotient
// (f(x + h e_i) - f(x - h e_i)) / (2 h_i) must match grad[i] within
// atol + rtol * max(|grad[i]|, |numeric|). Default tolerances: double 1e-6 / 1e-6,
// float 2e-2 relative (a float central difference carries ~1e-3 of noise), 2e-3 absolute.

#include <catch2/catch.hpp>

#include <prefrl/core/types.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

namespace prefrl::laws {

template <class T>
struct gradient_tolerance {
    double rtol = std::is_same_v<T, double> ? 1e-6 : 2e-2;
    double atol = std::is_same_v<T, double> ? 1e-6 : 2e-3;
    double step = std::cbrt(static_cast<double>(std::numeric_limits<T>::epsilon()));
};

template <class T, class F, class Grad>
void check_gradient(F&& f, const vector<T>& x, const Grad& grad, gradient_tolerance<T> tol = {}) {
    REQUIRE(static_cast<Eigen::Index>(grad.size()) == x.size());
    for (Eigen::Index i = 0; i < x.size(); ++i) {
        const double h_wanted = tol.step * std::max(1.0, std::abs(static_cast<double>(x[i])));
        vector<T> plus = x, minus = x;
        plus[i] = static_cast<T>(static_cast<double>(x[i]) + h_wanted);
        minus[i] = static_cast<T>(static_cast<double>(x[i]) - h_wanted);
        const double h2 = static_cast<double>(plus[i]) - static_cast<double>(minus[i]);  // the step actually taken
        const double numeric = (static_cast<double>(f(plus)) - static_cast<double>(f(minus))) / h2;
        const double analytic = static_cast<double>(grad[i]);
        INFO("coordinate " << i << ": analytic " << analytic << ", central difference " << numeric);
        REQUIRE(std::abs(analytic - numeric) <= tol.atol + tol.rtol * std::max(std::abs(analytic), std::abs(numeric)));
    }
}

}  // namespace prefrl::laws

#endif  // PREFRL_TESTS_LAWS_GRADIENT_LAWS_HPP
