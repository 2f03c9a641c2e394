#include <catch2/catch.hpp>

#include <prefrl/kernel/logsumexp.hpp>
#include <prefrl/kernel/token_logprobs.hpp>

#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "laws/gradient_laws.hpp"

#include "support/logits.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {

template <class T>
double tol() {
    return std::is_same_v<T, double> ? 1e-14 : 1e-6;
}

}  // namespace

TEMPLATE_TEST_CASE("token log-probs and their gradient by hand", "[kernel]", float, double) {
    using T = TestType;
    prefrl::row_matrix<T> z(3, 3);
    z << T(1), T(2), T(3),   // label 2
        T(0.5), T(-1), T(0),  // masked: not read, label -100 allowed
        T(0.5), T(-1), T(-1000);  // exp(-1000) underflows: log-prob of label 1 is -1 - log(e^0.5 + e^-1)
    const std::vector<prefrl::index_t> labels{2, -100, 1};
    const std::vector<T> mask{T(1), T(0), T(1)};
    const auto lp = prefrl::kernel::token_logprobs(z, labels, mask);
    CHECK(lp[0] == Approx(-0.40760596444438013).epsilon(tol<T>()));
    CHECK(lp[1] == T(0));
    CHECK(lp[2] == Approx(-1.7014132779827524).epsilon(tol<T>()));

    const std::vector<T> upstream{T(2), T(5), T(0)};
    const auto d = prefrl::kernel::token_logprobs_backward(z, labels, mask, upstream);
    CHECK(d(0, 0) == Approx(-0.18006114634076092).epsilon(tol<T>()));
    CHECK(d(0, 1) == Approx(-0.48945694210959534).epsilon(tol<T>()));
    CHECK(d(0, 2) == Approx(0.6695180884503562).epsilon(tol<T>()));
    CHECK(d.row(1).isZero(0));  // masked row
    CHECK(d.row(2).isZero(0));  // upstream 0
}

TEMPLATE_TEST_CASE("token log-prob gradient matches central differences", "[kernel]", float, double) {
    using T = TestType;
    const prefrl::row_matrix<T> z = prefrl::test::wavy_logits<T>(4, 6, 2.0);
    const std::vector<prefrl::index_t> labels{0, 5, 3, 2};
    const std::vector<T> mask{T(1), T(1), T(0), T(0.5)};  // a mask is a weight: 0.5 halves the row
    const std::vector<T> upstream{T(0.7), T(-1.3), T(2.0), T(1.1)};
    auto loss = [&](const prefrl::vector<T>& flat) {
        const prefrl::row_matrix<T> zz = flat.template reshaped<Eigen::RowMajor>(z.rows(), z.cols());
        const auto lp = prefrl::kernel::token_logprobs(zz, labels, mask);
        double s = 0;
        for (Eigen::Index r = 0; r < lp.size(); ++r) s += double(upstream[std::size_t(r)]) * double(lp[r]);
        return static_cast<T>(s);
    };
    const auto d = prefrl::kernel::token_logprobs_backward(z, labels, mask, upstream);
    const prefrl::vector<T> flat = z.template reshaped<Eigen::RowMajor>();
    const prefrl::vector<T> grad = d.template reshaped<Eigen::RowMajor>();
    prefrl::laws::check_gradient<T>(loss, flat, grad);
}

TEMPLATE_TEST_CASE("the backward variants agree", "[kernel]", float, double) {
    using T = TestType;
    const prefrl::row_matrix<T> z = prefrl::test::wavy_logits<T>(9, 3001, 15.0);
    std::vector<prefrl::index_t> labels;
    std::vector<T> mask, upstream;
    for (int r = 0; r < 9; ++r) {
        labels.push_back((r * 977) % 3001);
        mask.push_back(r % 4 == 3 ? T(0) : T(1));
        upstream.push_back(static_cast<T>(0.25 * r - 1.0));
    }
    const auto fwd = prefrl::kernel::token_logprobs_forward(z, labels, mask);
    CHECK(fwd.logprobs == prefrl::kernel::token_logprobs(z, labels, mask));
    const auto lse = prefrl::kernel::row_logsumexp(z);
    for (int r = 0; r < 9; ++r)
        if (mask[std::size_t(r)] != T(0)) CHECK(static_cast<T>(fwd.logsumexp[r]) == lse[r]);

    const prefrl::row_matrix<T> d = prefrl::kernel::token_logprobs_backward(z, labels, mask, upstream);
    // The variants take the exponentials differently (one per entry with the row max as
    // shift, or with the saved log-sum-exp): equal to a few ulps of the largest entry.
    const double ulps = 8 * std::numeric_limits<T>::epsilon() * d.cwiseAbs().maxCoeff();
    auto same = [&](const prefrl::row_matrix<T>& other) { return (other - d).cwiseAbs().maxCoeff() <= ulps; };

    prefrl::row_matrix<T> d_saved = prefrl::row_matrix<T>::Constant(9, 3001, T(7));
    prefrl::kernel::token_logprobs_backward(z, labels, mask, upstream, prefrl::as_span(fwd.logsumexp), d_saved);
    CHECK(same(d_saved));

    prefrl::row_matrix<T> d_fused = prefrl::row_matrix<T>::Constant(9, 3001, T(7));  // stale contents overwritten
    const auto lp_fused = prefrl::kernel::token_logprobs_and_backward(z, labels, mask, upstream, d_fused);
    CHECK(lp_fused == fwd.logprobs);
    CHECK(d_fused == d);  // the same per-row routine as the backward without saved lse

    prefrl::row_matrix<T> in_place = z;  // d_logits may alias logits
    const auto lp_in_place = prefrl::kernel::token_logprobs_and_backward(in_place, labels, mask, upstream, in_place);
    CHECK(lp_in_place == fwd.logprobs);
    CHECK(in_place == d);
    for (Eigen::Index r = 0; r < 9; ++r)
        if (mask[std::size_t(r)] == T(0)) CHECK(d.row(r).isZero(0));
}

TEMPLATE_TEST_CASE("extreme logits give finite, exact log-probs", "[kernel]", float, double) {
    using T = TestType;
    prefrl::row_matrix<T> z(2, 4);
    const T neg_inf = -std::numeric_limits<T>::infinity();
    z << T(1e4), T(-1e4), T(1e4), T(0),  //
        neg_inf, T(-400), neg_inf, T(-401);  // -inf logits are allowed (banned tokens)
    const std::vector<prefrl::index_t> labels{0, 3};
    const std::vector<T> mask{T(1), T(1)};
    const auto lp = prefrl::kernel::token_logprobs(z, labels, mask);
    // z[y] - lse cancels: the log-prob is exact to the rounding of logits of size 1e4
    // (ulp(1e4) = 1e-3 in float, 2e-12 in double), and so is its gradient.
    const double eps = std::numeric_limits<T>::epsilon();
    CHECK(std::abs(lp[0] + std::log(2.0)) <= 1e4 * eps);
    CHECK(std::abs(lp[1] - (-1.0 - std::log1p(std::exp(-1.0)))) <= 401 * eps);
    const auto d = prefrl::kernel::token_logprobs_backward(z, labels, mask, std::vector<T>{T(1), T(1)});
    CHECK(d.allFinite());
    CHECK(std::abs(d(0, 0) - 0.5) <= 1e4 * eps);
    CHECK(std::abs(d(0, 2) + 0.5) <= 1e4 * eps);
    CHECK(std::abs(d(0, 1)) <= std::numeric_limits<T>::min());  // exp(-2e4) underflows
    // Eigen's SIMD exp maps -inf to the smallest normal number, not 0: a banned token gets a
    // gradient of at most 1.2e-38 (float) / 2.2e-308 (double), never NaN.
    CHECK(std::abs(d(1, 0)) <= std::numeric_limits<T>::min());
    CHECK(std::abs(d(1, 3) - std::exp(1.0) / (1.0 + std::exp(1.0))) <= 401 * eps);  // 1 - softmax
    CHECK(std::abs(d(1, 1) + std::exp(1.0) / (1.0 + std::exp(1.0))) <= 401 * eps);
}

TEMPLATE_TEST_CASE("float accumulation over a 128k vocab stays within 1e-5 of double", "[kernel]", float) {
    const prefrl::row_matrix<float> z = prefrl::test::wavy_logits<float>(2, 131072, 10.0);
    const prefrl::row_matrix<double> zd = z.cast<double>();
    const std::vector<prefrl::index_t> labels{17, 131071};
    const auto lf = prefrl::kernel::token_logprobs(z, labels, std::vector<float>{1, 1});
    const auto ld = prefrl::kernel::token_logprobs(zd, labels, std::vector<double>{1, 1});
    for (int r = 0; r < 2; ++r) CHECK(std::abs(double(lf[r]) - ld[r]) <= 1e-5 * std::abs(ld[r]));
}

TEMPLATE_TEST_CASE("bad input to the token kernels throws, naming what is wrong", "[kernel][errors]", float, double) {
    using T = TestType;
    prefrl::row_matrix<T> z = prefrl::test::wavy_logits<T>(3, 4, 1.0);
    const std::vector<prefrl::index_t> labels{0, 1, 2};
    const std::vector<T> mask{T(1), T(1), T(1)};
    const std::vector<T> upstream{T(1), T(1), T(1)};
    using prefrl::kernel::token_logprobs;
    using prefrl::kernel::token_logprobs_backward;

    REQUIRE_THROWS_WITH(token_logprobs(z, std::vector<prefrl::index_t>{0, 1}, mask),
                        "prefrl::kernel::token_logprobs: labels has 2 entries but logits has 3 rows");
    REQUIRE_THROWS_WITH(token_logprobs(z, labels, std::vector<T>{T(1)}),
                        "prefrl::kernel::token_logprobs: mask has 1 entries but logits has 3 rows");
    REQUIRE_THROWS_WITH(token_logprobs(z, std::vector<prefrl::index_t>{0, 4, 1}, mask),
                        "prefrl::kernel::token_logprobs: labels[1] must be in [0, 4) where mask is nonzero, got 4");
    REQUIRE_THROWS_WITH(token_logprobs(z, std::vector<prefrl::index_t>{0, -1, 1}, mask),
                        "prefrl::kernel::token_logprobs: labels[1] must be in [0, 4) where mask is nonzero, got -1");
    REQUIRE_THROWS_WITH(token_logprobs(z, labels, std::vector<T>{T(1), std::numeric_limits<T>::quiet_NaN(), T(1)}),
                        "prefrl::kernel::token_logprobs: mask[1] must be finite, got nan");
    REQUIRE_THROWS_WITH(token_logprobs(prefrl::row_matrix<T>(0, 4), std::vector<prefrl::index_t>{}, std::vector<T>{}),
                        "prefrl::kernel::token_logprobs: logits must not be empty, got 0 x 4");
    REQUIRE_THROWS_WITH(token_logprobs_backward(z, labels, mask, std::vector<T>{T(1)}),
                        "prefrl::kernel::token_logprobs_backward: upstream has 1 entries but logits has 3 rows");
    REQUIRE_THROWS_WITH(token_logprobs_backward(z, labels, mask, std::vector<T>{T(1), std::numeric_limits<T>::infinity(), T(1)}),
                        "prefrl::kernel::token_logprobs_backward: upstream[1] must be finite where mask is nonzero, got inf");
    prefrl::row_matrix<T> wrong(3, 5);
    REQUIRE_THROWS_WITH(token_logprobs_backward(z, labels, mask, upstream, wrong),
                        "prefrl::kernel::token_logprobs_backward: d_logits is 3 x 5 but logits is 3 x 4");
    prefrl::row_matrix<T> d(3, 4);
    REQUIRE_THROWS_WITH(token_logprobs_backward(z, labels, mask, upstream, std::vector<double>{}, d),
                        "prefrl::kernel::token_logprobs_backward: row_logsumexp must not be empty");

    // Non-finite logits where they matter: a used row with NaN or +inf.
    z(2, 3) = std::numeric_limits<T>::quiet_NaN();
    REQUIRE_THROWS_WITH(token_logprobs(z, labels, mask),
                        Catch::StartsWith("prefrl::kernel::token_logprobs: row 2 of logits has no finite log-sum-exp"));
    REQUIRE_THROWS_AS(token_logprobs_backward(z, labels, mask, upstream), prefrl::invalid_argument);
    // ... but not where the mask is 0: that row is never read.
    REQUIRE_NOTHROW(token_logprobs(z, labels, std::vector<T>{T(1), T(1), T(0)}));
    z(2, 3) = std::numeric_limits<T>::infinity();
    REQUIRE_THROWS_AS(token_logprobs(z, labels, mask), prefrl::invalid_argument);
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("token kernels give bitwise identical results on 1 and 2 threads", "[kernel][threads]", float, double) {
    using T = TestType;
    const prefrl::row_matrix<T> z = prefrl::test::wavy_logits<T>(48, 4000, 20.0);
    std::vector<prefrl::index_t> labels;
    std::vector<T> mask, upstream;
    for (int r = 0; r < 48; ++r) {
        labels.push_back((r * 131) % 4000);
        mask.push_back(T(1));
        upstream.push_back(static_cast<T>(0.1 * r));
    }
    omp_set_num_threads(1);
    const auto lp1 = prefrl::kernel::token_logprobs(z, labels, mask);
    const auto d1 = prefrl::kernel::token_logprobs_backward(z, labels, mask, upstream);
    omp_set_num_threads(2);
    const auto lp2 = prefrl::kernel::token_logprobs(z, labels, mask);
    const auto d2 = prefrl::kernel::token_logprobs_backward(z, labels, mask, upstream);
    CHECK(lp1 == lp2);
    CHECK(d1 == d2);
}
#endif
