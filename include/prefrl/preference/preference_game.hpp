#ifndef PREFRL_PREFERENCE_PREFERENCE_GAME_HPP
#define PREFRL_PREFERENCE_PREFERENCE_GAME_HPP

/// \file
/// Preference models over K responses and the symmetric game they define: Bradley-Terry
/// matrices, sampled preference labels, win rates, exploitability (plain and KL-regularized),
/// and the tabular no-regret dynamics that the Nash-learning losses approximate.
///
/// P[i][j] = P(y_i > y_j), with P + P^T = 1 and 1/2 on the diagonal (possibly intransitive,
/// as rock-paper-scissors). For a policy pi over the responses, `(P pi)_y = P(y > pi)`; the
/// minimax winner (Nash equilibrium of the symmetric zero-sum game pi^T (P - 1/2) pi') has
/// exploitability `max_y (P pi)_y - 1/2 = 0`.
///
/// The functions here that are not generic are still templates (`template <class = void>`,
/// called as plain functions): a program that includes the header without calling them does
/// not compile their Eigen code (GCC otherwise instantiates it for every translation unit).

#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Core>
#include <Eigen/QR>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::preference {

/// Dense K x K matrix type of preference games (double: these are small).
using preference_matrix = Eigen::MatrixXd;

/// Bradley-Terry (1952): P[i][j] = sigma(s_i - s_j) from scores s.
template <class = void>
inline preference_matrix bradley_terry(const Eigen::VectorXd& scores) {
    constexpr auto fn = "prefrl::preference::bradley_terry";
    require_non_empty(fn, "scores", static_cast<std::size_t>(scores.size()));
    if (!scores.allFinite()) fail(fn, "scores must be finite");
    const Eigen::Index k = scores.size();
    preference_matrix p(k, k);
    for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = 0; j < k; ++j) p(i, j) = sigmoid(scores[i] - scores[j]);
    return p;
}

/// Checks a preference matrix: square, entries in [0, 1], P + P^T = 1 within 1e-9.
template <class = void>
inline void validate_preference_matrix(std::string_view fn, const preference_matrix& p) {
    if (p.rows() == 0 || p.rows() != p.cols()) fail(fn, "P must be a non-empty square matrix, got ", p.rows(), " x ", p.cols());
    for (Eigen::Index i = 0; i < p.rows(); ++i)
        for (Eigen::Index j = 0; j < p.cols(); ++j) {
            if (!(p(i, j) >= 0.0 && p(i, j) <= 1.0)) fail(fn, "P(", i, ", ", j, ") must be in [0, 1], got ", p(i, j));
            if (!(std::abs(p(i, j) + p(j, i) - 1.0) <= 1e-9))
                fail(fn, "P(", i, ", ", j, ") + P(", j, ", ", i, ") must be 1, got ", p(i, j) + p(j, i));
        }
}

/// Checks a distribution over K responses: entries >= 0 summing to 1 within 1e-9.
template <class = void>
inline void validate_policy(std::string_view fn, std::string_view name, const Eigen::VectorXd& pi, Eigen::Index k) {
    if (pi.size() != k) fail(fn, name, " has ", pi.size(), " entries but P is ", k, " x ", k);
    for (Eigen::Index i = 0; i < k; ++i)
        if (!(pi[i] >= 0.0)) fail(fn, name, "[", i, "] must be a probability >= 0, got ", pi[i]);
    if (!(std::abs(pi.sum() - 1.0) <= 1e-9)) fail(fn, name, " must sum to 1, got sum ", pi.sum());
}

/// Checks log-probabilities over K responses: K entries, none NaN or +inf, not all -inf.
template <class = void>
inline void validate_log_policy(std::string_view fn, std::string_view name, const Eigen::VectorXd& lp, Eigen::Index k) {
    if (lp.size() != k) fail(fn, name, " has ", lp.size(), " entries but P is ", k, " x ", k);
    bool any_finite = false;
    for (Eigen::Index i = 0; i < k; ++i) {
        if (std::isnan(lp[i]) || lp[i] == std::numeric_limits<double>::infinity())
            fail(fn, name, "[", i, "] must be a log-probability (not NaN or +inf), got ", lp[i]);
        any_finite = any_finite || std::isfinite(lp[i]);
    }
    if (!any_finite) fail(fn, name, " must have a finite entry, got all -inf");
}

/// Checks a step size: finite and > 0.
template <class = void>
inline void validate_step_size(std::string_view fn, double eta) {
    require_finite(fn, "eta", eta);
    require_positive(fn, "eta", eta);
}

/// Win rates `(P pi)_y = P(y > pi)` of every response against a policy.
template <class = void>
inline Eigen::VectorXd win_rates(const preference_matrix& p, const Eigen::VectorXd& pi) {
    constexpr auto fn = "prefrl::preference::win_rates";
    validate_preference_matrix(fn, p);
    validate_policy(fn, "pi", pi, p.rows());
    return p * pi;
}

/// Exploitability `max_y P(y > pi) - 1/2`: how much a best response beats pi; 0 exactly at
/// the minimax winner (Nash equilibrium of the preference game), > 0 elsewhere.
template <class = void>
inline double exploitability(const preference_matrix& p, const Eigen::VectorXd& pi) {
    constexpr auto fn = "prefrl::preference::exploitability";
    validate_preference_matrix(fn, p);
    validate_policy(fn, "pi", pi, p.rows());
    return (p * pi).maxCoeff() - 0.5;
}

/// Exploitability in the KL-regularized game (Munos et al. 2023, "Nash Learning from Human
/// Feedback"; INPO's objective): `tau log sum_y pi_ref(y) exp(P(y > pi)/tau) + tau KL(pi || pi_ref) - 1/2`,
/// >= 0 and 0 only at the regularized equilibrium pi_tau = softmax(log pi_ref + P pi_tau / tau).
template <class = void>
inline double regularized_exploitability(const preference_matrix& p, const Eigen::VectorXd& pi,
                                         const Eigen::VectorXd& pi_ref, double tau) {
    constexpr auto fn = "prefrl::preference::regularized_exploitability";
    require_positive(fn, "tau", tau);
    validate_preference_matrix(fn, p);
    validate_policy(fn, "pi", pi, p.rows());
    validate_policy(fn, "pi_ref", pi_ref, p.rows());
    const Eigen::VectorXd r = p * pi;
    Eigen::VectorXd terms(p.rows());
    double kl = 0.0;
    for (Eigen::Index y = 0; y < p.rows(); ++y) {
        terms[y] = std::log(pi_ref[y]) + r[y] / tau;
        if (pi[y] > 0.0) kl += pi[y] * (std::log(pi[y]) - std::log(pi_ref[y]));
    }
    return tau * logsumexp<double>(std::span<const double>(terms.data(), static_cast<std::size_t>(terms.size()))) +
           tau * kl - 0.5;
}

/// The largest K `nash_equilibrium` solves (it enumerates the 2^K - 1 supports).
inline constexpr Eigen::Index nash_equilibrium_max_responses = 16;

/// **The minimax winner, exactly** — the Nash equilibrium of the symmetric zero-sum game
/// `pi^T (P - 1/2) pi'` (the von Neumann winner of Dudik et al. 2015; what SPO, SPPO, DNO
/// and INPO approach). The game's value is 0, so x is an equilibrium iff x >= 0, sum x = 1
/// and `(P - 1/2) x <= 0`; this solves it as the LP would, by support enumeration: for each
/// support S (smallest first), the equalities `(P - 1/2)_{S,S} x_S = 0`, `sum x_S = 1` by a
/// rank-revealing QR, kept if x_S >= 0 and no response outside S beats x. Exact up to the
/// linear solves (residuals 1e-12); K <= 16. Where equilibria are not unique it returns the
/// first found (smallest support). For larger K use `hedge_step`'s average iterate.
///
/// (A template on P's expression type only so that a program that never calls it does not
/// compile the QR solver: any double matrix or expression is accepted.)
template <class Derived>
    requires std::same_as<typename Derived::Scalar, double>
Eigen::VectorXd nash_equilibrium(const Eigen::MatrixBase<Derived>& p_in) {
    using matrix = Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>;  // dependent: compiled on use
    using column = Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1>;
    constexpr auto fn = "prefrl::preference::nash_equilibrium";
    const preference_matrix p = p_in;
    validate_preference_matrix(fn, p);
    const Eigen::Index k = p.rows();
    require(k <= nash_equilibrium_max_responses, fn, "K = ", k, " responses is more than ", nash_equilibrium_max_responses,
            " (support enumeration is 2^K): use hedge_step's average iterate");
    const matrix a = p.array() - 0.5;
    constexpr double tolerance = 1e-10;
    for (Eigen::Index size = 1; size <= k; ++size) {
        // supports of this size, as bit masks in increasing order
        for (unsigned long mask = 0; mask < (1ul << k); ++mask) {
            if (static_cast<Eigen::Index>(std::popcount(mask)) != size) continue;
            std::vector<Eigen::Index> support;
            for (Eigen::Index i = 0; i < k; ++i)
                if ((mask >> i) & 1ul) support.push_back(i);
            matrix system(size + 1, size);
            column rhs = column::Zero(size + 1);
            for (Eigen::Index r = 0; r < size; ++r)
                for (Eigen::Index c = 0; c < size; ++c) system(r, c) = a(support[r], support[c]);
            system.row(size).setOnes();
            rhs[size] = 1.0;
            const column xs = system.colPivHouseholderQr().solve(rhs);
            if (!((system * xs - rhs).cwiseAbs().maxCoeff() <= tolerance) || xs.minCoeff() < -tolerance) continue;
            Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
            for (Eigen::Index r = 0; r < size; ++r) x[support[r]] = std::max(0.0, xs[r]);
            x /= x.sum();
            if ((a * x).maxCoeff() <= tolerance) return x;
        }
    }
    fail(fn, "no equilibrium found within tolerance ", tolerance, " (P is checked; this should not happen)");
}

/// Draws a preference label: true (y_i preferred) with probability P[i][j].
template <RandomGenerator G>
bool sample_preference(const preference_matrix& p, index_t i, index_t j, G& rng) {
    constexpr auto fn = "prefrl::preference::sample_preference";
    if (i < 0 || i >= p.rows()) fail(fn, "i must be in [0, ", p.rows(), "), got ", i);
    if (j < 0 || j >= p.rows()) fail(fn, "j must be in [0, ", p.rows(), "), got ", j);
    if (p.rows() != p.cols()) fail(fn, "P must be a square matrix, got ", p.rows(), " x ", p.cols());
    if (!(p(i, j) >= 0.0 && p(i, j) <= 1.0)) fail(fn, "P(", i, ", ", j, ") must be in [0, 1], got ", p(i, j));
    return uniform01<double>(rng) < p(i, j);
}

/// Normalizes log-probabilities in place (lp -= logsumexp(lp)) and returns the policy.
template <class = void>
inline Eigen::VectorXd softmax_of_log(Eigen::VectorXd& lp) {
    lp.array() -= logsumexp<double>(std::span<const double>(lp.data(), static_cast<std::size_t>(lp.size())));
    return lp.array().exp().matrix();
}

/// One Hedge (multiplicative weights) step on the preference game, in log space:
/// `lp <- lp + eta P pi`, normalized. This is the exact tabular form of SPO (Swamy et al.
/// 2024: eta = 1/eta_SPO), of SPPO solved exactly per iteration (eta = 1/beta) and of DNO
/// (eta = 1/eta_DNO); its average iterate converges to the minimax winner.
/// Throws `prefrl::invalid_argument` unless P is a preference matrix, lp has K entries (none
/// NaN or +inf) and eta is finite and > 0.
template <class = void>
inline void hedge_step(Eigen::VectorXd& lp, const preference_matrix& p, double eta) {
    constexpr auto fn = "prefrl::preference::hedge_step";
    validate_preference_matrix(fn, p);
    validate_log_policy(fn, "lp", lp, p.rows());
    validate_step_size(fn, eta);
    lp += eta * (p * lp.array().exp().matrix());
    softmax_of_log(lp);
}

/// One optimistic Hedge step: `lp <- lp + eta (2 r_t - r_{t-1})`, r = P pi (Rakhlin and
/// Sridharan 2013; Daskalakis et al. 2018); `previous_r` holds r_{t-1} (pass r_0 at t = 0) and
/// is updated. Its last iterate converges to the minimax winner.
template <class = void>
inline void optimistic_hedge_step(Eigen::VectorXd& lp, Eigen::VectorXd& previous_r, const preference_matrix& p,
                                  double eta) {
    constexpr auto fn = "prefrl::preference::optimistic_hedge_step";
    validate_preference_matrix(fn, p);
    validate_log_policy(fn, "lp", lp, p.rows());
    if (previous_r.size() != p.rows()) fail(fn, "previous_r has ", previous_r.size(), " entries but P is ", p.rows(), " x ", p.rows());
    if (!previous_r.allFinite()) fail(fn, "previous_r must be finite");
    validate_step_size(fn, eta);
    const Eigen::VectorXd r = p * lp.array().exp().matrix();
    lp += eta * (2.0 * r - previous_r);
    previous_r = r;
    softmax_of_log(lp);
}

/// One INPO step in its tabular closed form (Zhang et al., ICLR 2025):
/// `lp <- (P pi)/eta + (tau/eta) log pi_ref + (1 - tau/eta) lp`, normalized. Fixed point: the
/// KL-regularized equilibrium pi_tau; the last iterate converges when the map contracts.
template <class = void>
inline void inpo_step(Eigen::VectorXd& lp, const preference_matrix& p, const Eigen::VectorXd& log_ref, double eta,
                      double tau) {
    constexpr auto fn = "prefrl::preference::inpo_step";
    validate_preference_matrix(fn, p);
    validate_log_policy(fn, "lp", lp, p.rows());
    if (log_ref.size() != p.rows()) fail(fn, "log_ref has ", log_ref.size(), " entries but P is ", p.rows(), " x ", p.rows());
    for (Eigen::Index i = 0; i < log_ref.size(); ++i)
        if (!std::isfinite(log_ref[i])) fail(fn, "log_ref[", i, "] must be finite (pi_ref > 0 everywhere), got ", log_ref[i]);
    validate_step_size(fn, eta);
    require_finite(fn, "tau", tau);
    require_non_negative(fn, "tau", tau);
    const Eigen::VectorXd r = p * lp.array().exp().matrix();
    lp = r / eta + (tau / eta) * log_ref + (1.0 - tau / eta) * lp;
    softmax_of_log(lp);
}

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_PREFERENCE_GAME_HPP
