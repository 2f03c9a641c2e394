// The row of a table-driven bad-input test: what is called, the call, and the substrings its
// prefrl::invalid_argument message must contain (the function the user called, the argument).
#ifndef PREFRL_TESTS_ROBUSTNESS_BATTERY_HPP
#define PREFRL_TESTS_ROBUSTNESS_BATTERY_HPP

#include <catch2/catch.hpp>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <prefrl/core/error.hpp>

namespace prefrl_battery {

inline constexpr double inf = std::numeric_limits<double>::infinity();
inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct row {
    std::string what;
    std::function<void()> call;
    std::vector<std::string> message;  // substrings the message must contain
};

inline void check(const std::vector<row>& rows) {
    for (const auto& r : rows) {
        INFO(r.what);
        CHECK_THROWS_AS(r.call(), prefrl::invalid_argument);
        try {
            r.call();
        } catch (const prefrl::invalid_argument& e) {
            for (const auto& part : r.message) {
                INFO("message: " << e.what());
                CHECK(std::string(e.what()).find(part) != std::string::npos);
            }
        }
    }
}

}  // namespace prefrl_battery

#endif  // PREFRL_TESTS_ROBUSTNESS_BATTERY_HPP
