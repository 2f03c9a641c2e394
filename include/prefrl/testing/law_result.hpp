#ifndef PREFRL_TESTING_LAW_RESULT_HPP
#define PREFRL_TESTING_LAW_RESULT_HPP

/// \file
/// `prefrl::testing::law_result`: what a law checker returns — passed or not, and why.

#include <sstream>
#include <string>
#include <utility>

namespace prefrl::testing {

/// The outcome of a law check: `passed`, and when it did not pass, a message naming the
/// first case that broke the law (the state, action or coordinate, and both numbers).
///
/// The checkers in `prefrl/testing/` use no test framework; wrap them in yours:
///
///     const auto r = prefrl::testing::check_policy_laws(pi, states);
///     INFO(r.message);   // Catch2; gtest: EXPECT_TRUE(r) << r.message;
///     CHECK(r);
struct law_result {
    bool passed = true;
    std::string message;

    explicit operator bool() const noexcept { return passed; }

    static law_result pass() { return {}; }

    template <class... Parts>
    static law_result fail(const Parts&... parts) {
        std::ostringstream out;
        out.precision(17);
        (out << ... << parts);
        return {false, std::move(out).str()};
    }
};

}  // namespace prefrl::testing

#endif  // PREFRL_TESTING_LAW_RESULT_HPP
