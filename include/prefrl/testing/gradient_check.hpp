#ifndef PREFRL_TESTING_GRADIENT_CHECK_HPP
#define PREFRL_TESTING_GRADIENT_CHECK_HPP

/// \file
/// `prefrl::testing::check_gradient`: an analytic gradient against central finite differences.

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "prefrl/core/types.hpp"
#include "prefrl/testing/law_result.hpp"

namespace prefrl::testing {

/// Tolerances of `check_gradient`. Defaults: double 1e-6 relative and absolute; float 2e-2
/// relative (a float central difference carries ~1e-3 of rounding noise) and 2e-3 absolute.
/// `step` is the relative perturbation, cbrt(machine epsilon): the error-optimal step of a
/// central difference (Nocedal and Wright, *Numerical Optimization*, 2nd ed., section 8.1).
template <class T>
struct gradient_tolerance {
    double rtol = std::is_same_v<T, double> ? 1e-6 : 2e-2;
    double atol = std::is_same_v<T, double> ? 1e-6 : 2e-3;
    double step = std::cbrt(static_cast<double>(std::numeric_limits<T>::epsilon()));
};

/// Checks that `grad` is the gradient of `f` at `x`.
///
/// `f` maps a `prefrl::vector<T>` to a scalar; `grad` is any sized, indexable container.
/// Each coordinate i is moved by h_i = step * max(1, |x_i|) both ways, and the quotient
/// (f(x + h e_i) - f(x - h e_i)) / (2 h_i) — with the step actually representable in T —
/// must match grad[i] within atol + rtol * max(|grad[i]|, |quotient|).
///
///     auto f = [&](const prefrl::vector<double>& t) { return loss(t); };
///     auto r = prefrl::testing::check_gradient<double>(f, theta, analytic_gradient);
///     if (!r) std::cerr << r.message << '\n';
template <class T, class F, class Grad>
law_result check_gradient(F&& f, const vector<T>& x, const Grad& grad, gradient_tolerance<T> tol = {}) {
    if (static_cast<Eigen::Index>(grad.size()) != x.size())
        return law_result::fail("gradient has ", grad.size(), " entries but x has ", x.size());
    for (Eigen::Index i = 0; i < x.size(); ++i) {
        const double h_wanted = tol.step * std::max(1.0, std::abs(static_cast<double>(x[i])));
        vector<T> plus = x, minus = x;
        plus[i] = static_cast<T>(static_cast<double>(x[i]) + h_wanted);
        minus[i] = static_cast<T>(static_cast<double>(x[i]) - h_wanted);
        const double h2 = static_cast<double>(plus[i]) - static_cast<double>(minus[i]);
        const double numeric = (static_cast<double>(f(plus)) - static_cast<double>(f(minus))) / h2;
        const double analytic = static_cast<double>(grad[i]);
        if (!(std::abs(analytic - numeric) <= tol.atol + tol.rtol * std::max(std::abs(analytic), std::abs(numeric))))
            return law_result::fail("coordinate ", i, ": analytic gradient ", analytic, ", central difference ", numeric);
    }
    return law_result::pass();
}

}  // namespace prefrl::testing

#endif  // PREFRL_TESTING_GRADIENT_CHECK_HPP
