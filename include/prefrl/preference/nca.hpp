#ifndef PREFRL_PREFERENCE_NCA_HPP
#define PREFRL_PREFERENCE_NCA_HPP

/// \file
/// NCA (TRL loss_type "nca_pair").

#include <algorithm>
#include <cmath>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/preference/pair_batch.hpp"

namespace prefrl::preference {

/// **NCA** — Chen et al. 2024, "Noise Contrastive Alignment of Language Models with Explicit
/// Rewards"; TRL `loss_type="nca_pair"`:
///
///     loss = -log_sigmoid(beta a) - 0.5 log_sigmoid(-beta a) - 0.5 log_sigmoid(-beta b)
struct nca {
    double beta = 0.1;

    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        constexpr auto fn = "prefrl::preference::nca";
        require_positive(fn, "beta", beta);
        prefrl::detail::validate_pairs(fn, batch, {.reference = true});
        return prefrl::detail::mean_over_pairs(batch, [&](std::size_t i) {
            const auto [a, b] = prefrl::detail::pair_log_ratios(batch, i);
            const double ra = beta * a, rb = beta * b;
            const double loss = -log_sigmoid(ra) - 0.5 * log_sigmoid(-ra) - 0.5 * log_sigmoid(-rb);
            const double dc = beta * (-sigmoid(-ra) + 0.5 * sigmoid(ra));
            const double dr = 0.5 * beta * sigmoid(rb);
            return prefrl::detail::pair_term{loss, dc, dr, ra, rb};
        });
    }
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_NCA_HPP
