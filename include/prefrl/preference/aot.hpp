#ifndef PREFRL_PREFERENCE_AOT_HPP
#define PREFRL_PREFERENCE_AOT_HPP

/// \file
/// AOT: alignment via optimal transport, paired and unpaired (TRL loss_type "aot", "aot_pair").

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/detail/array_math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::detail {

/// Maps a double to an unsigned key with the same order (negative values flipped, -0 read
/// as +0), and back.
inline std::uint64_t order_key(double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v == 0.0 ? 0.0 : v);
    return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
}
inline double order_key_value(std::uint64_t key) {
    return std::bit_cast<double>((key >> 63) != 0 ? key & ~(std::uint64_t{1} << 63) : ~key);
}

/// Sorts `keys` ascending, carrying `order` along, stably (ties keep their order): a
/// least-significant-digit radix sort, 8 passes of 8 bits (passes where every key has the
/// same digit are skipped). The scratch vectors are resized as needed.
inline void radix_sort(std::vector<std::uint64_t>& keys, std::vector<std::uint32_t>& order,
                       std::vector<std::uint64_t>& keys_scratch, std::vector<std::uint32_t>& order_scratch) {
    const std::size_t n = keys.size();
    keys_scratch.resize(n);
    order_scratch.resize(n);
    for (int shift = 0; shift < 64 && n > 0; shift += 8) {
        std::array<std::size_t, 257> start{};
        for (const std::uint64_t k : keys) ++start[((k >> shift) & 0xff) + 1];
        if (start[((keys[0] >> shift) & 0xff) + 1] == n) continue;  // one bucket: nothing moves
        for (std::size_t b = 0; b < 256; ++b) start[b + 1] += start[b];
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t slot = start[(keys[i] >> shift) & 0xff]++;
            keys_scratch[slot] = keys[i];
            order_scratch[slot] = order[i];
        }
        keys.swap(keys_scratch);
        order.swap(order_scratch);
    }
}

/// Indices that sort `values` ascending, ties in index order (a stable sort), by `radix_sort`.
inline std::vector<std::uint32_t> sorting_permutation(const std::vector<double>& values) {
    std::vector<std::uint64_t> keys(values.size()), keys_scratch;
    std::vector<std::uint32_t> order(values.size()), order_scratch;
    for (std::size_t i = 0; i < values.size(); ++i) {
        keys[i] = order_key(values[i]);
        order[i] = static_cast<std::uint32_t>(i);
    }
    radix_sort(keys, order, keys_scratch, order_scratch);
    return order;
}

/// The AOT loss's buffers, kept per thread and reused from call to call: a batch of 10^6
/// pairs needs about 60 MB, and fresh memory costs more in page faults than the loss.
template <class T>
struct aot_workspace {
    std::vector<std::uint64_t> keys_first, keys_second, keys_scratch;
    std::vector<std::uint32_t> order_first, order_second, order_scratch;
    std::vector<T> u, loss, d_delta, d_chosen, d_rejected;
};

/// The AOT loss (checks included): `delta_k = sort(first)_k - sort(second)_k`, loss_k the
/// cDPO form on beta delta_k; gradients scattered back through the sorts.
/// `paired`: first = c - r (to chosen +, rejected -), second = c0 - r0 (constant);
/// unpaired: first = a (to chosen), second = b (to rejected, -). The margins are formed in
/// double and sorted by two radix sorts (O(n)); the loss runs on the sorted margins block by
/// block, and the per-pair results then go through `mean_over_pairs`.
template <class T>
pair_loss_metrics<T> aot_loss(std::string_view fn, const pair_batch<T>& batch, double beta, double eps, bool paired,
                              std::span<T> out_chosen, std::span<T> out_rejected) {
    require_positive(fn, "beta", beta);
    require_in_half_open(fn, "label_smoothing", eps, 0.0, 0.5);
    validate_pairs(fn, batch, {.reference = true});
    require(batch.weight.empty(), fn, "weight is not supported: AOT matches pairs by sorting, not by index");
    const std::size_t n = batch.chosen.size();
    require(n < (std::size_t{1} << 32), fn, "at most 2^32 - 1 pairs, got ", n);
    thread_local aot_workspace<T> w;
    w.keys_first.resize(n);
    w.keys_second.resize(n);
    w.order_first.resize(n);
    w.order_second.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double c = batch.chosen[i], r = batch.rejected[i], c0 = batch.ref_chosen[i], r0 = batch.ref_rejected[i];
        w.keys_first[i] = order_key(paired ? c - r : c - c0);
        w.keys_second[i] = order_key(paired ? c0 - r0 : r - r0);
        w.order_first[i] = w.order_second[i] = static_cast<std::uint32_t>(i);
    }
    radix_sort(w.keys_first, w.order_first, w.keys_scratch, w.order_scratch);
    radix_sort(w.keys_second, w.order_second, w.keys_scratch, w.order_scratch);
    // margins in sorted order, padded to whole blocks (the padding's results are never read)
    constexpr auto W = static_cast<std::size_t>(pair_block_size<T>);
    const std::size_t padded = (n + W - 1) / W * W + W;
    w.u.assign(padded, T(0));
    w.loss.resize(padded);
    w.d_delta.resize(padded);
    for (std::size_t k = 0; k < n; ++k)
        w.u[k] = static_cast<T>(beta * (order_key_value(w.keys_first[k]) - order_key_value(w.keys_second[k])));
    using array = pair_array<T>;
    const T beta_t = hyperparameter_in<T>(fn, "beta", beta), eps_t = static_cast<T>(eps);
    for (std::size_t k = 0; k < n; k += W) {
        const auto l = logistic_of(Eigen::Map<const array>(w.u.data() + k));
        Eigen::Map<array>(w.loss.data() + k) = -(T(1) - eps_t) * l.log_sigmoid - eps_t * l.log_sigmoid_neg;
        Eigen::Map<array>(w.d_delta.data() + k) = beta_t * (eps_t * l.sigmoid - (T(1) - eps_t) * l.sigmoid_neg);
    }
    w.d_chosen.assign(padded, T(0));
    w.d_rejected.assign(padded, T(0));
    for (std::size_t k = 0; k < n; ++k) {
        w.d_chosen[w.order_first[k]] += w.d_delta[k];
        if (paired) {  // first = c - r: d/dc = +, d/dr = -; second = c0 - r0 is constant
            w.d_rejected[w.order_first[k]] -= w.d_delta[k];
        } else {  // first = a = c - c0, second = b = r - r0
            w.d_rejected[w.order_second[k]] -= w.d_delta[k];
        }
    }
    // the blocks may run on other threads: hand them this thread's buffers, not their own
    const T* loss = w.loss.data();
    const T* d_chosen = w.d_chosen.data();
    const T* d_rejected = w.d_rejected.data();
    return mean_over_pairs(fn, batch, {.reference = true}, out_chosen, out_rejected, [=](const auto& p, auto& t) {
        // loss_k belongs to no single pair; any order sums the same
        t.loss = Eigen::Map<const array>(loss + p.begin);
        t.d_chosen = Eigen::Map<const array>(d_chosen + p.begin);
        t.d_rejected = Eigen::Map<const array>(d_rejected + p.begin);
        prefrl::detail::set_implicit_rewards(t, p, beta_t);
    });
}

}  // namespace prefrl::detail

namespace prefrl::preference {

/// **AOT, paired** — Melnyk et al. 2024, "Distributional Preference Alignment of LLMs via
/// Optimal Transport"; TRL `loss_type="aot"`. Aligns the distribution of the policy's
/// margins with the reference's by sorting over the batch:
///
///     L = sort(c - r), R = sort(c0 - r0), delta_k = L_k - R_k
///     loss = mean_k [ -(1 - eps) log_sigmoid(beta delta_k) - eps log_sigmoid(-beta delta_k) ]
///
/// Gradients go back through the sort permutation (ties: stable order). The loss terms are
/// computed in T, on margins formed in double.
struct aot {
    double beta = 0.1;
    double label_smoothing = 0.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        return prefrl::detail::aot_loss("prefrl::preference::aot", batch, beta, label_smoothing, true, d_chosen,
                                        d_rejected);
    }
};

/// **AOT, unpaired** — the same paper; TRL `loss_type="aot_pair"` (sic). Sorts the chosen
/// and rejected log-ratios separately: `delta_k = sort(a)_k - sort(b)_k`, same logistic form.
struct aot_unpaired {
    double beta = 0.1;
    double label_smoothing = 0.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// Writes the gradient into `d_chosen`, `d_rejected` and returns the value and metrics.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        return prefrl::detail::aot_loss("prefrl::preference::aot_unpaired", batch, beta, label_smoothing, false, d_chosen,
                                        d_rejected);
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_AOT_HPP
