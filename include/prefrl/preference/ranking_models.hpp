#ifndef PREFRL_PREFERENCE_RANKING_MODELS_HPP
#define PREFRL_PREFERENCE_RANKING_MODELS_HPP

/// \file
/// Fitting and sampling score-based preference models: the Bradley-Terry maximum-likelihood
/// fit from pairwise win counts, and the Plackett-Luce model of full rankings.
///
/// The functions here that are not generic are still templates (`template <class = void>`,
/// called as plain functions): a program that includes the header without calling them does
/// not compile their Eigen code (GCC otherwise instantiates it for every translation unit).

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/math.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::preference {

/// The result of `bradley_terry_fit`: scores (mean 0), the log-likelihood they reach, the
/// iterations run and whether the relative change fell below the tolerance.
struct bradley_terry_fit_result {
    Eigen::VectorXd scores;
    double log_likelihood = 0.0;
    int iterations = 0;
    bool converged = false;
};

/// **Bradley-Terry maximum likelihood** (Bradley and Terry 1952; the MM algorithm of Hunter
/// 2004, "MM algorithms for generalized Bradley-Terry models", Zermelo's iteration):
/// `wins(i, j)` = times response i was preferred to j. With strengths p = exp(s),
///
///     p_i <- W_i / sum_{j != i} n_ij / (p_i + p_j),   W_i = sum_j wins(i, j), n_ij = wins(i, j) + wins(j, i)
///
/// increases the likelihood sum_ij wins(i, j) log sigma(s_i - s_j) every step and converges
/// to the MLE when every response has won and lost at least once against a connected set
/// (otherwise the MLE is at infinity: the call throws). Scores are returned with mean 0.
template <class = void>
inline bradley_terry_fit_result bradley_terry_fit(const Eigen::MatrixXd& wins, int max_iterations = 10000,
                                                  double tolerance = 1e-12) {
    constexpr auto fn = "prefrl::preference::bradley_terry_fit";
    const Eigen::Index k = wins.rows();
    if (k < 2 || wins.cols() != k) fail(fn, "wins must be a square matrix with at least 2 rows, got ", wins.rows(), " x ", wins.cols());
    require_positive(fn, "max_iterations", max_iterations);
    require_positive(fn, "tolerance", tolerance);
    for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = 0; j < k; ++j)
            if (!(wins(i, j) >= 0.0) || !std::isfinite(wins(i, j))) fail(fn, "wins(", i, ", ", j, ") must be a finite count >= 0, got ", wins(i, j));
    const Eigen::VectorXd won = wins.rowwise().sum() - wins.diagonal();
    const Eigen::VectorXd lost = wins.colwise().sum().transpose() - wins.diagonal();
    for (Eigen::Index i = 0; i < k; ++i)
        if (!(won[i] > 0.0 && lost[i] > 0.0))
            fail(fn, "response ", i, " has ", won[i], " wins and ", lost[i], " losses: the MLE needs both > 0 (its score would be infinite)");

    Eigen::VectorXd p = Eigen::VectorXd::Ones(k);
    bradley_terry_fit_result out;
    for (out.iterations = 1; out.iterations <= max_iterations; ++out.iterations) {
        Eigen::VectorXd next(k);
        for (Eigen::Index i = 0; i < k; ++i) {
            double denominator = 0.0;
            for (Eigen::Index j = 0; j < k; ++j)
                if (j != i) denominator += (wins(i, j) + wins(j, i)) / (p[i] + p[j]);
            next[i] = won[i] / denominator;
        }
        next /= std::exp(next.array().log().mean());  // geometric mean 1: scores of mean 0
        const double change = ((next - p).array().abs() / p.array()).maxCoeff();
        p = next;
        if (change < tolerance) {
            out.converged = true;
            break;
        }
    }
    out.iterations = std::min(out.iterations, max_iterations);
    out.scores = p.array().log().matrix();
    for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = 0; j < k; ++j)
            if (i != j && wins(i, j) > 0.0) out.log_likelihood += wins(i, j) * log_sigmoid(out.scores[i] - out.scores[j]);
    return out;
}

/// **Plackett-Luce** (Plackett 1975, Luce 1959): the log-probability of a full ranking
/// (`ranking[0]` best) under scores s: sum_k [ s_{ranking[k]} - log sum_{m >= k} exp(s_{ranking[m]}) ].
/// With two responses it is Bradley-Terry.
template <class = void>
inline double plackett_luce_log_likelihood(const Eigen::VectorXd& scores, std::span<const index_t> ranking) {
    constexpr auto fn = "prefrl::preference::plackett_luce_log_likelihood";
    const auto k = static_cast<std::size_t>(scores.size());
    require_non_empty(fn, "scores", k);
    if (!scores.allFinite()) fail(fn, "scores must be finite");
    require_same_size(fn, "ranking", ranking.size(), "scores", k);
    std::vector<bool> seen(k, false);
    for (std::size_t m = 0; m < k; ++m) {
        const index_t y = ranking[m];
        if (y < 0 || static_cast<std::size_t>(y) >= k) fail(fn, "ranking[", m, "] must be in [0, ", k, "), got ", y);
        if (seen[static_cast<std::size_t>(y)]) fail(fn, "ranking[", m, "] repeats response ", y, ": a ranking is a permutation");
        seen[static_cast<std::size_t>(y)] = true;
    }
    double log_likelihood = 0.0, tail = -std::numeric_limits<double>::infinity();  // log sum over ranks >= m
    for (std::size_t m = k; m-- > 0;) {
        const double s = scores[static_cast<Eigen::Index>(ranking[m])];
        tail = log_add_exp(tail, s);
        log_likelihood += s - tail;
    }
    return log_likelihood;
}

/// Samples a ranking from Plackett-Luce(scores), best first, by the Gumbel-max trick: the
/// order of s_y + Gumbel noise, descending (Yellott 1977).
template <RandomGenerator G>
std::vector<index_t> sample_ranking(const Eigen::VectorXd& scores, G& rng) {
    constexpr auto fn = "prefrl::preference::sample_ranking";
    require_non_empty(fn, "scores", static_cast<std::size_t>(scores.size()));
    if (!scores.allFinite()) fail(fn, "scores must be finite");
    std::vector<double> perturbed(static_cast<std::size_t>(scores.size()));
    for (Eigen::Index y = 0; y < scores.size(); ++y) perturbed[static_cast<std::size_t>(y)] = scores[y] + gumbel<double>(rng);
    std::vector<index_t> ranking(perturbed.size());
    std::iota(ranking.begin(), ranking.end(), index_t{0});
    std::stable_sort(ranking.begin(), ranking.end(), [&](index_t a, index_t b) {
        return perturbed[static_cast<std::size_t>(a)] > perturbed[static_cast<std::size_t>(b)];
    });
    return ranking;
}

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_RANKING_MODELS_HPP
