#ifndef PREFRL_GRPO_OWNING_TOKEN_BATCH_HPP
#define PREFRL_GRPO_OWNING_TOKEN_BATCH_HPP

/// \file
/// A token batch that owns its arrays: the safe way to build a batch from temporaries.

#include <concepts>
#include <utility>
#include <vector>

#include "prefrl/core/types.hpp"
#include "prefrl/grpo/token_batch.hpp"

namespace prefrl::grpo {

/// **An owning token batch**: holds its arrays and is a `token_batch` viewing them, so
/// `policy_loss`, `from_logits` and `from_hidden` take it as they take a `token_batch`, and a
/// batch built from temporaries cannot outlive its data:
///
///     const grpo::owning_token_batch<double> batch({.completions = 2, .steps = 2,
///                                                   .logps = {-1.0, -2.0, -0.5, -0.7},
///                                                   .mask = {1, 1, 1, 0}, .advantages = {1.0, -1.0}});
///     auto r = grpo::policy_loss{}(batch);
///
/// A `token_batch` is a view: `token_batch<double>{.logps = std::vector<double>{...}, ...}`
/// compiles and reads freed memory once the statement ends. Copies re-point at their own arrays.
template <std::floating_point T>
class owning_token_batch : public token_batch<T> {
public:
    /// The sizes and the arrays, by `token_batch`'s field names (an empty array: absent).
    struct columns {
        // each with a default initializer, so that designated initializers may leave any out (-Wextra)
        index_t completions = 0, steps = 0;
        std::vector<T> logps = {}, mask = {}, advantages = {};
        std::vector<T> old_logps = {}, ref_logps = {};
    };

    owning_token_batch() = default;
    explicit owning_token_batch(columns data) : data_(std::move(data)) { bind(); }
    owning_token_batch(const owning_token_batch& other) : token_batch<T>(), data_(other.data_) { bind(); }
    owning_token_batch(owning_token_batch&& other) noexcept : token_batch<T>(), data_(std::move(other.data_)) {
        bind();
        other.bind();
    }
    owning_token_batch& operator=(const owning_token_batch& other) {
        if (this != &other) {
            data_ = other.data_;
            bind();
        }
        return *this;
    }
    owning_token_batch& operator=(owning_token_batch&& other) noexcept {
        if (this != &other) {
            data_ = std::move(other.data_);
            bind();
            other.bind();
        }
        return *this;
    }
    ~owning_token_batch() = default;

    /// The sizes and arrays this batch owns (read-only: the views point into them).
    [[nodiscard]] const columns& data() const { return data_; }

private:
    void bind() {
        token_batch<T>& v = *this;
        v = token_batch<T>{.completions = data_.completions,
                           .steps = data_.steps,
                           .logps = data_.logps,
                           .mask = data_.mask,
                           .advantages = data_.advantages,
                           .old_logps = data_.old_logps,
                           .ref_logps = data_.ref_logps};
    }
    columns data_;
};

}  // namespace prefrl::grpo

#endif  // PREFRL_GRPO_OWNING_TOKEN_BATCH_HPP
