#include <catch2/catch.hpp>

#include <prefrl/interop/xtensor.hpp>
#include <prefrl/kernel/logsumexp.hpp>

#include <xtensor/xbuilder.hpp>

TEST_CASE("xtensor and Eigen views share memory") {
    xt::xtensor<double, 2> x = {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}};
    auto m = prefrl::interop::as_eigen(x);
    REQUIRE(m.rows() == 2);
    REQUIRE(m.cols() == 3);
    REQUIRE(m(1, 0) == 4.0);
    REQUIRE(m.data() == x.data());

    auto w = prefrl::interop::as_eigen(x);  // non-const overload: writable
    w(0, 0) = 10.0;
    REQUIRE(x(0, 0) == 10.0);

    xt::xtensor<float, 1> v = {1.0f, 2.0f};
    REQUIRE(prefrl::interop::as_span(v).data() == v.data());
    REQUIRE(prefrl::interop::as_eigen(v)[1] == 2.0f);

    const prefrl::vector<double> lse = prefrl::kernel::row_logsumexp(prefrl::interop::as_eigen(x));
    auto view = prefrl::interop::as_xtensor(lse);
    REQUIRE(view.size() == 2);
    REQUIRE(view(1) == lse[1]);
    REQUIRE(&view(0) == lse.data());

    const prefrl::row_matrix<double> r = prefrl::interop::as_eigen(x);
    auto rv = prefrl::interop::as_xtensor(r);
    REQUIRE(rv.shape()[0] == 2);
    REQUIRE(rv(1, 2) == 6.0);
}
