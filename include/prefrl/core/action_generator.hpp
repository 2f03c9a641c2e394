#ifndef PREFRL_CORE_ACTION_GENERATOR_HPP
#define PREFRL_CORE_ACTION_GENERATOR_HPP

/// \file
/// The `ActionGenerator` concept: a generative model of actions, called on a batch.

#include <concepts>
#include <type_traits>

#include "prefrl/core/types.hpp"

namespace prefrl {

/// **ActionGenerator** — a model that re-generates an action for a state, batched: A2PR's
/// "generative model of good actions" (Liu et al. 2024), which the paper builds as a VAE.
///
/// Given `const G g`, states `s` as `const_matrix_ref<T>` [batch, state dims] and actions `a`
/// as `const_matrix_ref<T>` [batch, action dims]:
///
/// 1. `g(s, a)` -> something convertible to `row_matrix<T>` [batch, action dims]: one
///    generated action per row (a VAE's reconstruction of a, a nearest neighbour, a
///    Gaussian's mean...).
///
/// Laws: same inputs, same output (a stochastic model owns and advances its generator).
///
/// Not required: differentiability (consumers hold the generated action constant), a
/// particular training procedure.
///
/// Models: `prefrl::offline::nearest_good_action<T>`; any lambda with that signature.
template <class G, class T>
concept ActionGenerator = Scalar<T> && requires(const G& g, const_matrix_ref<T> s, const_matrix_ref<T> a) {
    { g(s, a) } -> std::convertible_to<row_matrix<T>>;
};

/// **ActionCritic** — a batched Q(s, a): `c(s, a)` -> something convertible to `vector<T>`
/// [batch], one value per row of (s, a).
///
/// Models: any lambda wrapping your critic network; A2PR's convenience overload calls it.
template <class C, class T>
concept ActionCritic = Scalar<T> && requires(const C& c, const_matrix_ref<T> s, const_matrix_ref<T> a) {
    { c(s, a) } -> std::convertible_to<vector<T>>;
};

/// Checks `ActionGenerator<G, T>`, naming what is missing.
template <class G, class T>
consteval bool check_action_generator() {
    static_assert(Scalar<T>, "prefrl::ActionGenerator: T must be float or double");
    static_assert(std::invocable<const G&, const_matrix_ref<T>, const_matrix_ref<T>>,
                  "prefrl::ActionGenerator: missing `operator()(const_matrix_ref<T> states, const_matrix_ref<T> actions) const`");
    if constexpr (std::invocable<const G&, const_matrix_ref<T>, const_matrix_ref<T>>)
        static_assert(std::convertible_to<std::invoke_result_t<const G&, const_matrix_ref<T>, const_matrix_ref<T>>, row_matrix<T>>,
                      "prefrl::ActionGenerator: the call must return a row_matrix<T> [batch, action dims]");
    return ActionGenerator<G, T>;
}

}  // namespace prefrl

#endif  // PREFRL_CORE_ACTION_GENERATOR_HPP
