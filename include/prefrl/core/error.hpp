#ifndef PREFRL_CORE_ERROR_HPP
#define PREFRL_CORE_ERROR_HPP

/// \file
/// The one exception prefrl throws for bad input, and the checks that build its message.
///
/// Every message names the function, the argument and the offending value, e.g.
///
///     prefrl::preference::dpo: beta must be > 0, got -0.5
///     prefrl::kernel::token_logprobs: labels has 3 entries but logits has 4 rows
///
/// Checks run once per call (on sizes and hyperparameters), never per element in a hot
/// loop; kernels that must look at every element (finiteness) check their per-row results.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace prefrl {

/// Thrown for bad input anywhere in prefrl: sizes that disagree, hyperparameters out of
/// range, NaN where a number is required, an empty batch. Derived from
/// `std::invalid_argument`, so existing handlers for the standard type catch it too.
class invalid_argument : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

namespace detail {

/// Writes one part of a message; floating-point values in the shortest form that reads back.
template <class T>
void append_value(std::ostringstream& out, const T& value) {
    if constexpr (std::floating_point<T>) {
        const double v = static_cast<double>(value);
        if (!std::isfinite(v)) {
            out << v;  // nan, inf, -inf
            return;
        }
        for (int digits = 1; digits <= 17; ++digits) {
            std::ostringstream attempt;
            attempt.precision(digits);
            attempt << v;
            if (digits == 17 || static_cast<T>(std::stod(attempt.str())) == value) {
                out << attempt.str();
                return;
            }
        }
    } else if constexpr (std::same_as<T, bool>) {
        out << (value ? "true" : "false");
    } else {
        out << value;
    }
}

template <class... Parts>
std::string concat(const Parts&... parts) {
    std::ostringstream out;
    (append_value(out, parts), ...);
    return out.str();
}

}  // namespace detail

/// Throws `prefrl::invalid_argument` with the message `function: <parts...>`.
/// Numbers in the parts are printed in the shortest form that reads back exactly.
template <class... Parts>
[[noreturn]] void fail(std::string_view function, const Parts&... parts) {
    throw invalid_argument(detail::concat(function, ": ", parts...));
}

/// Requires `condition`; otherwise throws `function: <parts...>`.
template <class... Parts>
void require(bool condition, std::string_view function, const Parts&... parts) {
    if (!condition) fail(function, parts...);
}

/// Requires `value > 0` (and not NaN): `function: name must be > 0, got value`.
template <class T>
void require_positive(std::string_view function, std::string_view name, T value) {
    if (!(value > T(0))) fail(function, name, " must be > 0, got ", value);
}

/// Requires `value >= 0` (and not NaN): `function: name must be >= 0, got value`.
template <class T>
void require_non_negative(std::string_view function, std::string_view name, T value) {
    if (!(value >= T(0))) fail(function, name, " must be >= 0, got ", value);
}

/// Requires a finite floating-point value: `function: name must be finite, got nan`.
template <std::floating_point T>
void require_finite(std::string_view function, std::string_view name, T value) {
    if (!std::isfinite(value)) fail(function, name, " must be finite, got ", value);
}

/// Requires `lo <= value <= hi`: `function: name must be in [lo, hi], got value`.
template <class T>
void require_in_closed(std::string_view function, std::string_view name, T value, T lo, T hi) {
    if (!(value >= lo && value <= hi))
        fail(function, name, " must be in [", lo, ", ", hi, "], got ", value);
}

/// Requires `lo < value < hi`: `function: name must be in (lo, hi), got value`.
template <class T>
void require_in_open(std::string_view function, std::string_view name, T value, T lo, T hi) {
    if (!(value > lo && value < hi))
        fail(function, name, " must be in (", lo, ", ", hi, "), got ", value);
}

/// Requires `lo <= value < hi`: `function: name must be in [lo, hi), got value`.
template <class T>
void require_in_half_open(std::string_view function, std::string_view name, T value, T lo, T hi) {
    if (!(value >= lo && value < hi))
        fail(function, name, " must be in [", lo, ", ", hi, "), got ", value);
}

/// Requires a non-empty input: `function: name must not be empty`.
inline void require_non_empty(std::string_view function, std::string_view name, std::size_t size) {
    if (size == 0) fail(function, name, " must not be empty");
}

/// Requires two sizes to agree:
/// `function: name has 3 entries but other_name has 4`.
inline void require_same_size(std::string_view function, std::string_view name, std::size_t size,
                              std::string_view other_name, std::size_t other_size) {
    if (size != other_size)
        fail(function, name, " has ", size, " entries but ", other_name, " has ", other_size);
}

}  // namespace prefrl

#endif  // PREFRL_CORE_ERROR_HPP
