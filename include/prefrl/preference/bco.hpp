#ifndef PREFRL_PREFERENCE_BCO_HPP
#define PREFRL_PREFERENCE_BCO_HPP

/// \file
/// BCO, paired form (TRL loss_type "bco_pair").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **BCO** — Jung et al. 2024, "Binary Classifier Optimization for Large Language Model
/// Alignment"; TRL `loss_type="bco_pair"`. `delta` is the running mean of the batch-mean
/// rewards beta [a; b] that TRL keeps (detached; 0 before the first update):
///
///     loss = -log_sigmoid(beta a - delta) - log_sigmoid(-(beta b - delta))
struct bco {
    double beta = 0.1;
    double delta = 0.0;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::bco";
        require_positive(fn, "beta", beta);
        require_finite(fn, "delta", delta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const auto [a, b] = prefrl::detail::pair_log_ratios(batch, i);
            const double ra = beta * a, rb = beta * b;
            const double loss = -log_sigmoid(ra - delta) - log_sigmoid(-(rb - delta));
            return prefrl::detail::pair_term{loss, -beta * sigmoid(-(ra - delta)), beta * sigmoid(rb - delta), ra, rb};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_BCO_HPP
