#ifndef PREFRL_MDP_OCCUPANCY_HPP
#define PREFRL_MDP_OCCUPANCY_HPP

/// \file
/// Discounted state and state-action occupancy measures of a policy.

#include <concepts>
#include <type_traits>

#include <Eigen/Core>
#include <Eigen/LU>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/mdp/dynamic_programming.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"

namespace prefrl::mdp {

/// A policy's discounted occupancy.
template <std::floating_point T>
struct occupancy_measure {
    vector<T> state;             ///< d_pi(s)
    row_matrix<T> state_action;  ///< d_pi(s, a) = d_pi(s) pi(a | s)
};

/// **Discounted occupancy** (Puterman 1994, §6.9; the LP view of Syed et al. 2008):
/// `d_pi = (1 - gamma) (I - gamma P_pi^T)^{-1} mu0`, summing to 1, and
/// `d_pi(s, a) = d_pi(s) pi(a | s)`; `normalized = false` returns them divided by
/// (1 - gamma) (total 1 / (1 - gamma)). P is used as given (an episode end should be an
/// absorbing zero-reward state). It satisfies the flow constraint
/// `sum_a d(s', a) = (1 - gamma) mu0(s') + gamma sum_{s,a} P[s, a, s'] d(s, a)` and
/// `mu0^T V^pi = sum_{s,a} d(s, a) R[s, a] / (1 - gamma)`.
template <std::floating_point T>
occupancy_measure<T> occupancy(const tabular_mdp<T>& mdp, std::type_identity_t<const_matrix_ref<T>> pi, bool normalized = true) {
    row_matrix<T> p_pi = detail::checked_policy_chain("prefrl::mdp::occupancy", mdp, pi, false).p_pi;
    // terminal rows are empty in p_pi; as absorbing states they keep their mass
    for (index_t s = 0; s < mdp.states(); ++s)
        if (mdp.is_terminal(s)) p_pi(s, s) = T(1);
    const row_matrix<T> system = row_matrix<T>::Identity(mdp.states(), mdp.states()) - mdp.gamma * p_pi.transpose();
    const T scale = normalized ? T(1) - mdp.gamma : T(1);
    occupancy_measure<T> out;
    out.state = scale * system.partialPivLu().solve(mdp.start_distribution());
    out.state_action = out.state.asDiagonal() * pi;
    return out;
}

}  // namespace prefrl::mdp

#endif  // PREFRL_MDP_OCCUPANCY_HPP
