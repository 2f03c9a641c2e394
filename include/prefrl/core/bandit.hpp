#ifndef PREFRL_CORE_BANDIT_HPP
#define PREFRL_CORE_BANDIT_HPP

/// \file
/// The `Bandit` and `ContextualBandit` concepts and the `decision` a bandit's select returns.

#include <concepts>
#include <span>

#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl {

/// One bandit decision: the arm and the probability with which it was chosen, so every
/// decision can be logged for off-policy evaluation. `estimated` is true when the
/// propensity is a Monte-Carlo estimate (Thompson sampling, LinTS) rather than exact.
template <class T>
struct decision {
    index_t arm;
    T propensity;
    bool estimated = false;
};

/// **Bandit** — a multi-armed bandit algorithm: choose an arm, learn from its reward.
///
/// Given `const B cb`, a mutable `B b`, an arm `index_t a`, a `scalar_type r` and a
/// `prefrl::generator rng`:
///
/// 1. `B::scalar_type` (`float` or `double`).
/// 2. `cb.num_arms()` -> integer K.
/// 3. `b.select(rng)` -> a result with `.arm` in [0, K) and `.propensity` in (0, 1]
///    (use `prefrl::decision<T>`); ties are broken at random and counted in the propensity.
/// 4. `b.update(a, r)`: learns from reward `r` of arm `a`.
///
/// Laws: the same seed and rewards give the same decisions; `propensity` is the exact
/// probability of the returned arm (or its estimate, flagged by `estimated`); an arm out
/// of range or a NaN reward in `update` throws `prefrl::invalid_argument`.
///
/// Not required: a stationary reward model, `const` selection (bandits keep counters).
///
/// Models: `prefrl::bandit` epsilon-greedy, UCB1, KL-UCB, Thompson sampling, EXP3, softmax.
template <class B>
concept Bandit =
    requires { typename B::scalar_type; } && Scalar<typename B::scalar_type> &&
    requires(const B& cb, B& b, index_t a, typename B::scalar_type r, generator& rng) {
        { cb.num_arms() } -> std::convertible_to<index_t>;
        { b.select(rng).arm } -> std::convertible_to<index_t>;
        { b.select(rng).propensity } -> std::convertible_to<typename B::scalar_type>;
        b.update(a, r);
    };

/// **ContextualBandit** — a bandit that sees a context vector x before choosing.
///
/// As `Bandit`, with a context `std::span<const scalar_type> x` of size `context_size()`:
///
/// 1. `B::scalar_type`; `cb.num_arms()`; `cb.context_size()` -> integer d.
/// 2. `b.select(x, rng)` -> `.arm`, `.propensity` as for `Bandit`.
/// 3. `b.update(x, a, r)`: learns from reward `r` of arm `a` in context `x`.
///
/// Laws: as `Bandit`; a context of the wrong size throws `prefrl::invalid_argument`.
///
/// Models: `prefrl::bandit` LinUCB, LinTS, SquareCB (inverse-gap weighting), epsilon-greedy
/// over an oracle, the Adyen-style batched bandit.
template <class B>
concept ContextualBandit =
    requires { typename B::scalar_type; } && Scalar<typename B::scalar_type> &&
    requires(const B& cb, B& b, std::span<const typename B::scalar_type> x, index_t a,
             typename B::scalar_type r, generator& rng) {
        { cb.num_arms() } -> std::convertible_to<index_t>;
        { cb.context_size() } -> std::convertible_to<index_t>;
        { b.select(x, rng).arm } -> std::convertible_to<index_t>;
        { b.select(x, rng).propensity } -> std::convertible_to<typename B::scalar_type>;
        b.update(x, a, r);
    };

/// Checks `Bandit<B>` requirement by requirement, naming what is missing.
template <class B>
consteval bool check_bandit() {
    static_assert(requires { typename B::scalar_type; },
                  "prefrl::Bandit: the type must declare `using scalar_type = float;` or double");
    if constexpr (requires { typename B::scalar_type; }) {
        using T = typename B::scalar_type;
        static_assert(requires(const B& b) { { b.num_arms() } -> std::convertible_to<index_t>; },
                      "prefrl::Bandit: missing `index_t num_arms() const`");
        static_assert(requires(B& b, generator& rng) { b.select(rng).arm; b.select(rng).propensity; },
                      "prefrl::Bandit: missing `template <class G> decision<scalar_type> select(G& rng)`");
        static_assert(requires(B& b, index_t a, T r) { b.update(a, r); },
                      "prefrl::Bandit: missing `void update(index_t arm, scalar_type reward)`");
    }
    return Bandit<B>;
}

/// Checks `ContextualBandit<B>` requirement by requirement, naming what is missing.
template <class B>
consteval bool check_contextual_bandit() {
    static_assert(requires { typename B::scalar_type; },
                  "prefrl::ContextualBandit: the type must declare `using scalar_type = float;` or double");
    if constexpr (requires { typename B::scalar_type; }) {
        using T = typename B::scalar_type;
        static_assert(requires(const B& b) { { b.num_arms() } -> std::convertible_to<index_t>; },
                      "prefrl::ContextualBandit: missing `index_t num_arms() const`");
        static_assert(requires(const B& b) { { b.context_size() } -> std::convertible_to<index_t>; },
                      "prefrl::ContextualBandit: missing `index_t context_size() const`");
        static_assert(requires(B& b, std::span<const T> x, generator& rng) { b.select(x, rng).arm; b.select(x, rng).propensity; },
                      "prefrl::ContextualBandit: missing `template <class G> decision<scalar_type> select(std::span<const scalar_type> context, G& rng)`");
        static_assert(requires(B& b, std::span<const T> x, index_t a, T r) { b.update(x, a, r); },
                      "prefrl::ContextualBandit: missing `void update(std::span<const scalar_type> context, index_t arm, scalar_type reward)`");
    }
    return ContextualBandit<B>;
}

}  // namespace prefrl

#endif  // PREFRL_CORE_BANDIT_HPP
