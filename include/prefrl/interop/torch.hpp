#ifndef PREFRL_INTEROP_TORCH_HPP
#define PREFRL_INTEROP_TORCH_HPP

/// \file
/// prefrl as a loss layer of a libtorch (PyTorch's C++ API) training loop: zero-copy views of
/// contiguous CPU tensors, and autograd functions (`torch::autograd::Function`) whose backward
/// runs through prefrl's kernels and losses. Namespace `prefrl::libtorch` (not
/// `prefrl::torch`, which would hide `::torch` inside prefrl). CMake target `prefrl::torch`,
/// defined when `find_package(Torch)` succeeds; the rest of prefrl never needs libtorch.
///
///     auto lp = prefrl::libtorch::token_logprobs(logits, labels, mask);   // [rows], differentiable
///     auto seq = lp.view({2 * pairs, steps}).sum(1);
///     auto loss = prefrl::libtorch::pair_loss(prefrl::preference::dpo{.beta = 0.1},
///                                             seq.slice(0, 0, pairs), seq.slice(0, pairs), ref_c, ref_r);
///     loss.backward();
///
/// Tensors: float32 or float64 (one dtype per call), contiguous, on the CPU; labels int64.
/// Anything else is refused with `prefrl::invalid_argument` naming the function and the
/// argument. The views share the tensor's memory (no copy); the gradients are new tensors.

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <span>
#include <type_traits>
#include <string>
#include <string_view>
#include <utility>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/grpo/from_hidden.hpp"
#include "prefrl/grpo/policy_loss.hpp"
#include "prefrl/grpo/token_batch.hpp"
#include "prefrl/kernel/linear_token_logprobs.hpp"
#include "prefrl/kernel/sequence_sums.hpp"
#include "prefrl/kernel/token_logprobs.hpp"
#include "prefrl/preference/from_hidden.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::libtorch {

namespace detail {

template <class T>
constexpr c10::ScalarType scalar_type() {
    if constexpr (std::is_same_v<T, float>) return c10::kFloat;
    else if constexpr (std::is_same_v<T, double>) return c10::kDouble;
    else return c10::kLong;
}

inline std::string describe(const at::Tensor& t) {
    if (!t.defined()) return "an undefined tensor";
    std::ostringstream out;
    out << "a " << t.dim() << "-D " << c10::toString(t.scalar_type()) << " tensor on " << t.device()
        << (t.is_contiguous() ? "" : ", not contiguous");
    return out.str();
}

/// Checks a tensor is defined, on the CPU, contiguous, of dtype `type` and `dim` dimensions
/// (any number when `dim` < 0).
inline void require_tensor(std::string_view fn, std::string_view name, const at::Tensor& t, c10::ScalarType type,
                           int64_t dim) {
    if (!t.defined() || t.device().type() != c10::kCPU || !t.is_contiguous() || t.scalar_type() != type ||
        (dim >= 0 && t.dim() != dim)) {
        if (dim >= 0)
            fail(fn, name, " must be a contiguous CPU ", c10::toString(type), " tensor of ", dim, " dimension",
                 dim == 1 ? "" : "s", ", got ", describe(t));
        fail(fn, name, " must be a contiguous CPU ", c10::toString(type), " tensor, got ", describe(t));
    }
}

}  // namespace detail

/// A contiguous CPU 2-D tensor of T as a read-only row-major Eigen matrix (no copy).
template <Scalar T>
Eigen::Map<const row_matrix<T>> as_matrix(const at::Tensor& t, std::string_view fn = "prefrl::libtorch::as_matrix",
                                          std::string_view name = "tensor") {
    detail::require_tensor(fn, name, t, detail::scalar_type<T>(), 2);
    return {t.data_ptr<T>(), t.size(0), t.size(1)};
}

/// A contiguous CPU 2-D tensor of T as a writable row-major Eigen matrix (no copy).
template <Scalar T>
Eigen::Map<row_matrix<T>> as_mutable_matrix(at::Tensor& t, std::string_view fn = "prefrl::libtorch::as_mutable_matrix",
                                            std::string_view name = "tensor") {
    detail::require_tensor(fn, name, t, detail::scalar_type<T>(), 2);
    return {t.data_ptr<T>(), t.size(0), t.size(1)};
}

/// A contiguous CPU tensor of T, of any shape, as a read-only span over its entries (no copy).
template <class T>
    requires Scalar<T> || std::same_as<T, index_t>
std::span<const T> as_span(const at::Tensor& t, std::string_view fn = "prefrl::libtorch::as_span",
                           std::string_view name = "tensor") {
    detail::require_tensor(fn, name, t, detail::scalar_type<T>(), -1);
    return {t.data_ptr<T>(), static_cast<std::size_t>(t.numel())};
}

/// A writable span over a contiguous CPU tensor of T (no copy).
template <Scalar T>
std::span<T> as_mutable_span(at::Tensor& t, std::string_view fn = "prefrl::libtorch::as_mutable_span",
                             std::string_view name = "tensor") {
    detail::require_tensor(fn, name, t, detail::scalar_type<T>(), -1);
    return {t.data_ptr<T>(), static_cast<std::size_t>(t.numel())};
}

/// A tensor that shares the memory of an Eigen row-major matrix (no copy; keep the matrix alive).
template <Scalar T>
at::Tensor as_tensor(row_matrix<T>& m) {
    return torch::from_blob(m.data(), {m.rows(), m.cols()}, torch::TensorOptions().dtype(detail::scalar_type<T>()));
}

namespace detail {

inline void require_same_dtype(std::string_view fn, std::string_view name, const at::Tensor& t, const at::Tensor& like) {
    if (!t.defined() || t.scalar_type() != like.scalar_type())
        fail(fn, name, " must have the dtype of the first tensor (", c10::toString(like.scalar_type()), "), got ",
             describe(t));
}

/// An optional tensor as a span; absent or undefined: an empty span.
template <class T>
std::span<const T> optional_span(std::string_view fn, std::string_view name, const c10::optional<at::Tensor>& t) {
    return t.has_value() && t->defined() ? as_span<T>(*t, fn, name) : std::span<const T>{};
}

/// An undefined tensor as an absent optional (autograd's apply cannot take undefined tensors).
inline c10::optional<at::Tensor> optional_of(const at::Tensor& t) {
    return t.defined() ? c10::optional<at::Tensor>(t.detach()) : c10::nullopt;
}

/// Calls `f.template operator()<T>()` for the tensor's dtype, float or double.
template <class F>
auto dispatch(std::string_view fn, std::string_view name, const at::Tensor& t, F&& f) {
    if (t.defined() && t.scalar_type() == c10::kFloat) return f.template operator()<float>();
    if (t.defined() && t.scalar_type() == c10::kDouble) return f.template operator()<double>();
    fail(fn, name, " must be a float32 or float64 tensor, got ", describe(t));
}

/// The backward of a scalar loss whose gradients the forward formed: each saved gradient times
/// the upstream scalar, then undefined gradients for the `trailing` non-differentiable inputs.
inline torch::autograd::variable_list scaled_saved(torch::autograd::AutogradContext* ctx,
                                                   const torch::autograd::variable_list& grad, std::size_t leading,
                                                   std::size_t trailing) {
    torch::autograd::variable_list out(leading);
    for (const at::Tensor& g : ctx->get_saved_variables()) out.push_back(g * grad[0]);
    out.resize(out.size() + trailing);
    return out;
}

/// The forward the losses from hidden states share: `run(hidden, weight, d_hidden, d_weight)`
/// (Eigen views) runs the loss, forms both gradients and returns its result; the gradients are
/// saved for `scaled_saved`, the value returned as a scalar tensor.
template <class T, class Run>
at::Tensor loss_from_hidden(torch::autograd::AutogradContext* ctx, std::string_view fn, const at::Tensor& hidden,
                            const at::Tensor& weight, Run&& run) {
    require_same_dtype(fn, "weight", weight, hidden);
    at::Tensor d_hidden = torch::empty_like(hidden), d_weight = torch::empty_like(weight);
    const auto r = run(as_matrix<T>(hidden, fn, "hidden"), as_matrix<T>(weight, fn, "weight"),
                       as_mutable_matrix<T>(d_hidden, fn, "d_hidden"), as_mutable_matrix<T>(d_weight, fn, "d_weight"));
    ctx->save_for_backward({d_hidden, d_weight});
    return torch::scalar_tensor(static_cast<double>(r.value), hidden.options());
}

/// Token log-probs from logits; backward through the token kernel with the saved log-sum-exp.
struct token_logprobs_function : torch::autograd::Function<token_logprobs_function> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& labels,
                              const at::Tensor& mask) {
        constexpr auto fn = "prefrl::libtorch::token_logprobs";
        return dispatch(fn, "logits", logits, [&]<class T>() {
            const auto z = as_matrix<T>(logits, fn, "logits");
            require_same_dtype(fn, "mask", mask, logits);
            const auto forward = kernel::token_logprobs_forward(z, as_span<index_t>(labels, fn, "labels"),
                                                                as_span<T>(mask, fn, "mask"));
            at::Tensor lp = torch::empty({z.rows()}, logits.options());
            std::copy(forward.logprobs.data(), forward.logprobs.data() + z.rows(), lp.data_ptr<T>());
            at::Tensor lse = torch::empty({z.rows()}, logits.options().dtype(c10::kDouble));
            std::copy(forward.logsumexp.data(), forward.logsumexp.data() + z.rows(), lse.data_ptr<double>());
            ctx->save_for_backward({logits, labels, mask, lse});
            return lp;
        });
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grad) {
        constexpr auto fn = "prefrl::libtorch::token_logprobs (backward)";
        const auto saved = ctx->get_saved_variables();
        const at::Tensor &logits = saved[0], &labels = saved[1], &mask = saved[2], &lse = saved[3];
        const at::Tensor upstream = grad[0].contiguous();
        at::Tensor d_logits = torch::empty_like(logits);
        dispatch(fn, "logits", logits, [&]<class T>() {
            kernel::token_logprobs_backward(as_matrix<T>(logits, fn, "logits"), as_span<index_t>(labels, fn, "labels"),
                                            as_span<T>(mask, fn, "mask"), as_span<T>(upstream, fn, "grad_output"),
                                            as_span<double>(lse, fn, "logsumexp"),
                                            as_mutable_matrix<T>(d_logits, fn, "d_logits"));
            return 0;
        });
        return {d_logits, at::Tensor(), at::Tensor()};
    }
};

/// Sequence log-probs from logits: the token kernel, then sums of `steps` rows; the backward
/// broadcasts each sequence's upstream to its rows and runs the token kernel.
struct sequence_logprobs_function : torch::autograd::Function<sequence_logprobs_function> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& logits, const at::Tensor& labels,
                              const at::Tensor& mask, int64_t steps) {
        constexpr auto fn = "prefrl::libtorch::sequence_logprobs";
        return dispatch(fn, "logits", logits, [&]<class T>() {
            const auto z = as_matrix<T>(logits, fn, "logits");
            require_same_dtype(fn, "mask", mask, logits);
            require_positive(fn, "steps", steps);
            require(z.rows() % steps == 0, fn, "logits has ", z.rows(), " rows, not a multiple of steps = ", steps);
            const auto forward = kernel::token_logprobs_forward(z, as_span<index_t>(labels, fn, "labels"),
                                                                as_span<T>(mask, fn, "mask"));
            const vector<T> sums = kernel::sequence_sums(forward.logprobs, steps);
            at::Tensor seq = torch::empty({sums.size()}, logits.options());
            std::copy(sums.data(), sums.data() + sums.size(), seq.data_ptr<T>());
            at::Tensor lse = torch::empty({z.rows()}, logits.options().dtype(c10::kDouble));
            std::copy(forward.logsumexp.data(), forward.logsumexp.data() + z.rows(), lse.data_ptr<double>());
            ctx->save_for_backward({logits, labels, mask, lse});
            ctx->saved_data["steps"] = steps;
            return seq;
        });
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grad) {
        constexpr auto fn = "prefrl::libtorch::sequence_logprobs (backward)";
        const auto saved = ctx->get_saved_variables();
        const at::Tensor &logits = saved[0], &labels = saved[1], &mask = saved[2], &lse = saved[3];
        const int64_t steps = ctx->saved_data["steps"].toInt();
        const at::Tensor upstream = grad[0].contiguous();
        at::Tensor d_logits = torch::empty_like(logits);
        dispatch(fn, "logits", logits, [&]<class T>() {
            const vector<T> per_row = kernel::sequence_broadcast<T>(as_span<T>(upstream, fn, "grad_output"), steps);
            kernel::token_logprobs_backward(as_matrix<T>(logits, fn, "logits"), as_span<index_t>(labels, fn, "labels"),
                                            as_span<T>(mask, fn, "mask"), prefrl::as_span(per_row),
                                            as_span<double>(lse, fn, "logsumexp"),
                                            as_mutable_matrix<T>(d_logits, fn, "d_logits"));
            return 0;
        });
        return {d_logits, at::Tensor(), at::Tensor(), at::Tensor()};
    }
};

/// TRL's pair metrics into the caller's double struct (nothing when `out` is null).
template <class T>
void copy_metrics(const preference::pair_loss_metrics<T>& m, preference::pair_loss_metrics<double>* out) {
    if (out == nullptr) return;
    out->value = m.value;
    out->rewards_chosen = m.rewards_chosen;
    out->rewards_rejected = m.rewards_rejected;
    out->rewards_accuracies = m.rewards_accuracies;
    out->rewards_margins = m.rewards_margins;
    out->logps_chosen = m.logps_chosen;
    out->logps_rejected = m.logps_rejected;
}

/// A pair loss: value and gradient from one call in the forward; the backward scales the
/// saved gradient by the scalar upstream.
template <class Loss>
struct pair_loss_function : torch::autograd::Function<pair_loss_function<Loss>> {
    // optional tensors are constants (undefined ones cannot pass through autograd's apply)
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const Loss& loss, const at::Tensor& chosen,
                              const at::Tensor& rejected, const c10::optional<at::Tensor>& ref_chosen,
                              const c10::optional<at::Tensor>& ref_rejected,
                              preference::pair_loss_metrics<double>* metrics) {
        constexpr auto fn = "prefrl::libtorch::pair_loss";
        return dispatch(fn, "chosen", chosen, [&]<class T>() {
            require_same_dtype(fn, "rejected", rejected, chosen);
            const preference::pair_batch<T> batch{as_span<T>(chosen, fn, "chosen"), as_span<T>(rejected, fn, "rejected"),
                                                  optional_span<T>(fn, "ref_chosen", ref_chosen),
                                                  optional_span<T>(fn, "ref_rejected", ref_rejected)};
            at::Tensor d_chosen = torch::empty_like(chosen), d_rejected = torch::empty_like(rejected);
            const auto m = loss(batch, as_mutable_span<T>(d_chosen, fn, "d_chosen"),
                                as_mutable_span<T>(d_rejected, fn, "d_rejected"));
            copy_metrics(m, metrics);
            ctx->save_for_backward({d_chosen, d_rejected});
            return torch::scalar_tensor(static_cast<double>(m.value), chosen.options());
        });
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grad) {
        return scaled_saved(ctx, grad, 1, 3);
    }
};

/// A GRPO-family policy loss, the same way.
struct policy_loss_function : torch::autograd::Function<policy_loss_function> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const grpo::policy_loss& loss,
                              const at::Tensor& logps, const at::Tensor& mask, const at::Tensor& advantages,
                              const c10::optional<at::Tensor>& old_logps, const c10::optional<at::Tensor>& ref_logps) {
        constexpr auto fn = "prefrl::libtorch::policy_loss";
        return dispatch(fn, "logps", logps, [&]<class T>() {
            require_tensor(fn, "logps", logps, scalar_type<T>(), 2);
            require_same_dtype(fn, "mask", mask, logps);
            const grpo::token_batch<T> batch{logps.size(0),           logps.size(1),
                                             as_span<T>(logps, fn, "logps"), as_span<T>(mask, fn, "mask"),
                                             as_span<T>(advantages, fn, "advantages"), optional_span<T>(fn, "old_logps", old_logps),
                                             optional_span<T>(fn, "ref_logps", ref_logps)};
            at::Tensor d_logps = torch::empty_like(logps);
            const auto m = loss(batch, as_mutable_span<T>(d_logps, fn, "d_logps"));
            ctx->save_for_backward({d_logps});
            return torch::scalar_tensor(static_cast<double>(m.value), logps.options());
        });
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grad) {
        return scaled_saved(ctx, grad, 1, 4);
    }
};

/// The token NLL from hidden states and lm_head.weight (fused linear, one pass in the forward).
struct linear_cross_entropy_function : torch::autograd::Function<linear_cross_entropy_function> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& hidden, const at::Tensor& weight,
                              const at::Tensor& labels, const at::Tensor& mask) {
        constexpr auto fn = "prefrl::libtorch::linear_cross_entropy";
        return dispatch(fn, "hidden", hidden, [&]<class T>() {
            require_same_dtype(fn, "mask", mask, hidden);
            return loss_from_hidden<T>(ctx, fn, hidden, weight, [&](auto h, auto w, auto d_h, auto d_w) {
                return kernel::linear_cross_entropy(h, w, as_span<index_t>(labels, fn, "labels"),
                                                    as_span<T>(mask, fn, "mask"), d_h, d_w);
            });
        });
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grad) {
        return scaled_saved(ctx, grad, 0, 2);
    }
};

/// Any pair loss from hidden states and lm_head.weight (`preference::from_hidden`): the forward
/// forms d_hidden and d_weight (pair by pair for a separable loss, one pass when its pairs fit a chunk).
template <class Loss>
struct pair_loss_from_hidden_function : torch::autograd::Function<pair_loss_from_hidden_function<Loss>> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const Loss& loss, const at::Tensor& hidden,
                              const at::Tensor& weight, const at::Tensor& labels, const at::Tensor& mask,
                              const c10::optional<at::Tensor>& ref_chosen, const c10::optional<at::Tensor>& ref_rejected,
                              int64_t steps, kernel::linear_logprobs_options options,
                              preference::pair_loss_metrics<double>* metrics) {
        constexpr auto fn = "prefrl::libtorch::pair_loss_from_hidden";
        return dispatch(fn, "hidden", hidden, [&]<class T>() {
            require_same_dtype(fn, "mask", mask, hidden);
            return loss_from_hidden<T>(ctx, fn, hidden, weight, [&](auto h, auto w, auto d_h, auto d_w) {
                auto r = preference::from_hidden(loss, h, w, as_span<index_t>(labels, fn, "labels"),
                                                 as_span<T>(mask, fn, "mask"), optional_span<T>(fn, "ref_chosen", ref_chosen),
                                                 optional_span<T>(fn, "ref_rejected", ref_rejected), steps, d_h, d_w, options);
                copy_metrics(r, metrics);
                return r;
            });
        });
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grad) {
        return scaled_saved(ctx, grad, 1, 7);
    }
};

/// A GRPO-family policy loss from hidden states and lm_head.weight (`grpo::from_hidden`).
struct policy_loss_from_hidden_function : torch::autograd::Function<policy_loss_from_hidden_function> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const grpo::policy_loss& loss,
                              const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                              const at::Tensor& mask, const at::Tensor& advantages,
                              const c10::optional<at::Tensor>& old_logps, const c10::optional<at::Tensor>& ref_logps,
                              kernel::linear_logprobs_options options) {
        constexpr auto fn = "prefrl::libtorch::policy_loss_from_hidden";
        return dispatch(fn, "hidden", hidden, [&]<class T>() {
            require_tensor(fn, "mask", mask, scalar_type<T>(), 2);
            const grpo::token_batch<T> batch{mask.size(0),
                                             mask.size(1),
                                             {},
                                             as_span<T>(mask, fn, "mask"),
                                             as_span<T>(advantages, fn, "advantages"),
                                             optional_span<T>(fn, "old_logps", old_logps),
                                             optional_span<T>(fn, "ref_logps", ref_logps)};
            return loss_from_hidden<T>(ctx, fn, hidden, weight, [&](auto h, auto w, auto d_h, auto d_w) {
                return grpo::from_hidden(loss, h, w, as_span<index_t>(labels, fn, "labels"), batch, d_h, d_w, options);
            });
        });
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grad) {
        return scaled_saved(ctx, grad, 1, 6);
    }
};

}  // namespace detail

/// `lp[r] = mask[r] (logits[r, labels[r]] - logsumexp(logits[r]))`, differentiable with respect
/// to `logits` `[rows, vocab]`; the backward runs prefrl's token kernel with the forward's
/// log-sum-exps (no log_softmax tensor is formed). `labels` int64 `[rows]`, `mask` `[rows]`.
inline at::Tensor token_logprobs(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& mask) {
    return detail::token_logprobs_function::apply(logits, labels, mask);
}

/// `seq[s] = sum over the `steps` rows of sequence s of token_logprobs(logits, labels, mask)`,
/// `[rows / steps]`, differentiable with respect to `logits` `[rows, vocab]` (rows laid out
/// sequence by sequence); the backward runs the token kernel once, no log_softmax tensor.
inline at::Tensor sequence_logprobs(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& mask,
                                    int64_t steps) {
    return detail::sequence_logprobs_function::apply(logits, labels, mask, steps);
}

/// Any pair loss of `prefrl::preference` (DPO and its family) on sequence log-probs `[pairs]`,
/// a scalar tensor differentiable with respect to `chosen` and `rejected` (the references are
/// constants; pass undefined tensors to reference-free losses). With `metrics`, also TRL's
/// logged metrics.
template <class Loss>
at::Tensor pair_loss(const Loss& loss, const at::Tensor& chosen, const at::Tensor& rejected,
                     const at::Tensor& ref_chosen, const at::Tensor& ref_rejected,
                     preference::pair_loss_metrics<double>* metrics = nullptr) {
    return detail::pair_loss_function<Loss>::apply(loss, chosen, rejected, detail::optional_of(ref_chosen),
                                                   detail::optional_of(ref_rejected), metrics);
}

/// `prefrl::grpo::policy_loss` on token log-probs `[B, T]`, a scalar tensor differentiable with
/// respect to `logps`; `mask` `[B, T]`, `advantages` `[B]` (or `[B, T]`), `old_logps` and
/// `ref_logps` `[B, T]` or undefined (on-policy; no KL term).
inline at::Tensor policy_loss(const grpo::policy_loss& loss, const at::Tensor& logps, const at::Tensor& mask,
                              const at::Tensor& advantages, const at::Tensor& old_logps = {},
                              const at::Tensor& ref_logps = {}) {
    return detail::policy_loss_function::apply(loss, logps, mask, advantages, detail::optional_of(old_logps),
                                               detail::optional_of(ref_logps));
}

/// The token NLL (SFT) from hidden states `[rows, hidden_size]` and `lm_head.weight` `[vocab,
/// hidden_size]`, never holding the logits: `kernel::linear_cross_entropy` in the forward (which
/// also forms both gradients), a scalar differentiable with respect to `hidden` and `weight`.
inline at::Tensor linear_cross_entropy(const at::Tensor& hidden, const at::Tensor& weight, const at::Tensor& labels,
                                       const at::Tensor& mask) {
    return detail::linear_cross_entropy_function::apply(hidden, weight, labels, mask);
}

/// Any pair loss of `prefrl::preference` from hidden states `[2 * pairs * steps, hidden_size]`
/// (chosen sequences first, as `preference::from_hidden` lays them out) and `lm_head.weight`
/// `[vocab, hidden_size]`, never holding the logits: a scalar differentiable with respect to
/// `hidden` and `weight`. `labels` int64 and `mask` per row; `ref_chosen`, `ref_rejected`
/// `[pairs]` (constants), or undefined for a reference-free loss. With `metrics`, TRL's metrics.
template <class Loss>
at::Tensor pair_loss_from_hidden(const Loss& loss, const at::Tensor& hidden, const at::Tensor& weight,
                                 const at::Tensor& labels, const at::Tensor& mask, const at::Tensor& ref_chosen,
                                 const at::Tensor& ref_rejected, int64_t steps,
                                 preference::pair_loss_metrics<double>* metrics = nullptr,
                                 kernel::linear_logprobs_options options = {}) {
    return detail::pair_loss_from_hidden_function<Loss>::apply(loss, hidden, weight, labels, mask,
                                                               detail::optional_of(ref_chosen),
                                                               detail::optional_of(ref_rejected), steps, options, metrics);
}

/// `prefrl::grpo::policy_loss` from hidden states `[B * T, hidden_size]` and `lm_head.weight`
/// `[vocab, hidden_size]`, never holding the logits (`grpo::from_hidden`): a scalar
/// differentiable with respect to `hidden` and `weight`. `labels` int64 per row (the sampled
/// tokens), `mask` `[B, T]`, `advantages` `[B]` (or `[B, T]`), `old_logps` and `ref_logps`
/// `[B, T]` or undefined.
inline at::Tensor policy_loss_from_hidden(const grpo::policy_loss& loss, const at::Tensor& hidden,
                                          const at::Tensor& weight, const at::Tensor& labels, const at::Tensor& mask,
                                          const at::Tensor& advantages, const at::Tensor& old_logps = {},
                                          const at::Tensor& ref_logps = {},
                                          kernel::linear_logprobs_options options = {}) {
    return detail::policy_loss_from_hidden_function::apply(loss, hidden, weight, labels, mask, advantages,
                                                           detail::optional_of(old_logps),
                                                           detail::optional_of(ref_logps), options);
}

}  // namespace prefrl::libtorch

#endif  // PREFRL_INTEROP_TORCH_HPP
