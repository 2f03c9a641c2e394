#ifndef PREFRL_MDP_GARNET_HPP
#define PREFRL_MDP_GARNET_HPP

/// \file
/// Garnet random MDPs (Archibald et al. 1995, as used by Geist & Scherrer 2014).

#include <algorithm>
#include <concepts>
#include <numeric>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"

namespace prefrl::mdp {

/// Garnet's reward options.
struct garnet_options {
    bool per_action_rewards = false;  ///< R[s, a] ~ U(0, 1) iid (default: r(s) ~ U(0, 1) for every a)
};

/// **Garnet(S, A, b)**: every (s, a) moves to b distinct next states drawn uniformly without
/// replacement, with probabilities the gaps between 0, b - 1 sorted U(0, 1) cut points and 1
/// (a Dirichlet(1, ..., 1) draw); rewards r(s) ~ U(0, 1) per state (or per (s, a)); mu0
/// uniform. The same generator state gives the same MDP.
template <std::floating_point T, RandomGenerator G>
tabular_mdp<T> garnet(index_t states, index_t actions, index_t branching, T gamma, G& rng, garnet_options options = {}) {
    constexpr auto fn = "prefrl::mdp::garnet";
    require_positive(fn, "states", states);
    require_positive(fn, "actions", actions);
    require(branching >= 1 && branching <= states, fn, "branching must be in [1, states = ", states, "], got ", branching);
    require(gamma >= T(0) && gamma < T(1), fn, "gamma must be in [0, 1), got ", gamma);
    detail::check_dense_mdp_size(fn, states, actions);
    tabular_mdp<T> mdp;
    mdp.transitions = xt::xtensor<T, 3>::from_shape({static_cast<std::size_t>(states), static_cast<std::size_t>(actions),
                                                      static_cast<std::size_t>(states)});
    mdp.transitions.fill(T(0));
    mdp.rewards = row_matrix<T>(states, actions);
    mdp.gamma = gamma;
    std::vector<index_t> pool(static_cast<std::size_t>(states));
    std::vector<double> cuts;
    for (index_t s = 0; s < states; ++s) {
        for (index_t a = 0; a < actions; ++a) {
            std::iota(pool.begin(), pool.end(), index_t{0});
            for (index_t k = 0; k < branching; ++k) {  // partial Fisher-Yates: the first b are the sample
                const index_t j = k + uniform_index(states - k, rng);
                std::swap(pool[static_cast<std::size_t>(k)], pool[static_cast<std::size_t>(j)]);
            }
            cuts.assign(1, 0.0);
            for (index_t k = 1; k < branching; ++k) cuts.push_back(uniform01<double>(rng));
            cuts.push_back(1.0);
            std::sort(cuts.begin(), cuts.end());
            for (index_t k = 0; k < branching; ++k)
                mdp.transitions(s, a, pool[static_cast<std::size_t>(k)]) =
                    static_cast<T>(cuts[static_cast<std::size_t>(k) + 1] - cuts[static_cast<std::size_t>(k)]);
        }
    }
    for (index_t s = 0; s < states; ++s) {
        const T shared = uniform01<T>(rng);
        for (index_t a = 0; a < actions; ++a) mdp.rewards(s, a) = options.per_action_rewards ? uniform01<T>(rng) : shared;
    }
    mdp.validate(fn);
    return mdp;
}

}  // namespace prefrl::mdp

#endif  // PREFRL_MDP_GARNET_HPP
