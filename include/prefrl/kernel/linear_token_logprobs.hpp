#ifndef PREFRL_KERNEL_LINEAR_TOKEN_LOGPROBS_HPP
#define PREFRL_KERNEL_LINEAR_TOKEN_LOGPROBS_HPP

/// \file
/// Token log-probabilities straight from a language model's last hidden states and its output
/// projection, without ever holding the `[rows, vocab]` logits: the CPU counterpart of
/// Liger-Kernel's fused linear cross-entropy and "chunked losses" (Hsu et al. 2024,
/// "Liger Kernel: Efficient Triton Kernels for LLM Training"; linkedin/Liger-Kernel,
/// `src/liger_kernel/ops/fused_linear_cross_entropy.py` and `chunked_loss/`).
///
/// With `hidden` H `[rows, hidden_size]` and `weight` W `[vocab, hidden_size]` (row-major, as
/// `lm_head.weight` is stored), row r's logits are z_r = W h_r and
///
///     lp[r]          = m_r (z_r[y_r] - logsumexp(z_r))
///     d_hidden[r]    = sum_v d_logits[r, v] W[v]          (d_hidden = D W)
///     d_weight       = sum_r d_logits[r]^T h_r            (d_weight = D^T H)
///     d_logits[r, v] = g_r m_r (1[v == y_r] - softmax(z_r)_v)
///
/// Rows go in chunks: a chunk's logits `H_c W^T` are formed in one buffer, a slice of 2048
/// vocabulary entries per task (tasks split over threads when OpenMP is on, each an Eigen GEMM),
/// the row kernels of `token_logprobs` take its log-sum-exps and turn it into d_logits in place,
/// and two more products give the chunk's share of d_weight (per slice) and its rows of
/// d_hidden (per group of slices, four groups). Only rows with a nonzero mask are computed
/// (masked rows get d_hidden = 0 and may carry any label). Extra memory: the chunk buffer,
/// `chunk_rows * vocab` entries (by default 16 MiB), and three partial d_hidden of
/// `chunk_rows * hidden_size` entries (four when the chunk's rows are not consecutive, plus
/// their gathered hidden rows), kept per calling thread and reused by the next call, plus O(rows).
///
/// Deterministic: the chunks, slices and groups depend on the shapes only, each product runs on
/// one thread with a serial GEMM's blocking, d_weight adds the chunks in order and d_hidden the
/// groups in order, so 1 and 2 threads give the same bits. (Called from inside your own OpenMP
/// parallel region, Eigen may pick a threaded blocking and round differently.)

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/detail/row_kernels.hpp"
#include "prefrl/kernel/token_logprobs.hpp"

namespace prefrl::kernel {

/// Options of the fused linear kernels.
struct linear_logprobs_options {
    /// Rows per chunk; 0: the library picks 16 MiB of logits per chunk (131 rows of a
    /// 32000-entry float vocabulary), at least 16 rows; for the pair losses
    /// (`preference::from_hidden`) a tenth of the whole batch's logits, between 16 and 64 MiB.
    index_t chunk_rows = 0;
};

/// Token log-probs from hidden states, plus each row's log-sum-exp for the backward pass.
template <class T>
struct linear_logprobs_result {
    vector<T> logprobs;        ///< m * (z[y] - logsumexp(z)) per row; 0 where m = 0
    vector<double> logsumexp;  ///< logsumexp(z) per row, in double; 0 where m = 0 (not computed)
};

/// The token NLL (SFT loss) of `linear_cross_entropy`.
template <class T>
struct linear_cross_entropy_result {
    T value{};          ///< -sum_r lp[r] / sum_r m_r: the mask-weighted mean NLL
    T tokens{};         ///< sum_r m_r
    vector<T> logprobs; ///< lp[r] per row
};

}  // namespace prefrl::kernel

namespace prefrl::detail {

/// Logits per chunk, the default: 16 MiB of entries.
inline constexpr std::size_t linear_chunk_bytes = std::size_t{16} << 20;

/// The most logits per chunk the pair losses choose by default (64 MiB: one pair of two
/// 256-token sequences over a 32000-entry float vocabulary).
inline constexpr std::size_t linear_pair_chunk_bytes = std::size_t{64} << 20;

/// Vocabulary entries per slice of the products. Each slice's products run on one thread
/// (Eigen's own GEMM threading picks its blocking from the thread count, so it would round
/// differently on 1 and 2 threads); d_hidden sums its groups of slices in group order.
inline constexpr Eigen::Index linear_vocab_slice = 2048;

/// Groups of consecutive slices whose d_hidden products run on one thread each: the partial
/// d_hidden kept is `linear_hidden_groups - 1` chunks of `[rows, hidden_size]`, not one per slice.
inline constexpr Eigen::Index linear_hidden_groups = 4;

/// The chunk size: the caller's, or `linear_chunk_bytes` worth of logit rows (at least 16).
template <class T>
Eigen::Index linear_chunk_rows(std::string_view fn, index_t requested, Eigen::Index vocab) {
    if (requested < 0) fail(fn, "options.chunk_rows must be >= 0 (0: chosen by the library), got ", requested);
    if (requested > 0) return static_cast<Eigen::Index>(requested);
    const auto per_row = static_cast<std::size_t>(vocab) * sizeof(T);
    return static_cast<Eigen::Index>(std::max<std::size_t>(16, linear_chunk_bytes / per_row));
}

/// The chunk size of the pair losses: the caller's; by default a tenth of the whole batch's
/// logits, at least `linear_chunk_bytes` and at most `linear_pair_chunk_bytes`. A pair longer than
/// a chunk forms only its first rows' logits twice (its first chunk is the short one), so the
/// larger chunk of a large batch saves products, while the step's extra memory stays near a
/// tenth of the logits it never forms whole (an eager step holds them, their log-softmax and
/// their gradient).
template <class T>
Eigen::Index linear_pair_chunk_rows(std::string_view fn, index_t requested, Eigen::Index rows, Eigen::Index vocab) {
    if (requested != 0) return linear_chunk_rows<T>(fn, requested, vocab);
    const auto per_row = static_cast<std::size_t>(vocab) * sizeof(T);
    const auto tenth_rows = static_cast<std::size_t>(rows) / 10;
    const std::size_t tenth = tenth_rows > SIZE_MAX / per_row ? SIZE_MAX : tenth_rows * per_row;
    const std::size_t bytes = std::clamp(tenth, linear_chunk_bytes, linear_pair_chunk_bytes);
    return static_cast<Eigen::Index>(std::max<std::size_t>(16, bytes / per_row));
}

/// Which rows are computed, in which order, cut into chunks: `rows[ends[k-1] .. ends[k])` is
/// chunk k. The plain kernels take the rows with a nonzero mask in order; the pair losses take
/// them pair by pair, so that a chunk holds whole pairs.
struct linear_row_plan {
    std::vector<index_t> rows;
    std::vector<std::size_t> ends;
};

/// The active rows in order, `chunk` at a time.
template <class T>
linear_row_plan plan_active_rows(std::span<const T> mask, Eigen::Index chunk) {
    linear_row_plan plan;
    for (std::size_t r = 0; r < mask.size(); ++r)
        if (mask[r] != T(0)) plan.rows.push_back(static_cast<index_t>(r));
    for (std::size_t end = 0; end < plan.rows.size();) {
        end = std::min(plan.rows.size(), end + static_cast<std::size_t>(chunk));
        plan.ends.push_back(end);
    }
    return plan;
}

/// The active rows of `units` units (pairs of sequences, completions) in groups of whole
/// units of at most `chunk` rows (a longer unit is a group of its own);
/// `append_rows(i, rows)` appends unit i's active rows. `first[k]` is group k's first unit;
/// the last entry is `units`.
template <class AppendRows>
linear_row_plan plan_groups(Eigen::Index units, Eigen::Index chunk, std::vector<Eigen::Index>& first,
                            AppendRows&& append_rows) {
    linear_row_plan plan;
    first.assign(1, 0);
    std::size_t group_begin = 0;
    for (Eigen::Index i = 0; i < units; ++i) {
        const std::size_t unit_begin = plan.rows.size();
        append_rows(i, plan.rows);
        if (plan.rows.size() - group_begin > static_cast<std::size_t>(chunk) && unit_begin > group_begin) {
            plan.ends.push_back(unit_begin);  // close the group before this unit
            first.push_back(i);
            group_begin = unit_begin;
        }
    }
    plan.ends.push_back(plan.rows.size());
    first.push_back(units);
    return plan;
}

/// Checks hidden, weight, labels and mask: shapes agree, masks finite, labels in the
/// vocabulary where the mask is nonzero.
template <class T>
void check_linear_inputs(std::string_view fn, const const_matrix_ref<T>& hidden, const const_matrix_ref<T>& weight,
                         std::span<const index_t> labels, std::span<const T> mask) {
    require_matrix(fn, "hidden", hidden);
    require_matrix(fn, "weight", weight);
    require(weight.cols() == hidden.cols(), fn, "weight is ", weight.rows(), " x ", weight.cols(), " but hidden is ",
            hidden.rows(), " x ", hidden.cols(), ": weight must be [vocab, hidden_size] with hidden_size = ",
            hidden.cols());
    const auto rows = static_cast<std::size_t>(hidden.rows());
    require(labels.size() == rows, fn, "labels has ", labels.size(), " entries but hidden has ", rows, " rows");
    require(mask.size() == rows, fn, "mask has ", mask.size(), " entries but hidden has ", rows, " rows");
    for (std::size_t r = 0; r < rows; ++r) {
        if (!std::isfinite(mask[r])) fail(fn, "mask[", r, "] must be finite, got ", mask[r]);
        if (mask[r] != T(0) && (labels[r] < 0 || labels[r] >= weight.rows()))
            fail(fn, "labels[", r, "] must be in [0, ", weight.rows(), ") (the vocabulary: weight's rows) where mask is nonzero, got ",
                 labels[r]);
    }
}

template <class T>
void check_linear_gradients(std::string_view fn, const const_matrix_ref<T>& hidden, const const_matrix_ref<T>& weight,
                            const matrix_ref<T>& d_hidden, const matrix_ref<T>& d_weight) {
    require_same_shape(fn, "d_hidden", d_hidden, "hidden", hidden);
    require_same_shape(fn, "d_weight", d_weight, "weight", weight);
}

/// The buffers of one calling thread, kept between calls (they only grow).
template <class T>
struct linear_workspace {
    std::vector<T> logits, hidden, d_hidden;
    static linear_workspace& of_this_thread() {
        thread_local linear_workspace workspace;
        return workspace;
    }
};

/// One chunk of rows at a time through the calling thread's logits buffer: the steps every
/// fused linear pass is made of. `form` puts a chunk's logits H_c W^T in the buffer;
/// `log_sum_exps` takes each row's log-sum-exp and log-prob (and, asked to, leaves exp(z - max)
/// in place of the logits); `d_logits_from_exp` / `d_logits_from_logits` turn the buffer into
/// d_logits for an upstream per row; `products` adds the chunk's d_weight rows and writes its
/// d_hidden rows.
template <class T>
class linear_chunk_engine {
public:
    /// `largest`: the most rows a chunk will have.
    linear_chunk_engine(std::string_view fn, const const_matrix_ref<T>& hidden, const const_matrix_ref<T>& weight,
                        std::span<const index_t> labels, std::span<const T> mask, std::size_t largest)
        : fn_(fn), hidden_(hidden), weight_(weight), labels_(labels), mask_(mask),
          ws_(linear_workspace<T>::of_this_thread()), vocab_(weight.rows()), width_(hidden.cols()),
          slices_((vocab_ + linear_vocab_slice - 1) / linear_vocab_slice), sums_(largest), z_label_(largest) {
        if (ws_.logits.size() < largest * static_cast<std::size_t>(vocab_))
            ws_.logits.resize(largest * static_cast<std::size_t>(vocab_));
    }

    /// The logits of hidden rows `rows[0 .. c)` into the buffer. Consecutive rows are read in
    /// place; a list of rows need not be sorted (pairs interleave two sequences), so every step
    /// is checked, not only the ends.
    void form(const index_t* rows, Eigen::Index c) {
        rows_ = rows;
        c_ = c;
        contiguous_ = true;
        for (Eigen::Index i = 1; i < c && contiguous_; ++i) contiguous_ = rows[i] == rows[i - 1] + 1;
        if (contiguous_) {
            h_data_ = hidden_.row(rows[0]).data();
            h_stride_ = hidden_.outerStride();
        } else {
            if (ws_.hidden.size() < static_cast<std::size_t>(c * width_)) ws_.hidden.resize(static_cast<std::size_t>(c * width_));
            h_data_ = ws_.hidden.data();
            h_stride_ = width_;
            map gathered(ws_.hidden.data(), c, width_);
            for (Eigen::Index i = 0; i < c; ++i) gathered.row(i) = hidden_.row(rows[i]);
        }
        const auto h_c = chunk_hidden();
        map z = logits();
        // vocabulary slice by slice, each slice's product on one thread
        PREFRL_PARALLEL_FOR_ALWAYS
        for (Eigen::Index s = 0; s < slices_; ++s) {
            const Eigen::Index v0 = s * linear_vocab_slice, len = std::min(linear_vocab_slice, vocab_ - v0);
            z.middleCols(v0, len).noalias() = h_c * weight_.middleRows(v0, len).transpose();
        }
    }

    /// Each row's log-sum-exp into `lse[r]` (indexed by row) and its log-prob
    /// `m_r (z[y_r] - lse)` into `lp[i]` (indexed in the chunk). With `keep_exp` the buffer then
    /// holds exp(z - max) for `d_logits_from_exp`; otherwise the logits stay. Refuses a row
    /// whose logits have no finite log-sum-exp, naming the row.
    void log_sum_exps(bool keep_exp, double* lse, T* lp) {
        map z = logits();
        PREFRL_PARALLEL_FOR_IF(c_ * vocab_ >= parallel_min_elements)
        for (Eigen::Index i = 0; i < c_; ++i) {
            const index_t r = rows_[i];
            T* zi = z.row(i).data();
            const auto ui = static_cast<std::size_t>(i);
            z_label_[ui] = static_cast<double>(zi[labels_[static_cast<std::size_t>(r)]]);
            lse[r] = keep_exp ? row_exp_and_logsumexp(zi, vocab_, zi, sums_[ui]) : row_logsumexp(zi, vocab_);
            lp[i] = static_cast<T>(static_cast<double>(mask_[static_cast<std::size_t>(r)]) * (z_label_[ui] - lse[r]));
        }
        for (Eigen::Index i = 0; i < c_; ++i)
            if (!std::isfinite(lse[rows_[i]]))
                fail(fn_, "row ", rows_[i], " of the logits hidden * weight^T has no finite log-sum-exp (got ",
                     lse[rows_[i]], "): hidden row ", rows_[i], " or weight holds NaN or inf, or the product overflows");
    }

    /// After `log_sum_exps(true, ...)`: d_logits = g m (onehot - softmax) in place, `g[i]` per
    /// chunk row, while the exponentials are at hand (no exponential more).
    void d_logits_from_exp(const T* g, const double* lse) {
        map z = logits();
        PREFRL_PARALLEL_FOR_IF(c_ * vocab_ >= parallel_min_elements)
        for (Eigen::Index i = 0; i < c_; ++i) {
            const auto r = static_cast<std::size_t>(rows_[i]);
            const auto ui = static_cast<std::size_t>(i);
            row_backward_from_exp(z.row(i).data(), vocab_, labels_[r], sums_[ui], z_label_[ui], lse[r],
                                  upstream_of(g[i], r));
        }
    }

    /// With the logits in the buffer (`form`, or `log_sum_exps(false, ...)`): d_logits from the
    /// rows' log-sum-exps, `g[i]` per chunk row.
    void d_logits_from_logits(const T* g, const double* lse) {
        map z = logits();
        PREFRL_PARALLEL_FOR_IF(c_ * vocab_ >= parallel_min_elements)
        for (Eigen::Index i = 0; i < c_; ++i) {
            const auto r = static_cast<std::size_t>(rows_[i]);
            T* zi = z.row(i).data();
            row_logprob_backward(zi, vocab_, labels_[r], lse[r], upstream_of(g[i], r), zi);
        }
    }

    /// With d_logits D_c in the buffer: d_weight (+)= D_c^T H_c (the chunks added in the order
    /// they come), per vocabulary slice on one thread each; then the chunk's rows of
    /// d_hidden = D_c W, per group of consecutive slices on one thread each (a group adds its
    /// slices' products in order), the groups' partial sums added in group order. The first
    /// group writes straight into d_hidden when the chunk's rows are consecutive.
    void products(matrix_ref<T>& d_hidden, matrix_ref<T>& d_weight) {
        const auto h_c = chunk_hidden();
        const map z = logits();
        const bool first = first_product_;
        PREFRL_PARALLEL_FOR_ALWAYS
        for (Eigen::Index s = 0; s < slices_; ++s) {
            const Eigen::Index v0 = s * linear_vocab_slice, len = std::min(linear_vocab_slice, vocab_ - v0);
            if (first)
                d_weight.middleRows(v0, len).noalias() = z.middleCols(v0, len).transpose() * h_c;
            else
                d_weight.middleRows(v0, len).noalias() += z.middleCols(v0, len).transpose() * h_c;
        }
        const Eigen::Index groups = std::min(linear_hidden_groups, slices_);
        const Eigen::Index buffered = contiguous_ ? groups - 1 : groups;  // partial sums not in d_hidden
        if (ws_.d_hidden.size() < static_cast<std::size_t>(buffered * c_ * width_))
            ws_.d_hidden.resize(static_cast<std::size_t>(buffered * c_ * width_));
        auto partial = [&](Eigen::Index g) {  // where group g's sum goes
            using out_map = Eigen::Map<row_matrix<T>, 0, Eigen::OuterStride<>>;
            if (contiguous_ && g == 0)
                return out_map(d_hidden.row(rows_[0]).data(), c_, width_, Eigen::OuterStride<>(d_hidden.outerStride()));
            const Eigen::Index k = contiguous_ ? g - 1 : g;
            return out_map(ws_.d_hidden.data() + k * c_ * width_, c_, width_, Eigen::OuterStride<>(width_));
        };
        PREFRL_PARALLEL_FOR_ALWAYS
        for (Eigen::Index g = 0; g < groups; ++g) {
            auto out = partial(g);
            const Eigen::Index s0 = g * slices_ / groups, s1 = (g + 1) * slices_ / groups;
            for (Eigen::Index s = s0; s < s1; ++s) {
                const Eigen::Index v0 = s * linear_vocab_slice, len = std::min(linear_vocab_slice, vocab_ - v0);
                if (s == s0)
                    out.noalias() = z.middleCols(v0, len) * weight_.middleRows(v0, len);
                else
                    out.noalias() += z.middleCols(v0, len) * weight_.middleRows(v0, len);
            }
        }
        auto d_h = partial(0);
        for (Eigen::Index g = 1; g < groups; ++g) d_h += partial(g);
        if (!contiguous_)
            for (Eigen::Index i = 0; i < c_; ++i) d_hidden.row(rows_[i]) = d_h.row(i);
        first_product_ = false;
    }

    /// Zeroes d_weight if no chunk reached `products` (every row masked).
    void finish(matrix_ref<T>& d_weight) const {
        if (first_product_) d_weight.setZero();
    }

private:
    using map = Eigen::Map<row_matrix<T>>;

    map logits() { return map(ws_.logits.data(), c_, vocab_); }
    Eigen::Map<const row_matrix<T>, 0, Eigen::OuterStride<>> chunk_hidden() const {
        return {h_data_, c_, width_, Eigen::OuterStride<>(h_stride_)};
    }
    T upstream_of(T g, std::size_t r) const {
        return static_cast<T>(static_cast<double>(g) * static_cast<double>(mask_[r]));
    }

    std::string_view fn_;
    const const_matrix_ref<T>& hidden_;
    const const_matrix_ref<T>& weight_;
    std::span<const index_t> labels_;
    std::span<const T> mask_;
    linear_workspace<T>& ws_;
    Eigen::Index vocab_, width_, slices_;
    std::vector<double> sums_, z_label_;  // per chunk row: sum of exp(z - max), z at the label
    const index_t* rows_ = nullptr;
    Eigen::Index c_ = 0;
    bool contiguous_ = true, first_product_ = true;
    const T* h_data_ = nullptr;
    Eigen::Index h_stride_ = 0;
};

/// The most rows of any chunk of `plan`.
inline std::size_t largest_chunk(const linear_row_plan& plan) {
    std::size_t largest = 0;
    for (std::size_t k = 0, begin = 0; k < plan.ends.size(); begin = plan.ends[k++])
        largest = std::max(largest, plan.ends[k] - begin);
    return largest;
}

/// What a chunked pass with a known upstream computes.
enum class linear_mode {
    forward,  ///< log-probs and log-sum-exps only
    backward  ///< gradients from a known upstream and the saved log-sum-exps (recomputes the logits)
};

/// The chunked pass of the plain kernels, chunk by chunk of `plan`:
///   forward:  `logprobs` and `lse` (size rows) receive lp and lse of the computed rows;
///   backward: d_logits from `saved_lse` and `upstream` (per row), then d_hidden (its other
///             rows set to 0) and d_weight.
template <class T>
void linear_pass(std::string_view fn, const const_matrix_ref<T>& hidden, const const_matrix_ref<T>& weight,
                 std::span<const index_t> labels, std::span<const T> mask, const linear_row_plan& plan,
                 linear_mode mode, std::span<const T> upstream, std::span<const double> saved_lse,
                 vector<T>& logprobs, vector<double>& lse, matrix_ref<T>* d_hidden, matrix_ref<T>* d_weight) {
    const std::size_t largest = largest_chunk(plan);
    linear_chunk_engine<T> engine(fn, hidden, weight, labels, mask, largest);
    std::vector<T> values(largest);  // the chunk's log-probs (forward) or upstream (backward)
    if (mode == linear_mode::forward) {
        logprobs = vector<T>::Zero(hidden.rows());
        lse = vector<double>::Zero(hidden.rows());
    } else {
        d_hidden->setZero();
    }
    for (std::size_t k = 0, begin = 0; k < plan.ends.size(); begin = plan.ends[k++]) {
        const auto c = static_cast<Eigen::Index>(plan.ends[k] - begin);
        const index_t* rows = plan.rows.data() + begin;
        if (c == 0) continue;
        engine.form(rows, c);
        if (mode == linear_mode::forward) {
            engine.log_sum_exps(false, lse.data(), values.data());
            for (Eigen::Index i = 0; i < c; ++i) logprobs[rows[i]] = values[static_cast<std::size_t>(i)];
        } else {
            for (Eigen::Index i = 0; i < c; ++i) values[static_cast<std::size_t>(i)] = upstream[static_cast<std::size_t>(rows[i])];
            engine.d_logits_from_logits(values.data(), saved_lse.data());
            engine.products(*d_hidden, *d_weight);
        }
    }
    if (mode == linear_mode::backward) engine.finish(*d_weight);
}

/// Forward and backward over groups of rows whose upstream is known once the group's
/// log-probs are: a group is `plan.rows[ends[k-1] .. ends[k])` (whole pairs of a pair loss,
/// or every row when the upstream is known up front). Each group's rows go in chunks of at
/// most `chunk` rows, the first one cut short so the last one is whole; the chunks before the
/// last are formed for their log-sum-exps, the last keeps its exponentials in the buffer;
/// then `group_upstream(k, rows, lp, g)` fills the upstream g of the group's rows from their
/// log-probs (it may throw), the last chunk's gradients come from the exponentials in place,
/// and the earlier chunks' logits are formed again. A group that fits in a chunk is one pass
/// (its logits formed once); one of q chunks forms q + (q - 1) chunks of logits instead of the
/// 2q of a forward and a backward. `logprobs` (size rows) receives lp; d_hidden's masked
/// rows are 0. Extra memory: `min(chunk, largest group)` rows of logits.
template <class T, class GroupUpstream>
void linear_grouped_pass(std::string_view fn, const const_matrix_ref<T>& hidden, const const_matrix_ref<T>& weight,
                         std::span<const index_t> labels, std::span<const T> mask, const linear_row_plan& plan,
                         Eigen::Index chunk, vector<T>& logprobs, matrix_ref<T>& d_hidden, matrix_ref<T>& d_weight,
                         GroupUpstream&& group_upstream) {
    const std::size_t largest = largest_chunk(plan);
    const auto step = static_cast<std::size_t>(std::max<Eigen::Index>(1, chunk));
    linear_chunk_engine<T> engine(fn, hidden, weight, labels, mask, std::min(largest, step));
    std::vector<T> g(largest), lp(largest);
    vector<double> lse = vector<double>::Zero(hidden.rows());
    logprobs = vector<T>::Zero(hidden.rows());
    d_hidden.setZero();
    for (std::size_t k = 0, begin = 0; k < plan.ends.size(); begin = plan.ends[k++]) {
        const std::size_t n = plan.ends[k] - begin;
        const index_t* rows = plan.rows.data() + begin;
        const auto rows_span = std::span<const index_t>(rows, n);
        if (n == 0) {  // a group without tokens: the loss still sees it
            group_upstream(k, rows_span, std::span<const T>{}, std::span<T>{});
            continue;
        }
        const std::size_t last = n - std::min(n, step);  // the last chunk: [last, n), whole
        const auto form_chunk = [&](std::size_t from, std::size_t to) {
            engine.form(rows + from, static_cast<Eigen::Index>(to - from));
        };
        // the chunks before the last: the first one cut short, then whole ones
        const auto end_of = [&](std::size_t from) { return from == 0 && last % step != 0 ? last % step : from + step; };
        for (std::size_t from = 0, to = 0; from < last; from = to) {
            to = end_of(from);
            form_chunk(from, to);
            engine.log_sum_exps(false, lse.data(), lp.data() + from);
        }
        form_chunk(last, n);
        engine.log_sum_exps(true, lse.data(), lp.data() + last);
        for (std::size_t i = 0; i < n; ++i) logprobs[rows[i]] = lp[i];
        group_upstream(k, rows_span, std::span<const T>(lp.data(), n), std::span<T>(g.data(), n));
        for (std::size_t i = 0; i < n; ++i)
            if (!std::isfinite(g[i])) fail(fn, "the loss's gradient for row ", rows[i], " is not finite (got ", g[i], ")");
        engine.d_logits_from_exp(g.data() + last, lse.data());
        engine.products(d_hidden, d_weight);
        for (std::size_t from = 0, to = 0; from < last; from = to) {
            to = end_of(from);
            form_chunk(from, to);
            engine.d_logits_from_logits(g.data() + from, lse.data());
            engine.products(d_hidden, d_weight);
        }
    }
    engine.finish(d_weight);
}

}  // namespace prefrl::detail

namespace prefrl::kernel {

/// Log-probability of each row's label from hidden states and the output projection,
/// `lp[r] = mask[r] * (z_r[labels[r]] - logsumexp(z_r))` with `z_r = weight * hidden[r]^T`, and
/// each row's log-sum-exp for `linear_token_logprobs_backward`. The logits are formed a chunk
/// of rows at a time and never stored whole.
///
/// `hidden` `[rows, hidden_size]`, `weight` `[vocab, hidden_size]`: dense row-major Eigen
/// matrices (a `row_matrix`, an `Eigen::Map` over a tensor's memory) of float or double;
/// `labels` in [0, vocab) where `mask` is nonzero. Throws `prefrl::invalid_argument` if shapes
/// disagree, a label is out of range, a mask entry is not finite, or a used row's logits are
/// not finite.
template <class H, class W>
    requires Scalar<typename H::Scalar> && std::same_as<typename H::Scalar, typename W::Scalar>
linear_logprobs_result<typename H::Scalar> linear_token_logprobs_forward(
    const Eigen::MatrixBase<H>& hidden, const Eigen::MatrixBase<W>& weight, std::span<const index_t> labels,
    scalar_span<typename H::Scalar> mask, linear_logprobs_options options = {}) {
    using T = typename H::Scalar;
    constexpr auto fn = "prefrl::kernel::linear_token_logprobs_forward";
    const const_matrix_ref<T> h(hidden.derived()), w(weight.derived());
    detail::check_linear_inputs(fn, h, w, labels, mask);
    const auto plan = detail::plan_active_rows(mask, detail::linear_chunk_rows<T>(fn, options.chunk_rows, w.rows()));
    linear_logprobs_result<T> out;
    detail::linear_pass<T>(fn, h, w, labels, mask, plan, detail::linear_mode::forward, {}, {}, out.logprobs,
                           out.logsumexp, nullptr, nullptr);
    return out;
}

/// Gradients of `sum_r upstream[r] * lp[r]` with respect to `hidden` and `weight`, written
/// into `d_hidden` `[rows, hidden_size]` and `d_weight` `[vocab, hidden_size]` (overwritten,
/// not accumulated), from the log-sum-exps `linear_token_logprobs_forward` returned: each
/// chunk's logits are formed again (one more product than the forward), turned into
/// `d_logits` in place, and multiplied out.
template <class H, class W>
    requires Scalar<typename H::Scalar> && std::same_as<typename H::Scalar, typename W::Scalar>
void linear_token_logprobs_backward(const Eigen::MatrixBase<H>& hidden, const Eigen::MatrixBase<W>& weight,
                                    std::span<const index_t> labels, scalar_span<typename H::Scalar> mask,
                                    scalar_span<typename H::Scalar> upstream, scalar_span<double> logsumexp,
                                    matrix_ref<typename H::Scalar> d_hidden, matrix_ref<typename H::Scalar> d_weight,
                                    linear_logprobs_options options = {}) {
    using T = typename H::Scalar;
    constexpr auto fn = "prefrl::kernel::linear_token_logprobs_backward";
    const const_matrix_ref<T> h(hidden.derived()), w(weight.derived());
    detail::check_linear_inputs(fn, h, w, labels, mask);
    detail::check_linear_gradients(fn, h, w, d_hidden, d_weight);
    detail::check_upstream(fn, upstream, mask, "hidden");
    require(logsumexp.size() == mask.size(), fn, "logsumexp has ", logsumexp.size(), " entries but hidden has ",
            mask.size(), " rows");
    for (std::size_t r = 0; r < logsumexp.size(); ++r)
        if (mask[r] != T(0) && !std::isfinite(logsumexp[r]))
            fail(fn, "logsumexp[", r, "] must be finite where mask is nonzero, got ", logsumexp[r]);
    const auto plan = detail::plan_active_rows(mask, detail::linear_chunk_rows<T>(fn, options.chunk_rows, w.rows()));
    vector<T> unused_lp;
    vector<double> unused_lse;
    detail::linear_pass<T>(fn, h, w, labels, mask, plan, detail::linear_mode::backward, upstream, logsumexp,
                           unused_lp, unused_lse, &d_hidden, &d_weight);
}

/// Forward and backward in one pass, for losses whose upstream gradient is known before the
/// forward (a token NLL): each chunk's logits are formed once. Returns the log-probs; writes
/// `d_hidden` and `d_weight` as `linear_token_logprobs_backward` does.
template <class H, class W>
    requires Scalar<typename H::Scalar> && std::same_as<typename H::Scalar, typename W::Scalar>
vector<typename H::Scalar> linear_token_logprobs_and_backward(
    const Eigen::MatrixBase<H>& hidden, const Eigen::MatrixBase<W>& weight, std::span<const index_t> labels,
    scalar_span<typename H::Scalar> mask, scalar_span<typename H::Scalar> upstream,
    matrix_ref<typename H::Scalar> d_hidden, matrix_ref<typename H::Scalar> d_weight,
    linear_logprobs_options options = {}) {
    using T = typename H::Scalar;
    constexpr auto fn = "prefrl::kernel::linear_token_logprobs_and_backward";
    const const_matrix_ref<T> h(hidden.derived()), w(weight.derived());
    detail::check_linear_inputs(fn, h, w, labels, mask);
    detail::check_linear_gradients(fn, h, w, d_hidden, d_weight);
    detail::check_upstream(fn, upstream, mask, "hidden");
    const Eigen::Index chunk = detail::linear_chunk_rows<T>(fn, options.chunk_rows, w.rows());
    vector<T> logprobs;
    detail::linear_grouped_pass<T>(fn, h, w, labels, mask, detail::plan_active_rows(mask, chunk), chunk, logprobs,
                                   d_hidden, d_weight,
                                   [&](std::size_t, std::span<const index_t> rows, std::span<const T>, std::span<T> g) {
                                       for (std::size_t i = 0; i < rows.size(); ++i)
                                           g[i] = upstream[static_cast<std::size_t>(rows[i])];
                                   });
    return logprobs;
}

/// **Token NLL from hidden states** (the SFT loss; Liger-Kernel's fused linear cross-entropy):
/// `value = -sum_r lp[r] / sum_r mask[r]`, PyTorch's `cross_entropy(hidden @ weight.T, labels)`
/// with the masked rows ignored (`ignore_index`) for a 0/1 mask, in one pass over the chunks.
/// Writes `d_hidden` and `d_weight` (overwritten). Throws if the mask sums to 0.
///
///     prefrl::row_matrix<float> d_hidden(rows, hidden_size), d_weight(vocab, hidden_size);
///     auto nll = prefrl::kernel::linear_cross_entropy(hidden, weight, labels, mask, d_hidden, d_weight);
template <class H, class W>
    requires Scalar<typename H::Scalar> && std::same_as<typename H::Scalar, typename W::Scalar>
linear_cross_entropy_result<typename H::Scalar> linear_cross_entropy(
    const Eigen::MatrixBase<H>& hidden, const Eigen::MatrixBase<W>& weight, std::span<const index_t> labels,
    scalar_span<typename H::Scalar> mask, matrix_ref<typename H::Scalar> d_hidden,
    matrix_ref<typename H::Scalar> d_weight, linear_logprobs_options options = {}) {
    using T = typename H::Scalar;
    constexpr auto fn = "prefrl::kernel::linear_cross_entropy";
    const const_matrix_ref<T> h(hidden.derived()), w(weight.derived());
    detail::check_linear_inputs(fn, h, w, labels, mask);
    detail::check_linear_gradients(fn, h, w, d_hidden, d_weight);
    double tokens = 0.0;
    for (const T m : mask) tokens += static_cast<double>(m);
    if (!(tokens > 0.0)) fail(fn, "mask must sum to a positive number of tokens, got ", tokens);
    const Eigen::Index chunk = detail::linear_chunk_rows<T>(fn, options.chunk_rows, w.rows());
    const T g = static_cast<T>(-1.0 / tokens);
    linear_cross_entropy_result<T> out;
    detail::linear_grouped_pass<T>(fn, h, w, labels, mask, detail::plan_active_rows(mask, chunk), chunk, out.logprobs,
                                   d_hidden, d_weight,
                                   [&](std::size_t, std::span<const index_t>, std::span<const T>, std::span<T> up) {
                                       std::fill(up.begin(), up.end(), g);
                                   });
    double sum = 0.0;
    for (Eigen::Index r = 0; r < out.logprobs.size(); ++r) sum += static_cast<double>(out.logprobs[r]);
    out.value = static_cast<T>(-sum / tokens);
    out.tokens = static_cast<T>(tokens);
    return out;
}

}  // namespace prefrl::kernel

#endif  // PREFRL_KERNEL_LINEAR_TOKEN_LOGPROBS_HPP
