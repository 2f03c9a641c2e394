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

// Central differences for a loss of hidden states and an output projection (the fused linear
// losses): `value(hidden, weight)` against the gradients the loss wrote.
template <class F>
void check_hidden_and_weight_gradients(F&& value, const row_matrix<double>& hidden, const row_matrix<double>& weight,
                                       const row_matrix<double>& d_hidden, const row_matrix<double>& d_weight) {
    using map = Eigen::Map<const row_matrix<double>>;
    const auto flat = [](const row_matrix<double>& m) { return vector<double>(m.reshaped<Eigen::RowMajor>()); };
    check_gradient<double>(
        [&](const vector<double>& x) { return value(row_matrix<double>(map(x.data(), hidden.rows(), hidden.cols())), weight); },
        flat(hidden), flat(d_hidden));
    check_gradient<double>(
        [&](const vector<double>& x) { return value(hidden, row_matrix<double>(map(x.data(), weight.rows(), weight.cols()))); },
        flat(weight), flat(d_weight));
}

}  // namespace prefrl::laws

#endif  // PREFRL_TESTS_LAWS_GRADIENT_LAWS_HPP
