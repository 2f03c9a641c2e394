#include <catch2/catch.hpp>

#include <prefrl/core/math.hpp>
#include <prefrl/detail/array_math.hpp>

#include <Eigen/Core>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

// Reference values: closed forms evaluated in long double, or known limits.
// The stable forms must be exact (to a few ulps) over |x| <= 1e4, where naive formulas
// overflow (exp(1e4) = inf) or cancel (1 - exp(-1e-10)).

namespace {

template <class T>
bool close(T actual, long double expected, double ulps = 4) {
    if (std::isinf(expected)) return actual == static_cast<T>(expected);
    const long double diff = std::abs(static_cast<long double>(actual) - expected);
    const long double scale = std::max(std::abs(expected), static_cast<long double>(std::numeric_limits<T>::min()));
    return diff <= ulps * std::numeric_limits<T>::epsilon() * scale;
}

}  // namespace

TEMPLATE_TEST_CASE("sigmoid is exact over the whole range", "[math]", float, double) {
    using T = TestType;
    for (long double x0 : {-1e4L, -700.0L, -80.0L, -20.0L, -1.0L, -1e-8L, 0.0L, 1e-8L, 1.0L, 20.0L, 80.0L, 1e4L}) {
        const long double x = static_cast<T>(x0);  // the value the function actually sees
        const long double expected = 1.0L / (1.0L + std::exp(-x));
        INFO("x = " << static_cast<double>(x));
        if (expected < static_cast<long double>(std::numeric_limits<T>::min())) {
            CHECK(prefrl::sigmoid(static_cast<T>(x)) <= std::numeric_limits<T>::min());
        } else {
            CHECK(close(prefrl::sigmoid(static_cast<T>(x)), expected));
        }
    }
    CHECK(prefrl::sigmoid(T(1e4)) == T(1));
    CHECK(prefrl::sigmoid(T(-1e4)) == T(0));
    CHECK(prefrl::sigmoid(-std::numeric_limits<T>::infinity()) == T(0));
    CHECK(prefrl::sigmoid(std::numeric_limits<T>::infinity()) == T(1));
}

TEMPLATE_TEST_CASE("log_sigmoid and softplus are exact at the extremes", "[math]", float, double) {
    using T = TestType;
    // log sigma(x) = -log1p(exp(-x)) for x >= 0, x - log1p(exp(x)) for x < 0.
    for (long double x0 : {-1e4L, -1e3L, -50.0L, -5.0L, -1e-6L, 0.0L, 1e-6L, 5.0L, 50.0L, 1e3L}) {
        const long double x = static_cast<T>(x0);  // the value the function actually sees
        const long double expected = x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
        INFO("x = " << static_cast<double>(x));
        CHECK(close(prefrl::log_sigmoid(static_cast<T>(x)), expected));
        CHECK(close(prefrl::softplus(static_cast<T>(-x)), -expected));
    }
    CHECK(prefrl::log_sigmoid(T(-1e4)) == T(-1e4));
    CHECK(prefrl::softplus(T(1e4)) == T(1e4));
    CHECK(prefrl::log_sigmoid(T(1e4)) == T(0));  // -exp(-1e4) underflows to -0
    CHECK(prefrl::log_sigmoid(T(40)) < T(0));    // -4.2e-18: not rounded to 0 in double
    CHECK(prefrl::log_sigmoid(-std::numeric_limits<T>::infinity()) == -std::numeric_limits<T>::infinity());
    CHECK(prefrl::softplus(std::numeric_limits<T>::infinity()) == std::numeric_limits<T>::infinity());
    CHECK(std::isnan(prefrl::log_sigmoid(std::numeric_limits<T>::quiet_NaN())));
}

TEMPLATE_TEST_CASE("log1mexp keeps full precision near 0 and far from it", "[math]", float, double) {
    using T = TestType;
    for (long double x0 : {-1e-10L, -1e-4L, -0.5L, -0.6931L, -0.7L, -1.0L, -10.0L, -50.0L, -1e4L}) {
        const long double x = static_cast<T>(x0);  // the value the function actually sees
        // Reference in long double, each form where it is accurate (expm1 loses e^x < 1e-19).
        const long double expected = x > -0.5L ? std::log(-std::expm1(x)) : std::log1p(-std::exp(x));
        INFO("x = " << static_cast<double>(x));
        CHECK(close(prefrl::log1mexp(static_cast<T>(x)), expected, 8));
    }
    CHECK(prefrl::log1mexp(T(0)) == -std::numeric_limits<T>::infinity());
    CHECK(prefrl::log1mexp(T(-1e4)) == T(0));
    CHECK(std::isnan(prefrl::log1mexp(T(1))));
}

TEMPLATE_TEST_CASE("log_add_exp and logsumexp do not overflow", "[math]", float, double) {
    using T = TestType;
    const T inf = std::numeric_limits<T>::infinity();
    CHECK(close(prefrl::log_add_exp(T(1e4), T(1e4)), 1e4L + std::log(2.0L)));
    CHECK(close(prefrl::log_add_exp(T(-1e4), T(-1e4)), -1e4L + std::log(2.0L)));
    CHECK(close(prefrl::log_add_exp(T(0), T(-1e4)), 0.0L + std::exp(-1e4L)));
    CHECK(close(prefrl::log_add_exp(T(2), T(3)), std::log(std::exp(2.0L) + std::exp(3.0L))));
    CHECK(prefrl::log_add_exp(-inf, -inf) == -inf);
    CHECK(prefrl::log_add_exp(inf, T(0)) == inf);
    CHECK(prefrl::log_add_exp(-inf, T(2)) == T(2));

    const std::vector<T> big{T(1e4), T(1e4), T(1e4 - 1)};
    CHECK(close(prefrl::logsumexp<T>(big), 1e4L + std::log(2.0L + std::exp(-1.0L))));
    const std::vector<T> small{T(-1e4), T(-1e4 - 2)};
    CHECK(close(prefrl::logsumexp<T>(small), -1e4L + std::log1p(std::exp(-2.0L))));
    const std::vector<T> all_neg_inf{-inf, -inf};
    CHECK(prefrl::logsumexp<T>(all_neg_inf) == -inf);
    const std::vector<T> with_nan{T(1), std::numeric_limits<T>::quiet_NaN()};
    CHECK(std::isnan(prefrl::logsumexp<T>(with_nan)));
    REQUIRE_THROWS_AS(prefrl::logsumexp<T>(std::vector<T>{}), prefrl::invalid_argument);
}

TEMPLATE_TEST_CASE("float logsumexp of 128k entries stays within 1e-5 relative of double", "[math]", float) {
    std::vector<float> xf(131072);
    std::vector<double> xd(xf.size());
    for (std::size_t i = 0; i < xf.size(); ++i) {
        xf[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)) * 8.0);
        xd[i] = static_cast<double>(xf[i]);
    }
    const double expected = prefrl::logsumexp<double>(xd);
    CHECK(std::abs(static_cast<double>(prefrl::logsumexp<float>(xf)) - expected) <= 1e-5 * std::abs(expected));
}

// The array forms (prefrl/detail/array_math.hpp) run the pair losses in SIMD registers: on
// 2000+ points they must match long double references as the scalar forms do. Values whose
// reference is below the smallest normal number only need to be that small (Eigen's exp
// saturates near the bottom of the range instead of returning a subnormal).
TEMPLATE_TEST_CASE("array forms of the stable functions are exact, element by element", "[math][array]", float, double) {
    using T = TestType;
    using A = Eigen::Array<T, Eigen::Dynamic, 1>;
    std::vector<T> grid;
    for (int k = -800; k <= 400; ++k) {
        const long double magnitude = std::pow(10.0L, k / 100.0L);  // 1e-8 .. 1e4
        grid.push_back(static_cast<T>(magnitude));
        grid.push_back(static_cast<T>(-magnitude));
    }
    grid.push_back(T(0));
    const A x = Eigen::Map<const A>(grid.data(), static_cast<Eigen::Index>(grid.size()));
    auto check_all = [&](const char* name, const A& actual, const std::function<long double(long double)>& reference,
                         const std::function<bool(long double)>& in_domain, double ulps = 8) {
        for (Eigen::Index i = 0; i < x.size(); ++i) {
            const long double xi = x[i];
            if (!in_domain(xi)) continue;
            const long double expected = reference(xi);
            INFO(name << "(" << static_cast<double>(xi) << "): actual " << actual[i] << ", expected "
                      << static_cast<double>(expected));
            if (std::isfinite(static_cast<double>(expected)) &&
                std::abs(expected) < static_cast<long double>(std::numeric_limits<T>::min())) {
                CHECK(std::abs(actual[i]) <= 4 * std::numeric_limits<T>::min());
            } else {
                CHECK(close(actual[i], expected, ulps));
            }
        }
    };
    auto everywhere = [](long double) { return true; };
    auto sigmoid = [](long double v) { return v >= 0 ? 1.0L / (1.0L + std::exp(-v)) : std::exp(v) / (1.0L + std::exp(v)); };
    auto log_sigmoid = [](long double v) { return std::min(v, 0.0L) - std::log1p(std::exp(-std::abs(v))); };
    const auto l = prefrl::detail::logistic_of(x);
    check_all("logistic_of.sigmoid", l.sigmoid, sigmoid, everywhere);
    check_all("logistic_of.sigmoid_neg", l.sigmoid_neg, [&](long double v) { return sigmoid(-v); }, everywhere);
    check_all("logistic_of.log_sigmoid", l.log_sigmoid, log_sigmoid, everywhere);
    check_all("logistic_of.log_sigmoid_neg", l.log_sigmoid_neg, [&](long double v) { return log_sigmoid(-v); }, everywhere);
    check_all("log1p", prefrl::detail::log1p_array(x), [](long double v) { return std::log1p(v); },
              [](long double v) { return v > -0.999L; });
    check_all("expm1", prefrl::detail::expm1_array(x), [](long double v) { return std::expm1(v); },
              [](long double v) { return v <= 0; });  // its domain
    // the reference switches form at -ln 2 too: log(1 - tiny) in long double would lose digits
    check_all("log1mexp", prefrl::detail::log1mexp_array(x),
              [](long double v) { return v > -0.6931L ? std::log(-std::expm1(v)) : std::log1p(-std::exp(v)); },
              [](long double v) { return v < 0; });
}
