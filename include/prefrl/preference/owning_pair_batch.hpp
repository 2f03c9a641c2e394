#ifndef PREFRL_PREFERENCE_OWNING_PAIR_BATCH_HPP
#define PREFRL_PREFERENCE_OWNING_PAIR_BATCH_HPP

/// \file
/// A pair batch that owns its arrays: the safe way to build a batch from temporaries.

#include <concepts>
#include <utility>
#include <vector>

#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **An owning pair batch**: holds its arrays and is a `pair_batch` viewing them, so every loss
/// and `weighted_sum` take it as they take a `pair_batch`, and a batch built from temporaries
/// cannot outlive its data:
///
///     const pref::owning_pair_batch<double> batch({.chosen = {-1.0, -2.0}, .rejected = {-2.0, -1.5},
///                                                 .ref_chosen = {-1.2, -2.1}, .ref_rejected = {-1.9, -1.4}});
///     auto r = pref::dpo{.beta = 0.1}(batch);
///
/// A `pair_batch` is a view: its spans must outlive it (`pair_batch<double>{std::vector<double>{...}}`
/// compiles and reads freed memory once the statement ends). Copies re-point at their own arrays.
template <std::floating_point T>
class owning_pair_batch : public pair_batch<T> {
public:
    /// The arrays, by field name (empty: absent, as in `pair_batch`).
    struct columns {
        // each with a default initializer, so that designated initializers may leave any out (-Wextra)
        std::vector<T> chosen = {}, rejected = {};
        std::vector<T> ref_chosen = {}, ref_rejected = {};
        std::vector<T> chosen_length = {}, rejected_length = {};
        std::vector<T> anchor_chosen = {}, anchor_rejected = {};
        std::vector<T> win_chosen = {}, win_rejected = {};
        std::vector<T> target = {};
        std::vector<T> weight = {};
    };

    owning_pair_batch() = default;
    explicit owning_pair_batch(columns data) : data_(std::move(data)) { bind(); }
    owning_pair_batch(const owning_pair_batch& other) : pair_batch<T>(), data_(other.data_) { bind(); }
    owning_pair_batch(owning_pair_batch&& other) noexcept : pair_batch<T>(), data_(std::move(other.data_)) {
        bind();
        other.bind();
    }
    owning_pair_batch& operator=(const owning_pair_batch& other) {
        if (this != &other) {
            data_ = other.data_;
            bind();
        }
        return *this;
    }
    owning_pair_batch& operator=(owning_pair_batch&& other) noexcept {
        if (this != &other) {
            data_ = std::move(other.data_);
            bind();
            other.bind();
        }
        return *this;
    }
    ~owning_pair_batch() = default;

    /// The arrays this batch owns (read-only: the views point into them).
    [[nodiscard]] const columns& data() const { return data_; }

private:
    void bind() {
        pair_batch<T>& v = *this;
        v = pair_batch<T>{data_.chosen,        data_.rejected,      data_.ref_chosen, data_.ref_rejected,
                          data_.chosen_length, data_.rejected_length, data_.anchor_chosen, data_.anchor_rejected,
                          data_.win_chosen,    data_.win_rejected,  data_.target,     data_.weight};
    }
    columns data_;
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_OWNING_PAIR_BATCH_HPP
