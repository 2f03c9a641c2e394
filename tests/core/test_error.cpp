#include <catch2/catch.hpp>

#include <prefrl/core/error.hpp>

#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

template <class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const prefrl::invalid_argument& e) {
        return e.what();
    }
    return "(nothing thrown)";
}

}  // namespace

TEST_CASE("invalid_argument is a std::invalid_argument") {
    REQUIRE_THROWS_AS(prefrl::fail("f", "x"), std::invalid_argument);
    REQUIRE_THROWS_AS(prefrl::fail("f", "x"), prefrl::invalid_argument);
}

TEST_CASE("messages name the function, the argument and the value") {
    CHECK(message_of([] { prefrl::require_positive("prefrl::preference::dpo", "beta", -0.5); }) ==
          "prefrl::preference::dpo: beta must be > 0, got -0.5");
    CHECK(message_of([] { prefrl::require_positive("prefrl::preference::dpo", "beta", 0.1f - 0.2f); }) ==
          "prefrl::preference::dpo: beta must be > 0, got -0.1");
    CHECK(message_of([] { prefrl::require_positive("f", "beta", std::numeric_limits<double>::quiet_NaN()); }) ==
          "f: beta must be > 0, got nan");
    CHECK(message_of([] { prefrl::require_non_negative("f", "alpha", -1); }) == "f: alpha must be >= 0, got -1");
    CHECK(message_of([] { prefrl::require_finite("f", "x", std::numeric_limits<float>::infinity()); }) ==
          "f: x must be finite, got inf");
    CHECK(message_of([] { prefrl::require_in_open("f", "tau", 1.0, 0.0, 1.0); }) ==
          "f: tau must be in (0, 1), got 1");
    CHECK(message_of([] { prefrl::require_in_closed("f", "m", 1.5, 0.0, 1.0); }) == "f: m must be in [0, 1], got 1.5");
    CHECK(message_of([] { prefrl::require_in_half_open("f", "label_smoothing", 0.5, 0.0, 0.5); }) ==
          "f: label_smoothing must be in [0, 0.5), got 0.5");
    CHECK(message_of([] { prefrl::require_non_empty("f", "chosen", 0); }) == "f: chosen must not be empty");
    CHECK(message_of([] { prefrl::require_same_size("f", "chosen", 3, "rejected", 4); }) ==
          "f: chosen has 3 entries but rejected has 4");
    CHECK(message_of([] { prefrl::require(false, "f", "flag is ", true); }) == "f: flag is true");
}

TEST_CASE("checks pass on valid values") {
    REQUIRE_NOTHROW(prefrl::require_positive("f", "beta", 0.1));
    REQUIRE_NOTHROW(prefrl::require_non_negative("f", "alpha", 0.0));
    REQUIRE_NOTHROW(prefrl::require_in_open("f", "tau", 0.7, 0.0, 1.0));
    REQUIRE_NOTHROW(prefrl::require_in_half_open("f", "ls", 0.0, 0.0, 0.5));
    REQUIRE_NOTHROW(prefrl::require_same_size("f", "a", 2, "b", 2));
}

TEST_CASE("numbers print in the shortest form that reads back") {
    CHECK(prefrl::detail::concat(0.1) == "0.1");
    CHECK(prefrl::detail::concat(1e-300) == "1e-300");
    CHECK(prefrl::detail::concat(0.1f) == "0.1");
    CHECK(prefrl::detail::concat(1.0 / 3.0) == "0.3333333333333333");
    CHECK(prefrl::detail::concat(-std::numeric_limits<double>::infinity()) == "-inf");
    CHECK(prefrl::detail::concat(std::numeric_limits<double>::quiet_NaN()) == "nan");
    CHECK(prefrl::detail::concat(1e300) == "1e+300");
    CHECK(prefrl::detail::concat(-2.5f) == "-2.5");
    CHECK(prefrl::detail::concat(16777217.0) == "16777217");
    // a subnormal reads back too (std::stod threw std::out_of_range on it)
    CHECK(prefrl::detail::concat(std::numeric_limits<double>::denorm_min()) == "5e-324");
    CHECK(prefrl::detail::concat(std::numeric_limits<float>::denorm_min()) == "1e-45");
}

TEST_CASE("message parts: text, booleans, characters and integers") {
    const std::string name = "beta";
    const std::string_view unit = " rows";
    CHECK(prefrl::detail::concat("f: ", name, " is ", -3, unit) == "f: beta is -3 rows");
    CHECK(prefrl::detail::concat(true, ' ', false) == "true false");
    CHECK(prefrl::detail::concat(std::numeric_limits<long long>::min()) == "-9223372036854775808");
    CHECK(prefrl::detail::concat(std::numeric_limits<std::size_t>::max()) == "18446744073709551615");
    CHECK(prefrl::detail::concat(static_cast<unsigned char>(7), static_cast<short>(-2)) == "7-2");
}
