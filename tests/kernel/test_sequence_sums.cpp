#include <catch2/catch.hpp>

#include <prefrl/kernel/sequence_sums.hpp>

#include <vector>

TEMPLATE_TEST_CASE("sequence sums by hand", "[kernel]", float, double) {
    using T = TestType;
    const std::vector<T> values{T(1), T(2), T(3), T(4), T(5), T(6)};
    const auto fixed = prefrl::kernel::sequence_sums<T>(values, 3);
    REQUIRE(fixed.size() == 2);
    CHECK(fixed[0] == T(6));
    CHECK(fixed[1] == T(15));
    const std::vector<prefrl::index_t> lengths{1, 0, 5};
    const auto variable = prefrl::kernel::sequence_sums<T>(values, lengths);
    CHECK(variable[0] == T(1));
    CHECK(variable[1] == T(0));
    CHECK(variable[2] == T(20));

    const prefrl::vector<T> as_eigen = prefrl::as_eigen<T>(values);
    CHECK(prefrl::kernel::sequence_sums(as_eigen, 2) == prefrl::kernel::sequence_sums<T>(values, 2));
    CHECK(prefrl::kernel::sequence_sums(as_eigen, lengths) == variable);

    const auto spread = prefrl::kernel::sequence_broadcast<T>(std::vector<T>{T(1), T(-2)}, 3);
    REQUIRE(spread.size() == 6);
    CHECK(spread[2] == T(1));
    CHECK(spread[3] == T(-2));
}

TEST_CASE("float sequence sums are accumulated in double") {
    std::vector<float> values(1 << 20, 0.1f);
    values[0] = 1e6f;
    const auto s = prefrl::kernel::sequence_sums<float>(values, static_cast<prefrl::index_t>(values.size()));
    const double expected = 1e6 + (static_cast<double>(values.size()) - 1) * static_cast<double>(0.1f);
    CHECK(std::abs(static_cast<double>(s[0]) - expected) <= 1e-7 * expected);
}

TEST_CASE("bad input to sequence sums throws") {
    const std::vector<double> values{1, 2, 3, 4};
    REQUIRE_THROWS_WITH(prefrl::kernel::sequence_sums<double>(values, 3),
                        "prefrl::kernel::sequence_sums: values has 4 entries, not a multiple of steps = 3");
    REQUIRE_THROWS_WITH(prefrl::kernel::sequence_sums<double>(values, 0),
                        "prefrl::kernel::sequence_sums: steps must be > 0, got 0");
    REQUIRE_THROWS_WITH(prefrl::kernel::sequence_sums<double>(values, std::vector<prefrl::index_t>{2, 1}),
                        "prefrl::kernel::sequence_sums: lengths add up to 3 but values has 4 entries");
    REQUIRE_THROWS_WITH(prefrl::kernel::sequence_sums<double>(values, std::vector<prefrl::index_t>{5, -1}),
                        "prefrl::kernel::sequence_sums: lengths[1] must be >= 0, got -1");
    REQUIRE_THROWS_WITH(prefrl::kernel::sequence_sums<double>(std::vector<double>{}, 2),
                        "prefrl::kernel::sequence_sums: values must not be empty");
}
