// Bad input at the public entry points, table-driven: each row calls one entry point with one
// class of bad input (out of range, mismatched sizes, NaN, +-inf, huge sizes, empty) and
// names the message it must throw as a prefrl::invalid_argument. A new entry point or a new
// bad input is one row. The sanitize preset runs this file under AddressSanitizer and
// UndefinedBehaviorSanitizer, so a row that indexes out of bounds instead of throwing fails
// there even where a release build would read garbage silently.
//
// Started with the accessors that indexed without a check (a heap-buffer-overflow for an arm
// or state out of range); the other classes join area by area.

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <prefrl/bandit.hpp>

namespace {

using prefrl::index_t;

struct bad_input {
    std::string entry_point;  // what the user called
    std::string input;        // the bad input, in words
    std::function<void()> call;
    std::string message;  // a substring of what it must throw
};

std::vector<bad_input> accessor_rows() {
    namespace bandit = prefrl::bandit;
    return {
        {"ucb1::index", "arm 3 of 3", [] { (void)bandit::ucb1<double>(3).index(3); },
         "prefrl::bandit::ucb1::index: a must be in [0, 3), got 3"},
        {"ucb1::index", "arm -1", [] { (void)bandit::ucb1<double>(3).index(-1); },
         "prefrl::bandit::ucb1::index: a must be in [0, 3), got -1"},
        {"kl_ucb::index", "arm 5 of 2", [] { (void)bandit::kl_ucb<double>(2).index(5); },
         "prefrl::bandit::kl_ucb::index: a must be in [0, 2), got 5"},
        {"online_linear_oracle::theta", "arm 2 of 2", [] { (void)bandit::online_linear_oracle<double>(2, 3).theta(2); },
         "prefrl::bandit::online_linear_oracle::theta: arm must be in [0, 2), got 2"},
        {"arm_statistics::count", "arm 4 of 4", [] { (void)bandit::arm_statistics(4).count(4); },
         "prefrl::bandit::arm_statistics::count: a must be in [0, 4), got 4"},
        {"arm_statistics::mean", "arm -2", [] { (void)bandit::arm_statistics(4).mean(-2); },
         "prefrl::bandit::arm_statistics::count: a must be in [0, 4), got -2"},
    };
}

}  // namespace

TEST_CASE("accessors refuse an index out of range, naming the member function, the argument and the value", "[robustness][errors]") {
    for (const auto& row : accessor_rows()) {
        INFO(row.entry_point << " with " << row.input);
        REQUIRE_THROWS_AS(row.call(), prefrl::invalid_argument);
        REQUIRE_THROWS_WITH(row.call(), Catch::Matchers::Contains(row.message));
    }
}

TEST_CASE("the accessors still answer in range", "[robustness]") {
    prefrl::bandit::ucb1<double> ucb(3);
    CHECK(ucb.index(2) == std::numeric_limits<double>::infinity());  // untried
    ucb.update(2, 0.5);
    CHECK(std::isfinite(ucb.index(2)));
    CHECK(prefrl::bandit::kl_ucb<double>(2).index(1) == std::numeric_limits<double>::infinity());
    CHECK(prefrl::bandit::online_linear_oracle<double>(2, 3).theta(1).size() == 3);
}
