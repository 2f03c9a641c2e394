#ifndef PREFRL_TESTS_SUPPORT_LOGITS_HPP
#define PREFRL_TESTS_SUPPORT_LOGITS_HPP

// Deterministic test logits: scale * sin(0.9 c + 2.1 r) + 0.01 (c mod 17), spread over
// [-scale, scale], different in every row, with no two rows alike.

#include <prefrl/core/types.hpp>

#include <cmath>

namespace prefrl::test {

template <class T>
row_matrix<T> wavy_logits(Eigen::Index rows, Eigen::Index cols, double scale) {
    row_matrix<T> z(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r)
        for (Eigen::Index c = 0; c < cols; ++c)
            z(r, c) = static_cast<T>(scale * std::sin(0.9 * double(c) + 2.1 * double(r)) + 0.01 * double(c % 17));
    return z;
}

}  // namespace prefrl::test

#endif  // PREFRL_TESTS_SUPPORT_LOGITS_HPP
