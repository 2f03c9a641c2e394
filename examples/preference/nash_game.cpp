// Nash learning vs DPO on preference games (Munos et al. 2023; Swamy et al. 2024).
//
// Claim (Swamy et al. 2024; Wu et al. 2024; Rosset et al. 2024; Zhang et al. 2025): when
// preferences are intransitive (no response beats all others), DPO — which fits a
// Bradley-Terry reward — returns a policy far from the minimax winner, while the Nash-learning
// methods find it: SPO, SPPO and DNO (Hedge updates; their average iterate converges) and
// INPO (its last iterate converges to the KL-regularized equilibrium, near Nash for small tau).
//
// Prints the exploitability max_y P(y > pi) - 1/2 of each method's policy (0 = minimax winner)
// on a transitive Bradley-Terry game and on the intransitive P3 and P6, and ends with the P6
// figures. `--csv` also prints each method's exploitability per iteration on P6.
//
//     example_preference_nash_game [--csv]

#include <prefrl/preference.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace pref = prefrl::preference;

namespace {

struct game {
    std::string name;
    pref::preference_matrix p;
};

std::vector<game> games() {
    pref::preference_matrix p3(3, 3), p6(6, 6);
    p3 << 0.5, 0.6, 0.3, 0.4, 0.5, 0.8, 0.7, 0.2, 0.5;
    p6 << 0.500, 0.574, 0.647, 0.212, 0.592, 0.837, 0.426, 0.500, 0.821, 0.623, 0.288, 0.620,  //
        0.353, 0.179, 0.500, 0.639, 0.305, 0.279, 0.788, 0.377, 0.361, 0.500, 0.458, 0.150,    //
        0.408, 0.712, 0.695, 0.542, 0.500, 0.284, 0.163, 0.380, 0.721, 0.850, 0.716, 0.500;
    return {{"transitive BT (K=5)", pref::bradley_terry(Eigen::VectorXd{{0.0, 0.05, 0.2, 0.3, 0.45}})},
            {"intransitive P3", p3},
            {"intransitive P6", p6}};
}

struct result {
    double spo, sppo, dno, inpo, dpo;
};

constexpr int iterations = 20000;

// Hedge with step eta, starting at uniform; returns the average iterate's exploitability.
double hedge_average(const pref::preference_matrix& p, double eta, std::vector<double>* curve) {
    const Eigen::Index k = p.rows();
    Eigen::VectorXd lp = Eigen::VectorXd::Constant(k, -std::log(double(k))), sum = Eigen::VectorXd::Zero(k);
    for (int t = 0; t < iterations; ++t) {
        sum += lp.array().exp().matrix();
        if (curve) curve->push_back(pref::exploitability(p, sum / double(t + 1)));
        pref::hedge_step(lp, p, eta);
    }
    return pref::exploitability(p, sum / double(iterations));
}

result solve(const pref::preference_matrix& p, std::vector<std::vector<double>>* curves) {
    const Eigen::Index k = p.rows();
    const Eigen::VectorXd uniform = Eigen::VectorXd::Constant(k, 1.0 / double(k));
    result r{};
    // SPO: Hedge on win-rate rewards, pi_{t+1} ∝ pi_t exp(r_t / eta_SPO), eta_SPO = 1.
    r.spo = hedge_average(p, 1.0, curves ? &(*curves)[0] : nullptr);
    // SPPO solved exactly per iteration: Hedge with step 1/beta (beta = 0.1 here).
    r.sppo = hedge_average(p, 10.0, curves ? &(*curves)[1] : nullptr);
    // DNO: the soft-label DPO against pi_t is minimized by pi_t exp(r_t / eta_DNO); eta_DNO = 0.5.
    r.dno = hedge_average(p, 2.0, curves ? &(*curves)[2] : nullptr);
    // INPO: last iterate, tau = 0.02, eta = 1 (spec: expl(pi_tau) = 0.0053 on P3, 0.0066 on P6).
    const Eigen::VectorXd log_uniform = uniform.array().log().matrix();
    Eigen::VectorXd lp = log_uniform;
    for (int t = 0; t < 3000; ++t) {
        pref::inpo_step(lp, p, log_uniform, 1.0, 0.02);
        if (curves) (*curves)[3].push_back(pref::exploitability(p, lp.array().exp().matrix()));
    }
    r.inpo = pref::exploitability(p, lp.array().exp().matrix());
    // DPO (beta = 0.1) trained by gradient descent on its population loss under uniform pairs.
    const Eigen::VectorXd pi_dpo = pref::train_on_population(pref::dpo{.beta = 0.1}, p, uniform, 1000.0, 400);
    r.dpo = pref::exploitability(p, pi_dpo);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    const bool csv = argc > 1 && std::strcmp(argv[1], "--csv") == 0;
    std::printf("exploitability max_y P(y > pi) - 1/2 of each method's policy (0 = minimax winner)\n\n");
    std::printf("%-22s %10s %10s %10s %10s %10s\n", "game", "SPO", "SPPO", "DNO", "INPO", "DPO");
    result last{};
    std::vector<std::vector<double>> curves(4);
    for (const auto& g : games()) {
        const bool is_p6 = g.name == "intransitive P6";
        last = solve(g.p, csv && is_p6 ? &curves : nullptr);
        std::printf("%-22s %10.6f %10.6f %10.6f %10.6f %10.6f\n", g.name.c_str(), last.spo, last.sppo, last.dno,
                    last.inpo, last.dpo);
    }
    if (csv) {
        std::printf("\niteration,spo_average,sppo_average,dno_average,inpo_last\n");
        for (std::size_t t = 0; t < curves[3].size(); t += 10)
            std::printf("%zu,%.10f,%.10f,%.10f,%.10f\n", t, curves[0][t], curves[1][t], curves[2][t], curves[3][t]);
    }
    const bool reproduced = last.spo < 0.01 && last.sppo < 0.01 && last.dno < 0.01 && last.inpo < 0.01 && last.dpo > 0.05;
    std::printf("\nOn P6 the Nash-learning methods are within 0.01 of the minimax winner and DPO is %s.\n",
                last.dpo > 0.05 ? "not (> 0.05)" : "unexpectedly close");
    std::printf("result: exploitability_spo=%.6f exploitability_sppo=%.6f exploitability_inpo=%.6f "
                "exploitability_dno=%.6f exploitability_dpo=%.6f\n",
                last.spo, last.sppo, last.inpo, last.dno, last.dpo);
    return reproduced ? 0 : 1;
}
