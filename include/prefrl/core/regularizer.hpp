#ifndef PREFRL_CORE_REGULARIZER_HPP
#define PREFRL_CORE_REGULARIZER_HPP

/// \file
/// The `Regularizer` concept: an offline-RL loss term with its gradients.

#include <concepts>

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

}  // namespace prefrl

#endif  // PREFRL_CORE_REGULARIZER_HPP
