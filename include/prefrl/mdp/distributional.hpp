#ifndef PREFRL_MDP_DISTRIBUTIONAL_HPP
#define PREFRL_MDP_DISTRIBUTIONAL_HPP

/// \file
/// Categorical distributional policy evaluation on a tabular MDP.

#include <cmath>
#include <concepts>
#include <type_traits>
#include <span>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/mdp/dynamic_programming.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"
#include "prefrl/value/categorical_projection.hpp"

namespace prefrl::mdp {

/// Return laws per state on a fixed support: `probabilities(s, i)` = P(G(s) = support[i]).
template <std::floating_point T>
struct categorical_return_laws {
    vector<T> support;
    row_matrix<T> probabilities;  ///< [states, atoms]
    int sweeps = 0;

    /// The mean of each state's law.
    [[nodiscard]] vector<T> means() const {
        if (probabilities.cols() != support.size())
            fail("prefrl::mdp::categorical_return_laws::means", "probabilities has ", probabilities.cols(),
                 " columns but support has ", support.size(), " atoms");
        return probabilities * support;
    }
};

/// **Categorical distributional policy evaluation** (Bellemare et al. 2017; Rowland et al.
/// 2018): from a point mass at the atom nearest 0,
/// `eta(s) <- Proj( sum_a pi(a|s) sum_s' P[s, a, s'] law(R[s, a] + gamma (1 - terminal[s']) Z') )`,
/// `Z' ~ eta(s')`, with `value::categorical_l2_project`, until the largest change of a
/// probability is below `tolerance`. A contraction (sqrt(gamma) in the Cramer metric); when
/// the support covers [R_min / (1 - gamma), R_max / (1 - gamma)] nothing is clipped and the
/// fixed point's means are V^pi.
template <std::floating_point T>
categorical_return_laws<T> categorical_policy_evaluation(const tabular_mdp<T>& mdp, std::type_identity_t<const_matrix_ref<T>> pi, std::span<const std::type_identity_t<T>> support,
                                                         double tolerance = 1e-13, int max_sweeps = 100000) {
    constexpr auto fn = "prefrl::mdp::categorical_policy_evaluation";
    mdp.validate(fn);
    detail::check_policy_matrix(fn, mdp, pi);
    require_finite(fn, "tolerance", tolerance);
    require_positive(fn, "tolerance", tolerance);
    require_positive(fn, "max_sweeps", max_sweeps);
    for (std::size_t i = 0; i < support.size(); ++i)
        require(std::isfinite(support[i]), fn, "support[", i, "] must be finite, got ", support[i]);
    require(support.size() >= 2, fn, "the support needs at least 2 atoms, got ", support.size());
    for (std::size_t i = 1; i < support.size(); ++i)
        require(support[i] > support[i - 1], fn, "support must increase, support[", i, "] = ", support[i], " after ",
                support[i - 1]);
    const index_t states = mdp.states(), atoms = static_cast<index_t>(support.size());
    categorical_return_laws<T> out{vector<T>(Eigen::Map<const vector<T>>(support.data(), atoms)), row_matrix<T>::Zero(states, atoms), 0};
    index_t zero = 0;
    for (index_t i = 1; i < atoms; ++i)
        if (std::abs(support[static_cast<std::size_t>(i)]) < std::abs(support[static_cast<std::size_t>(zero)])) zero = i;
    out.probabilities.col(zero).setOnes();
    std::vector<T> shifted(support.size());
    for (int sweep = 1; sweep <= max_sweeps; ++sweep) {
        row_matrix<T> next = row_matrix<T>::Zero(states, atoms);
        for (index_t s = 0; s < states; ++s) {
            if (mdp.is_terminal(s)) {
                next(s, zero) = T(1);
                continue;
            }
            for (index_t a = 0; a < mdp.actions(); ++a) {
                if (pi(s, a) == T(0)) continue;
                for (index_t s2 = 0; s2 < states; ++s2) {
                    const T weight = pi(s, a) * mdp.transitions(s, a, s2);
                    if (weight == T(0)) continue;
                    const T discount = mdp.is_terminal(s2) ? T(0) : mdp.gamma;
                    for (index_t i = 0; i < atoms; ++i)
                        shifted[static_cast<std::size_t>(i)] = mdp.rewards(s, a) + discount * support[static_cast<std::size_t>(i)];
                    const auto row = out.probabilities.row(s2);
                    next.row(s) += weight * value::categorical_l2_project<T>(shifted, std::span<const T>(row.data(), static_cast<std::size_t>(atoms)),
                                                                             support).transpose();
                }
            }
        }
        const double change = static_cast<double>((next - out.probabilities).cwiseAbs().maxCoeff());
        out.probabilities.swap(next);
        out.sweeps = sweep;
        if (change <= tolerance) break;
    }
    return out;
}

}  // namespace prefrl::mdp

#endif  // PREFRL_MDP_DISTRIBUTIONAL_HPP
