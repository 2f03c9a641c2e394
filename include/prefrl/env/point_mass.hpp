#ifndef PREFRL_ENV_POINT_MASS_HPP
#define PREFRL_ENV_POINT_MASS_HPP

/// \file
/// A one-dimensional point mass to steer to the origin: a continuous toy control task.

#include <algorithm>
#include <cmath>
#include <concepts>

#include "prefrl/core/environment.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::env {

/// Settings of `point_mass`.
struct point_mass_options {
    double step_size = 0.25;  ///< x' = x + step_size a + noise
    double noise = 0.02;      ///< standard deviation of the Gaussian noise on x'
};

/// **Point mass** — the linear-quadratic toy of continuous control: position x in [-1, 1]
/// (uniform at reset), action a clipped to [-1, 1], `x' = clip(x + step_size a + noise N(0, 1), -1, 1)`,
/// reward `-x'^2`; no terminal state (cut episodes with a time limit, e.g. `collect`'s
/// max_steps). The best action is `clip(-x / step_size, -1, 1)`. A model of `Environment`
/// with `state_type = action_type = T`.
template <std::floating_point T = double>
class point_mass {
public:
    using state_type = T;
    using action_type = T;
    using scalar_type = T;

    explicit point_mass(point_mass_options options = {}) : options_(options) {
        constexpr auto fn = "prefrl::env::point_mass";
        require_positive(fn, "step_size", options.step_size);
        require_non_negative(fn, "noise", options.noise);
    }

    template <RandomGenerator G>
    T reset(G& rng) {
        x_ = static_cast<T>(2.0 * uniform01<double>(rng) - 1.0);
        return x_;
    }

    template <RandomGenerator G>
    step_result<T, T> step(T action, G& rng) {
        require(std::isfinite(action), "prefrl::env::point_mass::step", "action must be finite, got ", action);
        const double a = std::clamp(static_cast<double>(action), -1.0, 1.0);
        const double next = std::clamp(static_cast<double>(x_) + options_.step_size * a + options_.noise * normal<double>(rng), -1.0, 1.0);
        x_ = static_cast<T>(next);
        return {x_, static_cast<T>(-next * next), false, false};
    }

    /// The best action at x (one step to the origin, saturated).
    [[nodiscard]] T best_action(T x) const {
        require(std::isfinite(x), "prefrl::env::point_mass::best_action", "x must be finite, got ", x);
        return static_cast<T>(std::clamp(-static_cast<double>(x) / options_.step_size, -1.0, 1.0));
    }

private:
    point_mass_options options_;
    T x_ = T(0);
};

}  // namespace prefrl::env

#endif  // PREFRL_ENV_POINT_MASS_HPP
