// Length-controlled win rates (Dubois et al. 2024): the GLM fit against a closed form, its
// optimality by central differences, and the paper's claim on synthetic judgments whose judge
// prefers longer outputs.

#include <catch2/catch.hpp>

#include <prefrl/core/random.hpp>
#include <prefrl/preference/length_controlled.hpp>

#include <cmath>
#include <vector>

namespace {

namespace pref = prefrl::preference;

double logit(double q) { return std::log(q / (1.0 - q)); }

// The penalized log-loss the fit minimizes, in long double.
long double objective(const std::vector<double>& p, const std::vector<double>& model, const std::vector<double>& base,
                      const std::vector<double>& gamma, double scale, double l2, double theta, double phi, double psi) {
    long double sum = 0.5L * l2 * (static_cast<long double>(theta) * theta + static_cast<long double>(phi) * phi +
                                   static_cast<long double>(psi) * psi);
    for (std::size_t x = 0; x < p.size(); ++x) {
        const long double z = theta + phi * std::tanh((base[x] - model[x]) / scale) + psi * gamma[x];
        sum += std::log1p(std::exp(-std::fabs(z))) + std::max(z, 0.0L) - p[x] * z;
    }
    return sum;
}

// A judge that prefers longer outputs: P(model) = sigma(theta + psi gamma + bias tanh((L_m - L_b) / 500)).
struct synthetic_judgments {
    std::vector<double> base, gamma, concise, verbose, p_concise, p_verbose;
    double truth = 0.0;  // 100 mean_x sigma(theta + psi gamma_x): the win rate at equal lengths
    synthetic_judgments(int n, double theta, double psi, double bias) {
        prefrl::generator g(7);
        for (int x = 0; x < n; ++x) {
            base.push_back(200.0 + 1800.0 * prefrl::uniform01<double>(g));
            gamma.push_back(prefrl::normal<double>(g));
            concise.push_back(base.back() * std::exp(0.3 * prefrl::normal<double>(g)));
            verbose.push_back(2.0 * concise.back());  // the same answers, twice as long
        }
        for (int x = 0; x < n; ++x) {
            const auto judge = [&](double length) {
                const double z = theta + psi * gamma[x] + bias * std::tanh((length - base[x]) / 500.0);
                return prefrl::uniform01<double>(g) < 1.0 / (1.0 + std::exp(-z)) ? 1.0 : 0.0;
            };
            p_concise.push_back(judge(concise[x]));
            p_verbose.push_back(judge(verbose[x]));
            truth += 100.0 / (1.0 + std::exp(-(theta + psi * gamma[x]))) / n;
        }
    }
};

}  // namespace

TEST_CASE("length-controlled win rate: two instructions without a penalty interpolate (closed form)", "[preference][length_controlled]") {
    // deltas 100 and -100: standardized to +-1/sqrt(2), so sigma(theta +- phi t) = p exactly
    const std::vector<double> p{0.8, 0.4}, model{100.0, 300.0}, base{200.0, 200.0};
    const auto r = pref::length_controlled_win_rate(p, model, base, pref::length_controlled_options{.l2 = 0.0});
    const double t = std::tanh(1.0 / std::sqrt(2.0));
    CHECK(r.converged);
    CHECK(r.model_term == Approx((logit(0.8) + logit(0.4)) / 2.0).epsilon(1e-10));
    CHECK(r.length_term == Approx((logit(0.8) - logit(0.4)) / (2.0 * t)).epsilon(1e-10));
    CHECK(r.difficulty_term == 0.0);
    CHECK(r.length_scale == Approx(100.0 * std::sqrt(2.0)).epsilon(1e-14));
    CHECK(r.win_rate == Approx(60.0).epsilon(1e-14));
    CHECK(r.length_controlled_win_rate == Approx(100.0 / (1.0 + std::exp(-r.model_term))).epsilon(1e-14));
}

TEST_CASE("length-controlled win rate: ties everywhere give 50 and zero weights", "[preference][length_controlled]") {
    const std::vector<double> p(5, 0.5), model{10, 20, 30, 40, 55}, base(5, 30.0), gamma{1, -1, 2, 0, 0.5};
    const auto r = pref::length_controlled_win_rate(p, model, base, gamma);
    CHECK(r.converged);
    CHECK(r.model_term == 0.0);
    CHECK(r.length_term == 0.0);
    CHECK(r.difficulty_term == 0.0);
    CHECK(r.win_rate == 50.0);
    CHECK(r.length_controlled_win_rate == 50.0);
}

TEST_CASE("length-controlled win rate: the fit is the minimum of the penalized log-loss (central differences)", "[preference][length_controlled]") {
    const synthetic_judgments d(300, 0.4, -0.5, 1.0);
    for (const double l2 : {0.01, 1.0}) {
        INFO("l2 = " << l2);
        const auto r = pref::length_controlled_win_rate(d.p_verbose, d.verbose, d.base, d.gamma, pref::length_controlled_options{.l2 = l2});
        REQUIRE(r.converged);
        const double w[3] = {r.model_term, r.length_term, r.difficulty_term}, h = 1e-5;
        for (int i = 0; i < 3; ++i) {
            double up[3] = {w[0], w[1], w[2]}, down[3] = {w[0], w[1], w[2]};
            up[i] += h;
            down[i] -= h;
            const long double f_up = objective(d.p_verbose, d.verbose, d.base, d.gamma, r.length_scale, l2, up[0], up[1], up[2]);
            const long double f_down = objective(d.p_verbose, d.verbose, d.base, d.gamma, r.length_scale, l2, down[0], down[1], down[2]);
            const long double f = objective(d.p_verbose, d.verbose, d.base, d.gamma, r.length_scale, l2, w[0], w[1], w[2]);
            CHECK(std::fabs(static_cast<double>((f_up - f_down) / (2 * h))) < 1e-6);  // the gradient is 0
            CHECK(f_up >= f);                                                      // and it is a minimum
            CHECK(f_down >= f);
        }
    }
}

TEST_CASE("length-controlled win rate: verbosity moves the raw win rate, not the controlled one (Dubois et al. 2024)", "[preference][length_controlled]") {
    // 805 instructions, as AlpacaEval; the same answers once as they are and once twice as long
    const synthetic_judgments d(805, 0.4, -0.5, 1.0);
    const auto concise = pref::length_controlled_win_rate(d.p_concise, d.concise, d.base, d.gamma);
    const auto verbose = pref::length_controlled_win_rate(d.p_verbose, d.verbose, d.base, d.gamma);
    INFO("truth " << d.truth << ", concise: raw " << concise.win_rate << " LC " << concise.length_controlled_win_rate
                  << ", verbose: raw " << verbose.win_rate << " LC " << verbose.length_controlled_win_rate);
    CHECK(verbose.win_rate - concise.win_rate > 10.0);  // 60.0 -> 77.1 with this seed
    CHECK(std::fabs(verbose.length_controlled_win_rate - concise.length_controlled_win_rate) < 3.0);  // 59.8 and 61.3
    CHECK(std::fabs(concise.length_controlled_win_rate - d.truth) < 3.0);
    CHECK(std::fabs(verbose.length_controlled_win_rate - d.truth) < 3.0);
    CHECK(verbose.length_term < 0.0);  // longer than the baseline (delta < 0) is preferred
    CHECK(verbose.difficulty_term == Approx(-0.5).margin(0.15));
}
