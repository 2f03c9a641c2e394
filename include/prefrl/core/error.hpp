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
#include <initializer_list>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace prefrl {

/// Thrown for bad input anywhere in prefrl: sizes that disagree, hyperparameters out of
/// range, NaN where a number is required, an empty batch. Derived from
/// `std::invalid_argument`, so existing handlers for the standard type catch it too.
class invalid_argument : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

namespace detail {

/// Appends a floating-point value in the shortest `%g` form that reads back as the same `T`
/// (nan, inf and -inf as the standard streams print them). One function per floating type,
/// not per message.
template <std::floating_point T>
void append_floating(std::string& out, T value) {
    const auto v = static_cast<double>(value);
    char text[64];
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(text, sizeof text, "%.*g", digits, v);
        if (!std::isfinite(v) || digits == 17 || static_cast<T>(std::strtod(text, nullptr)) == value) break;
    }
    out += text;
}

/// Appends an integer in decimal.
inline void append_integer(std::string& out, long long value) { out += std::to_string(value); }
inline void append_integer(std::string& out, unsigned long long value) { out += std::to_string(value); }

/// One part of a message, as text: strings as they are (viewed, not copied), `true` /
/// `false`, integers in decimal, floating-point values in the shortest form that reads back,
/// anything else through its `operator<<`.
class message_part {
public:
    template <class T>
    message_part(const T& value) {  // NOLINT: implicit, so that concat's parts convert
        if constexpr (std::is_convertible_v<const T&, std::string_view>) {
            view_ = std::string_view(value);
            return;
        } else if constexpr (std::same_as<T, bool>) {
            view_ = value ? "true" : "false";
            return;
        } else if constexpr (std::same_as<T, char>) {
            text_.assign(1, value);
        } else if constexpr (std::integral<T> && std::is_signed_v<T>) {
            append_integer(text_, static_cast<long long>(value));
        } else if constexpr (std::integral<T>) {
            append_integer(text_, static_cast<unsigned long long>(value));
        } else if constexpr (std::floating_point<T>) {
            append_floating(text_, value);
        } else {
            std::ostringstream out;
            out << value;
            text_ = out.str();
        }
        view_ = text_;
    }
    message_part(const message_part&) = delete;
    message_part& operator=(const message_part&) = delete;

    [[nodiscard]] std::string_view text() const { return view_; }

private:
    std::string text_;
    std::string_view view_;
};

/// The parts joined: one function for every message (the checks instantiate only the
/// conversions of their parts, which keeps their compile time small).
inline std::string join_message(std::initializer_list<message_part> parts) {
    std::size_t size = 0;
    for (const message_part& part : parts) size += part.text().size();
    std::string out;
    out.reserve(size);
    for (const message_part& part : parts) out += part.text();
    return out;
}

template <class... Parts>
std::string concat(const Parts&... parts) {
    return join_message({parts...});
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

/// Requires `value > 0`, not NaN and, for floating point, not +inf (a hyperparameter of +inf
/// turns a loss into NaN): `function: name must be > 0, got value` / `must be finite, got inf`.
/// Where +inf means "off" (a clip threshold), check with `require` instead.
template <class T>
void require_positive(std::string_view function, std::string_view name, T value) {
    if (!(value > T(0))) fail(function, name, " must be > 0, got ", value);
    if constexpr (std::floating_point<T>)
        if (std::isinf(value)) fail(function, name, " must be finite, got ", value);
}

/// Requires `value >= 0`, not NaN and, for floating point, not +inf:
/// `function: name must be >= 0, got value` / `must be finite, got inf`.
template <class T>
void require_non_negative(std::string_view function, std::string_view name, T value) {
    if (!(value >= T(0))) fail(function, name, " must be >= 0, got ", value);
    if constexpr (std::floating_point<T>)
        if (std::isinf(value)) fail(function, name, " must be finite, got ", value);
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

/// `static_cast<T>(value)` of a finite double hyperparameter, requiring that it stays finite in
/// T (1e300 overflows float): `function: name = 1e+300 is not finite in float`.
template <std::floating_point T>
T hyperparameter_in(std::string_view function, std::string_view name, double value) {
    const T out = static_cast<T>(value);
    if (std::isfinite(value) && !std::isfinite(out))
        fail(function, name, " = ", value, " is not finite in ", sizeof(T) == sizeof(float) ? "float" : "this precision");
    return out;
}

/// Requires `0 <= index < size`: `function: name must be in [0, size), got index`.
template <std::integral I, std::integral S>
void require_index(std::string_view function, std::string_view name, I index, S size) {
    if (!std::in_range<long long>(index) || !std::in_range<long long>(size) || static_cast<long long>(index) < 0 ||
        static_cast<long long>(index) >= static_cast<long long>(size))
        fail(function, name, " must be in [0, ", size, "), got ", index);
}

/// `a + b` for sizes >= 0, or `function: what = a + b overflows` where the sum does not fit.
template <std::integral I>
I checked_size_sum(std::string_view function, std::string_view what, I a, I b) {
    if (a < I(0) || b < I(0)) fail(function, what, " must be >= 0, got ", a, " + ", b);
    if (a > std::numeric_limits<I>::max() - b)
        fail(function, what, " = ", a, " + ", b, " overflows ", std::numeric_limits<I>::max());
    return static_cast<I>(a + b);
}

/// `a * b` for sizes >= 0, or `function: what = a * b overflows` where the product does not fit.
template <std::integral I>
I checked_size_product(std::string_view function, std::string_view what, I a, I b) {
    if (a < I(0) || b < I(0)) fail(function, what, " must be >= 0, got ", a, " * ", b);
    if (b != I(0) && a > std::numeric_limits<I>::max() / b)
        fail(function, what, " = ", a, " * ", b, " overflows ", std::numeric_limits<I>::max());
    return static_cast<I>(a * b);
}

}  // namespace prefrl

#endif  // PREFRL_CORE_ERROR_HPP
