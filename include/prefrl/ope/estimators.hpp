#ifndef PREFRL_OPE_ESTIMATORS_HPP
#define PREFRL_OPE_ESTIMATORS_HPP

/// \file
/// Off-policy estimators of a target policy's value from logged bandit feedback: IPS,
/// clipped IPS, SNIPS, the direct method, doubly robust, self-normalized DR, switch-DR and DR
/// with optimistic shrinkage. Names and formulas are Open Bandit Pipeline's
/// (`obp.ope.estimators`); each returns the estimate, the per-round terms, a standard error
/// and a normal 95% confidence interval.

#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/ope/bandit_log.hpp"

namespace prefrl::ope {

/// An off-policy estimate of a policy's value.
template <std::floating_point T>
struct policy_value_estimate {
    T value{};            ///< the estimate V
    vector<T> per_round;  ///< the terms c_i whose mean is V
    T standard_error{};   ///< sd(c; ddof=1)/sqrt(n) (snips, sndr: sd(psi; ddof=1)/sqrt(n) of the influence terms); +inf if n = 1
    T ci_lower{};         ///< V - 1.959964 standard_error
    T ci_upper{};         ///< V + 1.959964 standard_error
};

/// The z value of a two-sided 95% normal interval.
inline constexpr double normal_95_quantile = 1.959963984540054;

}  // namespace prefrl::ope

namespace prefrl::detail {

/// What every estimator needs per round, in double: the importance weight
/// `w_i = pi_e(a_i|x_i) / pscore_i`, the direct-method term `sum_a pi_e(a|x_i) qhat(x_i, a)`
/// and the residual `r_i - qhat(x_i, a_i)` (the last two only when q_hat is given).
struct ope_terms {
    std::vector<double> weight, direct, residual;
};

template <std::floating_point T>
ope_terms prepare_ope(std::string_view fn, const ope::bandit_log<T>& log, const_matrix_ref<T> action_dist,
                      const const_matrix_ref<T>* q_hat) {
    const auto n = static_cast<Eigen::Index>(log.size());
    require(action_dist.cols() >= 1, fn, "action_dist needs at least one action column");
    ope::validate(log, static_cast<index_t>(action_dist.cols()), fn);
    require(action_dist.rows() == n, fn, "action_dist has ", action_dist.rows(), " rows for ", n, " logged rounds");
    const double tolerance = std::same_as<T, float> ? 1e-4 : 1e-6;
    for (Eigen::Index i = 0; i < n; ++i) {
        double total = 0.0;
        for (Eigen::Index a = 0; a < action_dist.cols(); ++a) {
            const T p = action_dist(i, a);
            require(p >= T(0) && p <= T(1), fn, "action_dist(", i, ", ", a, ") must be a probability in [0, 1], got ", p);
            total += static_cast<double>(p);
        }
        require(std::abs(total - 1.0) <= tolerance, fn, "action_dist row ", i, " must sum to 1, got ", total);
    }
    if (q_hat != nullptr) {
        require(q_hat->rows() == n && q_hat->cols() == action_dist.cols(), fn, "q_hat is ", q_hat->rows(), " x ",
                q_hat->cols(), ", action_dist is ", n, " x ", action_dist.cols());
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index a = 0; a < q_hat->cols(); ++a)
                require(std::isfinite((*q_hat)(i, a)), fn, "q_hat(", i, ", ", a, ") must be finite, got ", (*q_hat)(i, a));
    }
    ope_terms t;
    t.weight.resize(static_cast<std::size_t>(n));
    if (q_hat != nullptr) {
        t.direct.resize(static_cast<std::size_t>(n));
        t.residual.resize(static_cast<std::size_t>(n));
    }
    for (Eigen::Index i = 0; i < n; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const auto a = static_cast<Eigen::Index>(log.action[k]);
        t.weight[k] = static_cast<double>(action_dist(i, a)) / static_cast<double>(log.pscore[k]);
        if (q_hat != nullptr) {
            double direct = 0.0;
            for (Eigen::Index b = 0; b < action_dist.cols(); ++b)
                direct += static_cast<double>(action_dist(i, b)) * static_cast<double>((*q_hat)(i, b));
            t.direct[k] = direct;
            t.residual[k] = static_cast<double>(log.reward[k]) - static_cast<double>((*q_hat)(i, a));
        }
    }
    return t;
}

inline double mean_of(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}

/// Mean of the terms c_i with the normal standard error sd(c; ddof = 1)/sqrt(n).
template <std::floating_point T>
ope::policy_value_estimate<T> normal_estimate(const std::vector<double>& c) {
    const double n = static_cast<double>(c.size());
    const double value = mean_of(c);
    double se = std::numeric_limits<double>::infinity();
    if (c.size() > 1) {
        double ss = 0.0;
        for (double x : c) ss += (x - value) * (x - value);
        se = std::sqrt(ss / (n - 1.0) / n);
    }
    ope::policy_value_estimate<T> out;
    out.value = static_cast<T>(value);
    out.per_round = Eigen::Map<const Eigen::VectorXd>(c.data(), static_cast<Eigen::Index>(c.size())).cast<T>();
    out.standard_error = static_cast<T>(se);
    out.ci_lower = static_cast<T>(value - ope::normal_95_quantile * se);
    out.ci_upper = static_cast<T>(value + ope::normal_95_quantile * se);
    return out;
}

/// Self-normalized estimators: the value with the influence-function standard error
/// sd(psi; ddof = 1) / sqrt(n) = sqrt(sum psi_i^2 / (n - 1) / n) (psi has mean zero by
/// construction), the n - 1 convention of `normal_estimate`; +inf if n = 1.
template <std::floating_point T>
ope::policy_value_estimate<T> influence_estimate(const std::vector<double>& c, const std::vector<double>& psi) {
    ope::policy_value_estimate<T> out = normal_estimate<T>(c);
    double ss = 0.0;
    for (double x : psi) ss += x * x;
    const double n = static_cast<double>(psi.size());
    const double se = psi.size() > 1 ? std::sqrt(ss / (n - 1.0) / n) : std::numeric_limits<double>::infinity();
    const double value = static_cast<double>(out.value);
    out.standard_error = static_cast<T>(se);
    out.ci_lower = static_cast<T>(value - ope::normal_95_quantile * se);
    out.ci_upper = static_cast<T>(value + ope::normal_95_quantile * se);
    return out;
}

inline double checked_mean_weight(std::string_view fn, const std::vector<double>& w) {
    const double m = mean_of(w);
    require(m > 0.0, fn, "the target policy gives probability 0 to every logged action (mean weight ", m,
            "): the self-normalized estimate is undefined");
    return m;
}

}  // namespace prefrl::detail

namespace prefrl::ope {

/// Matrices of the estimators: `action_dist(i, a) = pi_e(a | x_i)` and the reward model's
/// `q_hat(i, a) = qhat(x_i, a)`, both row-major [rounds x actions].
template <class T>
using action_matrix = std::type_identity_t<const_matrix_ref<T>>;

/// **Inverse propensity scoring** (Horvitz & Thompson 1952; Precup et al. 2000; OBP `ipw`):
/// `c_i = w_i r_i`, `w_i = pi_e(a_i|x_i) / pscore_i`. Unbiased when the propensities are
/// correct and pi_b covers pi_e. A deterministic logging policy (UCB, greedy) logs pscore = 1
/// and gives other actions no support: IPS of a different target is then meaningless.
struct ips {
    static constexpr std::string_view name = "ips";  ///< the name `off_policy_evaluation` reports
    template <std::floating_point T>
    policy_value_estimate<T> operator()(const bandit_log<T>& log, action_matrix<T> action_dist) const {
        const auto t = prefrl::detail::prepare_ope<T>("prefrl::ope::ips", log, action_dist, nullptr);
        std::vector<double> c(t.weight.size());
        for (std::size_t i = 0; i < c.size(); ++i) c[i] = t.weight[i] * static_cast<double>(log.reward[i]);
        return prefrl::detail::normal_estimate<T>(c);
    }
};

/// **Clipped IPS** (Bottou et al. 2013; OBP `ipw` with `lambda_`): `c_i = min(w_i, lambda_) r_i`.
/// lambda_ > 0; the default, +inf, is plain IPS.
struct clipped_ips {
    static constexpr std::string_view name = "clipped_ips";  ///< the name `off_policy_evaluation` reports
    double lambda_ = std::numeric_limits<double>::infinity();
    template <std::floating_point T>
    policy_value_estimate<T> operator()(const bandit_log<T>& log, action_matrix<T> action_dist) const {
        constexpr auto fn = "prefrl::ope::clipped_ips";
        require(lambda_ > 0.0, fn, "lambda_ must be > 0, got ", lambda_);
        const auto t = prefrl::detail::prepare_ope<T>(fn, log, action_dist, nullptr);
        std::vector<double> c(t.weight.size());
        for (std::size_t i = 0; i < c.size(); ++i) c[i] = std::min(t.weight[i], lambda_) * static_cast<double>(log.reward[i]);
        return prefrl::detail::normal_estimate<T>(c);
    }
};

/// **Self-normalized IPS** (Swaminathan & Joachims 2015; OBP `snipw`):
/// `c_i = w_i r_i / mean(w)`. Biased but consistent, and much less variable than IPS. The
/// standard error uses the influence values `psi_i = w_i (r_i - V) / mean(w)`.
struct snips {
    static constexpr std::string_view name = "snips";  ///< the name `off_policy_evaluation` reports
    template <std::floating_point T>
    policy_value_estimate<T> operator()(const bandit_log<T>& log, action_matrix<T> action_dist) const {
        constexpr auto fn = "prefrl::ope::snips";
        const auto t = prefrl::detail::prepare_ope<T>(fn, log, action_dist, nullptr);
        const double mw = prefrl::detail::checked_mean_weight(fn, t.weight);
        std::vector<double> c(t.weight.size()), psi(t.weight.size());
        for (std::size_t i = 0; i < c.size(); ++i) c[i] = t.weight[i] * static_cast<double>(log.reward[i]) / mw;
        const double v = prefrl::detail::mean_of(c);
        for (std::size_t i = 0; i < c.size(); ++i) psi[i] = t.weight[i] * (static_cast<double>(log.reward[i]) - v) / mw;
        return prefrl::detail::influence_estimate<T>(c, psi);
    }
};

/// **Direct method** (Beygelzimer & Langford 2009; OBP `dm`): `c_i = sum_a pi_e(a|x_i) qhat(x_i, a)`.
/// Uses no propensities; biased as much as the reward model is.
struct dm {
    static constexpr std::string_view name = "dm";  ///< the name `off_policy_evaluation` reports
    template <std::floating_point T>
    policy_value_estimate<T> operator()(const bandit_log<T>& log, action_matrix<T> action_dist,
                                        action_matrix<T> q_hat) const {
        const auto t = prefrl::detail::prepare_ope<T>("prefrl::ope::dm", log, action_dist, &q_hat);
        return prefrl::detail::normal_estimate<T>(t.direct);
    }
};

/// **Doubly robust** (Dudík, Langford & Li 2011; OBP `dr`):
/// `c_i = sum_a pi_e(a|x_i) qhat(x_i, a) + min(w_i, lambda_) (r_i - qhat(x_i, a_i))`.
/// Unbiased if either the propensities or the reward model are correct. lambda_ > 0 clips the
/// weights; the default, +inf, does not.
struct dr {
    static constexpr std::string_view name = "dr";  ///< the name `off_policy_evaluation` reports
    double lambda_ = std::numeric_limits<double>::infinity();
    template <std::floating_point T>
    policy_value_estimate<T> operator()(const bandit_log<T>& log, action_matrix<T> action_dist,
                                        action_matrix<T> q_hat) const {
        constexpr auto fn = "prefrl::ope::dr";
        require(lambda_ > 0.0, fn, "lambda_ must be > 0, got ", lambda_);
        const auto t = prefrl::detail::prepare_ope<T>(fn, log, action_dist, &q_hat);
        std::vector<double> c(t.weight.size());
        for (std::size_t i = 0; i < c.size(); ++i) c[i] = t.direct[i] + std::min(t.weight[i], lambda_) * t.residual[i];
        return prefrl::detail::normal_estimate<T>(c);
    }
};

/// **Self-normalized doubly robust** (Kallus & Uehara 2019; OBP `sndr`):
/// `c_i = sum_a pi_e(a|x_i) qhat(x_i, a) + w_i (r_i - qhat(x_i, a_i)) / mean(w)`; the standard
/// error uses `psi_i = dm_i - mean(dm) + w_i (e_i - ebar_w) / mean(w)`, `ebar_w = sum w e / sum w`.
struct sndr {
    static constexpr std::string_view name = "sndr";  ///< the name `off_policy_evaluation` reports
    template <std::floating_point T>
    policy_value_estimate<T> operator()(const bandit_log<T>& log, action_matrix<T> action_dist,
                                        action_matrix<T> q_hat) const {
        constexpr auto fn = "prefrl::ope::sndr";
        const auto t = prefrl::detail::prepare_ope<T>(fn, log, action_dist, &q_hat);
        const double mw = prefrl::detail::checked_mean_weight(fn, t.weight);
        const std::size_t n = t.weight.size();
        std::vector<double> c(n), psi(n);
        double we = 0.0, w = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            c[i] = t.direct[i] + t.weight[i] * t.residual[i] / mw;
            we += t.weight[i] * t.residual[i];
            w += t.weight[i];
        }
        const double e_bar = we / w;
        const double dm_mean = prefrl::detail::mean_of(t.direct);
        for (std::size_t i = 0; i < n; ++i) psi[i] = t.direct[i] - dm_mean + t.weight[i] * (t.residual[i] - e_bar) / mw;
        return prefrl::detail::influence_estimate<T>(c, psi);
    }
};

/// **Switch doubly robust** (Wang, Agarwal & Dudík 2017; OBP `switch-dr`, whose `lambda_` is
/// tau here): `c_i = sum_a pi_e(a|x_i) qhat(x_i, a) + 1[w_i <= tau] w_i (r_i - qhat(x_i, a_i))`.
/// Rounds whose weight exceeds tau fall back to the direct method. tau >= 0; +inf (default) is DR.
struct switch_dr {
    static constexpr std::string_view name = "switch_dr";  ///< the name `off_policy_evaluation` reports
    double tau = std::numeric_limits<double>::infinity();
    template <std::floating_point T>
    policy_value_estimate<T> operator()(const bandit_log<T>& log, action_matrix<T> action_dist,
                                        action_matrix<T> q_hat) const {
        constexpr auto fn = "prefrl::ope::switch_dr";
        require(tau >= 0.0, fn, "tau must be >= 0, got ", tau);
        const auto t = prefrl::detail::prepare_ope<T>(fn, log, action_dist, &q_hat);
        std::vector<double> c(t.weight.size());
        for (std::size_t i = 0; i < c.size(); ++i) c[i] = t.direct[i] + (t.weight[i] <= tau ? t.weight[i] * t.residual[i] : 0.0);
        return prefrl::detail::normal_estimate<T>(c);
    }
};

/// **Doubly robust with optimistic shrinkage** (Su, Dimakopoulou, Krishnamurthy & Dudík 2020;
/// OBP `dr-os`): `c_i = dm_i + lambda_ w_i / (w_i^2 + lambda_) (r_i - qhat(x_i, a_i))`.
/// lambda_ >= 0: 0 is the direct method, +inf (default) is DR. (OBP's docstring shows an extra
/// w; its code, followed here, does not.)
struct dr_os {
    static constexpr std::string_view name = "dr_os";  ///< the name `off_policy_evaluation` reports
    double lambda_ = std::numeric_limits<double>::infinity();
    template <std::floating_point T>
    policy_value_estimate<T> operator()(const bandit_log<T>& log, action_matrix<T> action_dist,
                                        action_matrix<T> q_hat) const {
        constexpr auto fn = "prefrl::ope::dr_os";
        require(lambda_ >= 0.0, fn, "lambda_ must be >= 0, got ", lambda_);
        const auto t = prefrl::detail::prepare_ope<T>(fn, log, action_dist, &q_hat);
        std::vector<double> c(t.weight.size());
        for (std::size_t i = 0; i < c.size(); ++i) {
            const double w = t.weight[i];
            const double shrunk = std::isinf(lambda_) ? w : lambda_ * w / (w * w + lambda_);
            c[i] = t.direct[i] + shrunk * t.residual[i];
        }
        return prefrl::detail::normal_estimate<T>(c);
    }
};

/// A policy's true value on logged contexts, as OBP's `calc_ground_truth_policy_value`:
/// `(1/n) sum_i sum_a pi(a|x_i) q(x_i, a)` with the true expected rewards q.
template <class DistDerived, class QDerived>
typename DistDerived::Scalar policy_value(const Eigen::MatrixBase<DistDerived>& action_dist, const Eigen::MatrixBase<QDerived>& q) {
    using T = typename DistDerived::Scalar;
    constexpr auto fn = "prefrl::ope::policy_value";
    require_non_empty(fn, "action_dist", static_cast<std::size_t>(action_dist.rows()));
    require(q.rows() == action_dist.rows() && q.cols() == action_dist.cols(), fn, "q is ", q.rows(), " x ", q.cols(),
            ", action_dist is ", action_dist.rows(), " x ", action_dist.cols());
    double total = 0.0;
    for (Eigen::Index i = 0; i < q.rows(); ++i)
        for (Eigen::Index a = 0; a < q.cols(); ++a) {
            const auto p = static_cast<double>(action_dist(i, a)), value = static_cast<double>(q(i, a));
            require(p >= 0.0 && p <= 1.0, fn, "action_dist(", i, ", ", a, ") must be a probability in [0, 1], got ", p);
            require(std::isfinite(value), fn, "q(", i, ", ", a, ") must be finite, got ", value);
            total += p * value;
        }
    return static_cast<T>(total / static_cast<double>(q.rows()));
}

}  // namespace prefrl::ope

#endif  // PREFRL_OPE_ESTIMATORS_HPP
