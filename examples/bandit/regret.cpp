// Multi-armed bandits on Bernoulli instance A (K = 10, means 0.9, 0.8, ..., 0.0):
// mean pseudo-regret after T = 10^4 rounds over 20 seeds for every algorithm of
// prefrl::bandit, and the regret curves as CSV.
//
// Claim (Lattimore & Szepesvári ch. 7-11): Thompson sampling and KL-UCB
// reach less than a quarter of epsilon-greedy(0.1)'s regret; UCB1 less than 0.85 of it and
// under its bound 8 ln T sum 1/gap + (1 + pi^2/3) sum gap; EXP3 under 2.63 sqrt(T K ln K).
//
//     example_bandit_regret [--csv regret.csv]

#include <prefrl/bandit.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

namespace bandit = prefrl::bandit;
using prefrl::index_t;

namespace {
struct algorithm {
    std::string name;
    std::function<bandit::bandit_run(const prefrl::env::bernoulli_arms<double>&, index_t, prefrl::generator&)> run;
};

template <class B>
algorithm make(std::string name, std::function<B()> factory) {
    return {std::move(name), [factory](const auto& arms, index_t horizon, prefrl::generator& rng) {
                B b = factory();
                return bandit::simulate(b, arms, horizon, rng);
            }};
}
}  // namespace

int main(int argc, char** argv) {
    std::string csv;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--csv") csv = argv[i + 1];
    constexpr index_t horizon = 10000, arms = 10;
    constexpr int seeds = 20;
    const prefrl::env::bernoulli_arms<double> instance({0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0});
    const std::vector<algorithm> algorithms{
        make<bandit::epsilon_greedy<double>>("eps_greedy", [] { return bandit::epsilon_greedy<double>(arms, {.epsilon = 0.1}); }),
        make<bandit::epsilon_greedy<double>>("eps_n_greedy", [] { return bandit::epsilon_greedy<double>(arms, {.decay_c = 0.15, .decay_d = 0.1}); }),
        make<bandit::ucb1<double>>("ucb1", [] { return bandit::ucb1<double>(arms); }),
        make<bandit::kl_ucb<double>>("kl_ucb", [] { return bandit::kl_ucb<double>(arms); }),
        make<bandit::thompson_beta<double>>("thompson", [] { return bandit::thompson_beta<double>(arms, {.propensity_draws = 0}); }),
        make<bandit::exp3<double>>("exp3", [] { return bandit::exp3<double>(arms, {.horizon = horizon}); }),
        make<bandit::boltzmann<double>>("boltzmann", [] { return bandit::boltzmann<double>(arms, {.temperature = 0.1}); }),
    };
    std::printf("Bernoulli instance A, K = %lld, T = %lld, %d seeds: mean pseudo-regret (sd)\n\n", static_cast<long long>(arms),
                static_cast<long long>(horizon), seeds);
    std::vector<std::vector<double>> curves;
    std::vector<double> finals;
    for (const auto& a : algorithms) {
        std::vector<double> curve(static_cast<std::size_t>(horizon), 0.0), last;
        for (int s = 0; s < seeds; ++s) {
            prefrl::generator rng(100 + static_cast<std::uint64_t>(s));
            const auto run = a.run(instance, horizon, rng);
            for (std::size_t t = 0; t < curve.size(); ++t) curve[t] += run.cumulative_regret[t] / seeds;
            last.push_back(run.regret());
        }
        double var = 0.0;
        for (double r : last) var += (r - curve.back()) * (r - curve.back()) / (seeds - 1);
        std::printf("  %-13s %8.1f  (%.1f)\n", a.name.c_str(), curve.back(), std::sqrt(var));
        curves.push_back(curve);
        finals.push_back(curve.back());
    }
    const double eps = finals[0], eps_n = finals[1], ucb = finals[2], kl = finals[3], ts = finals[4], ex = finals[5], soft = finals[6];
    double inverse_gaps = 0.0, gaps = 0.0;
    for (index_t a = 1; a < arms; ++a) {
        inverse_gaps += 1.0 / (0.9 - instance.mean(a));
        gaps += 0.9 - instance.mean(a);
    }
    const double ucb_bound = 8 * std::log(static_cast<double>(horizon)) * inverse_gaps + (1 + std::numbers::pi * std::numbers::pi / 3) * gaps;
    const double exp3_bound = 2.63 * std::sqrt(horizon * arms * std::log(static_cast<double>(arms)));
    std::printf("\nbounds: UCB1 %.0f, EXP3 %.0f; spec (100 seeds): TS 46, KL-UCB 62, UCB1 349, eps(0.1) 486, EXP3 799\n", ucb_bound, exp3_bound);
    if (!csv.empty()) {
        std::ofstream out(csv);
        out << "round";
        for (const auto& a : algorithms) out << ',' << a.name;
        out << '\n';
        for (index_t t = 99; t < horizon; t += 100) {
            out << t + 1;
            for (const auto& c : curves) out << ',' << c[static_cast<std::size_t>(t)];
            out << '\n';
        }
        std::printf("wrote %s\n", csv.c_str());
    }
    const bool ok = ts < 0.25 * eps && kl < 0.25 * eps && ucb < 0.85 * eps && ucb < ucb_bound && ex < exp3_bound;
    std::printf("result: regret_ucb1=%.1f regret_kl_ucb=%.1f regret_thompson=%.1f regret_eps_greedy=%.1f regret_eps_n_greedy=%.1f "
                "regret_exp3=%.1f regret_boltzmann=%.1f\n",
                ucb, kl, ts, eps, eps_n, ex, soft);
    if (!ok) std::fprintf(stderr, "claim not reproduced: TS, KL-UCB < 0.25 x eps-greedy; UCB1 < 0.85 x and under its bound; EXP3 under its bound\n");
    return ok ? 0 : 1;
}
