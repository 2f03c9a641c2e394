#ifndef PREFRL_CORE_REGULARIZER_HPP
#define PREFRL_CORE_REGULARIZER_HPP

/// \file
/// The `Regularizer` concept (an offline-RL loss term with its gradients) and its refinement
/// `InSampleValueLoss` (a value-regression term in-sample value learning can minimise).

#include <concepts>
#include <span>

#include "prefrl/core/types.hpp"

namespace prefrl {

/// **Regularizer** — an offline-RL loss term (behaviour cloning, CQL, IQL's expectile, XQL's
/// Gumbel loss, f-DVL, TD3+BC, ...) called on the quantities it touches.
///
/// Given `const R term` and inputs `args...` (for example `(q, v)` for a value-regression
/// loss, `(q, actions)` for CQL):
///
/// 1. `term(args...)` returns a result `r`;
/// 2. `r.value` -> a floating-point scalar: the term averaged over the batch;
/// 3. one gradient field per differentiable input, named `d_<input>` (`d_v`, `d_q`,
///    `d_policy_action`), shaped like that input.
///
/// Laws: each `d_<input>` matches central differences of `value` in that input; inputs that
/// are held constant (stop-gradient targets) get no field; bad hyperparameters (tau outside
/// (0, 1), alpha < 0) throw `prefrl::invalid_argument` naming the term and the field.
///
/// Not required: a particular argument list (each term takes what it needs), parameters.
///
/// Models: every term in `prefrl::offline`.
template <class R, class... Args>
concept Regularizer = std::invocable<const R&, Args...> && requires(const R& term, Args&&... args) {
    { term(static_cast<Args&&>(args)...).value } -> std::convertible_to<double>;
};

/// Checks `Regularizer<R, Args...>` requirement by requirement, naming what is missing.
template <class R, class... Args>
consteval bool check_regularizer() {
    static_assert(std::invocable<const R&, Args...>,
                  "prefrl::Regularizer: the term cannot be called const with these arguments");
    if constexpr (std::invocable<const R&, Args...>) {
        static_assert(requires(const R& term, Args&&... args) {
                          { term(static_cast<Args&&>(args)...).value } -> std::convertible_to<double>;
                      },
                      "prefrl::Regularizer: the result must have a floating-point field `value`");
    }
    return Regularizer<R, Args...>;
}

/// **InSampleValueLoss** — a value-regression `Regularizer` that in-sample value learning can
/// minimise: called on spans `(q, v)` of one scalar type T, its result has `d_v`, the gradient
/// in v (IQL's expectile, Kostrikov et al. 2021, eq. 5; XQL's Gumbel loss, Garg et al. 2023;
/// ODICE's f-DVL, Mao et al. 2024).
///
/// Given `const L loss` and `std::span<const T> q, v` of equal size:
///
/// 1. `loss(q, v).value` -> floating point: the loss averaged over the batch;
/// 2. `loss(q, v).d_v` -> `prefrl::vector<T>`: its gradient in v.
///
/// Laws: convex in each v_i (the solvers find V(s) from the sign of the slope, by bisection);
/// `d_v` matches central differences of `value`.
///
/// Models: `offline::expectile`, `offline::gumbel`, `offline::fdvl`.
/// Consumed by: `offline::tabular_in_sample`, `offline::linear_in_sample`.
template <class L, class T>
concept InSampleValueLoss = Regularizer<L, std::span<const T>, std::span<const T>> &&
                            requires(const L& loss, std::span<const T> x) {
                                { loss(x, x).d_v } -> std::convertible_to<vector<T>>;
                            };

/// Checks `InSampleValueLoss<L, T>` requirement by requirement, naming what is missing.
template <class L, class T>
consteval bool check_in_sample_value_loss() {
    static_assert(std::invocable<const L&, std::span<const T>, std::span<const T>>,
                  "prefrl::InSampleValueLoss: the loss cannot be called const on two std::span<const T> (q, v)");
    if constexpr (std::invocable<const L&, std::span<const T>, std::span<const T>>) {
        static_assert(requires(const L& loss, std::span<const T> x) {
                          { loss(x, x).value } -> std::convertible_to<double>;
                      },
                      "prefrl::InSampleValueLoss: the result must have a floating-point field `value`");
        static_assert(requires(const L& loss, std::span<const T> x) {
                          { loss(x, x).d_v } -> std::convertible_to<vector<T>>;
                      },
                      "prefrl::InSampleValueLoss: the result must have a field `d_v` convertible to prefrl::vector<T>");
    }
    return InSampleValueLoss<L, T>;
}

}  // namespace prefrl

#endif  // PREFRL_CORE_REGULARIZER_HPP
