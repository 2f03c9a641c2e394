#ifndef PREFRL_OPTIM_ADAM_HPP
#define PREFRL_OPTIM_ADAM_HPP

/// \file
/// Adam and AdamW on a flat parameter vector.

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

namespace prefrl::optim {

/// Adam's settings; the defaults are PyTorch's and optax's.
struct adam_options {
    double learning_rate = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-8;       ///< added to sqrt(v_hat), outside the root (PyTorch, optax)
    double weight_decay = 0.0;   ///< decoupled (AdamW): p <- p - lr * weight_decay * p
};

}  // namespace prefrl::optim

namespace prefrl::detail {

/// Checks Adam's settings for the public function `fn`, naming each field as `prefix` + field
/// (a learner holding its Adam settings in `options.adam` passes "adam.").
inline void check_adam_options(std::string_view fn, std::string_view prefix, const optim::adam_options& o) {
    const auto field = [&](std::string_view name) { return concat(prefix, name); };
    require_positive(fn, field("learning_rate"), o.learning_rate);
    require_in_half_open(fn, field("beta1"), o.beta1, 0.0, 1.0);
    require_in_half_open(fn, field("beta2"), o.beta2, 0.0, 1.0);
    require_positive(fn, field("epsilon"), o.epsilon);
    require_non_negative(fn, field("weight_decay"), o.weight_decay);
}

}  // namespace prefrl::detail

namespace prefrl::optim {

/// **Adam** — Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"; with
/// `weight_decay > 0` the decoupled **AdamW** of Loshchilov & Hutter 2019. Step t:
///
///     m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
///     p <- p - lr wd p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
///
/// the update of `torch.optim.AdamW` and `optax.adamw` (tested against PyTorch). The state
/// holds one moment pair per parameter; parameters and gradients are flat spans the caller
/// packs (see `prefrl::icl::lsa_trainer` for an example).
template <std::floating_point T>
class adam {
public:
    /// An optimizer for `parameters` values (the length of the flat spans `step` takes), its
    /// moments zero.
    adam(std::size_t parameters, adam_options options = {}) : options_(options), m_(parameters, T(0)), v_(parameters, T(0)) {
        constexpr auto fn = "prefrl::optim::adam";
        require_non_empty(fn, "parameters", parameters);
        detail::check_adam_options(fn, "", options);
    }

    /// One update of `parameters` from `gradients` (same length as the optimizer's state).
    void step(std::span<T> parameters, std::span<const T> gradients) {
        constexpr auto fn = "prefrl::optim::adam::step";
        require_same_size(fn, "parameters", parameters.size(), "the optimizer's state", m_.size());
        require_same_size(fn, "gradients", gradients.size(), "parameters", parameters.size());
        for (std::size_t i = 0; i < gradients.size(); ++i)
            require(std::isfinite(gradients[i]), fn, "gradients[", i, "] must be finite, got ", gradients[i]);
        ++steps_;
        const double t = static_cast<double>(steps_);
        // (1 - beta) is formed in double and then rounded, as PyTorch does with its Python floats
        const T b1 = static_cast<T>(options_.beta1), b2 = static_cast<T>(options_.beta2);
        const T rest1 = static_cast<T>(1.0 - options_.beta1), rest2 = static_cast<T>(1.0 - options_.beta2);
        const T step_size = static_cast<T>(options_.learning_rate / (1.0 - std::pow(options_.beta1, t)));
        const T root_correction = static_cast<T>(std::sqrt(1.0 - std::pow(options_.beta2, t)));
        const T eps = static_cast<T>(options_.epsilon);
        const T decay = static_cast<T>(1.0 - options_.learning_rate * options_.weight_decay);
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            const T g = gradients[i];
            m_[i] = b1 * m_[i] + rest1 * g;
            v_[i] = b2 * v_[i] + rest2 * g * g;
            parameters[i] = decay * parameters[i] - step_size * m_[i] / (std::sqrt(v_[i]) / root_correction + eps);
        }
    }

    /// `step` on containers: `std::vector`, `std::array` or `Eigen::VectorX` of T (the
    /// parameters updated in place).
    template <MutableScalarRange P, ScalarRangeOf<T> Gr>
        requires std::same_as<range_scalar_t<P>, T>
    void step(P& parameters, const Gr& gradients) {
        step(as_mutable_span(parameters), as_span(gradients));
    }

    /// Updates taken so far.
    [[nodiscard]] std::int64_t steps() const { return steps_; }
    [[nodiscard]] const adam_options& options() const { return options_; }
    /// Parameters the state is sized for.
    [[nodiscard]] std::size_t state_size() const { return m_.size(); }

private:
    adam_options options_;
    std::vector<T> m_, v_;
    std::int64_t steps_ = 0;
};

/// **Global-norm clipping** (Pascanu et al. 2013, "On the difficulty of training recurrent
/// neural networks"; optax's `clip_by_global_norm`): when ||g||_2 > max_norm, scales g to
/// norm max_norm. Returns the norm before clipping.
template <std::floating_point T>
double clip_by_global_norm(std::span<T> gradients, double max_norm) {
    constexpr auto fn = "prefrl::optim::clip_by_global_norm";
    require_positive(fn, "max_norm", max_norm);
    // scaled by the largest |g| first (LAPACK's nrm2): finite gradients of 1e200 have a finite norm
    double largest = 0.0;
    for (std::size_t i = 0; i < gradients.size(); ++i) {
        require(std::isfinite(gradients[i]), fn, "gradients[", i, "] must be finite, got ", gradients[i]);
        largest = std::max(largest, std::abs(static_cast<double>(gradients[i])));
    }
    double squares = 0.0;
    if (largest > 0.0)
        for (const T g : gradients) {
            const double x = static_cast<double>(g) / largest;
            squares += x * x;
        }
    const double norm = largest * std::sqrt(squares);
    require(std::isfinite(norm), fn, "the norm of the gradients overflows a double: ", largest, " * ", std::sqrt(squares));
    if (norm > max_norm) {
        const T scale = static_cast<T>(max_norm / norm);
        for (T& g : gradients) g *= scale;
    }
    return norm;
}

/// `clip_by_global_norm(gradients, max_norm)` on a `std::vector`, `std::array` or
/// `Eigen::VectorX` of gradients, clipped in place, the scalar deduced.
template <MutableScalarRange R>
double clip_by_global_norm(R& gradients, double max_norm) {
    return clip_by_global_norm(as_mutable_span(gradients), max_norm);
}

}  // namespace prefrl::optim

#endif  // PREFRL_OPTIM_ADAM_HPP
