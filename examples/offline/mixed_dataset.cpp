// Trajectory weighting on mixed datasets (Hong et al. 2023, "Harnessing Mixed Offline
// Reinforcement Learning Datasets via Trajectory Weighting"), at small scale.
//
// Claim: on datasets that are mostly random episodes with a few expert ones, behaviour cloning
// imitates the mixture and scores near the random policy; sampling transitions by return (RW)
// or by advantage over the start state's value (AW) lifts it at every expert fraction. IQL,
// which learns values, is near optimal without weighting here and gains nothing from it.
//
// A 6 x 6 grid world with walls, 10% slip and two start cells; 200 episodes per dataset with 1%,
// 5% and 20% expert episodes (the rest uniform random); normalized scores (D4RL's: 0 random,
// 100 optimal) from exact policy evaluation, averaged over 5 seeds. `--csv FILE` writes the
// table.
//
//     example_offline_mixed_dataset [--csv FILE]

#include <prefrl/env.hpp>
#include <prefrl/mdp.hpp>
#include <prefrl/offline.hpp>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace offline = prefrl::offline;
namespace env = prefrl::env;
namespace mdp = prefrl::mdp;
using prefrl::index_t;

namespace {

double score(const mdp::tabular_mdp<double>& m, const prefrl::row_matrix<double>& pi, double random, double expert) {
    return offline::normalized_score(m.start_distribution().dot(mdp::evaluate_policy<double>(m, pi)), random, expert);
}

}  // namespace

int main(int argc, char** argv) {
    std::string csv_path;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv_path = argv[++i];
        } else {
            std::fprintf(stderr, "usage: %s [--csv FILE]\n", argv[0]);
            return 2;
        }
    }
    const auto m = env::gridworld<double>({.layout = {"S.....", ".####.", "......", ".#.##.", ".#....", "S..#.G"},
                                           .slip = 0.1,
                                           .step_reward = 0.0,
                                           .goal_reward = 1.0,
                                           .gamma = 0.95});
    const auto optimal = mdp::value_iteration(m);
    const prefrl::row_matrix<double> uniform = prefrl::row_matrix<double>::Constant(m.states(), 4, 0.25);
    const double random_value = m.start_distribution().dot(mdp::evaluate_policy<double>(m, uniform));
    const double expert_value = m.start_distribution().dot(optimal.v);
    std::printf("grid world 6 x 6, two starts, slip 0.1, +1 at the goal: random %.4f, optimal %.4f (start-averaged values)\n\n",
                random_value, expert_value);

    const std::vector<int> percents{1, 5, 20};
    const int seeds = 5, episodes = 200;
    const char* methods[] = {"BC", "BC + RW", "BC + AW", "IQL", "IQL + RW"};
    std::vector<std::vector<double>> table(5, std::vector<double>(percents.size(), 0.0));
    auto observe = [](index_t s) { return prefrl::vector<double>::Constant(1, static_cast<double>(s)); };
    auto encode = [](index_t a) { return prefrl::vector<double>::Constant(1, static_cast<double>(a)); };
    for (std::size_t p = 0; p < percents.size(); ++p) {
        const int expert_episodes = std::max(1, episodes * percents[p] / 100);
        for (int seed = 0; seed < seeds; ++seed) {
            env::tabular_environment<double> world(m);
            prefrl::generator rng(100 * seed + percents[p]);
            const auto data = offline::concatenate(
                offline::collect<double>(world, [](index_t, prefrl::generator& g) { return prefrl::uniform_index(4, g); }, observe, encode,
                                         episodes - expert_episodes, 100, rng),
                offline::collect<double>(world, [&](index_t s, prefrl::generator&) { return optimal.policy[static_cast<std::size_t>(s)]; },
                                         observe, encode, expert_episodes, 100, rng));
            const auto returns = data.episode_returns();
            const auto lengths = data.episode_lengths();
            const auto starts = data.episode_start_rows();
            prefrl::row_matrix<double> initial = prefrl::row_matrix<double>::Zero(static_cast<index_t>(starts.size()), m.states());
            for (std::size_t e = 0; e < starts.size(); ++e) initial(static_cast<index_t>(e), static_cast<index_t>(data.observations(starts[e], 0))) = 1.0;
            const std::span<const double> g(returns.data(), static_cast<std::size_t>(returns.size()));
            const auto rw = offline::return_weighted_sampling{}(g, std::span<const index_t>(lengths));
            const auto aw = offline::advantage_weighted_sampling{}(g, std::span<const index_t>(lengths), prefrl::const_matrix_ref<double>(initial));
            const std::span<const double> rw_span(rw.data(), static_cast<std::size_t>(rw.size())), aw_span(aw.data(), static_cast<std::size_t>(aw.size()));
            auto scaled = data;
            scaled.rewards *= offline::reward_scale_by_return_range(data);  // IQL's recipe
            const double results[] = {
                score(m, offline::tabular_bc<double>(data, m.states(), 4), random_value, expert_value),
                score(m, offline::tabular_bc<double>(data, m.states(), 4, rw_span), random_value, expert_value),
                score(m, offline::tabular_bc<double>(data, m.states(), 4, aw_span), random_value, expert_value),
                score(m, offline::tabular_iql<double>(scaled, m.states(), 4).policy, random_value, expert_value),
                score(m, offline::tabular_iql<double>(scaled, m.states(), 4, {}, rw_span).policy, random_value, expert_value)};
            for (int k = 0; k < 5; ++k) table[static_cast<std::size_t>(k)][p] += results[k] / seeds;
        }
    }
    std::printf("normalized score (mean of %d seeds)   expert episodes:", seeds);
    for (const int pct : percents) std::printf(" %6d%%", pct);
    std::printf("\n");
    for (int k = 0; k < 5; ++k) {
        std::printf("  %-46s", methods[k]);
        for (std::size_t p = 0; p < percents.size(); ++p) std::printf(" %7.1f", table[static_cast<std::size_t>(k)][p]);
        std::printf("\n");
    }
    if (!csv_path.empty()) {
        std::ofstream csv(csv_path);
        csv << "expert_percent,bc,bc_rw,bc_aw,iql,iql_rw\n";
        for (std::size_t p = 0; p < percents.size(); ++p) {
            csv << percents[p];
            for (int k = 0; k < 5; ++k) csv << ',' << table[static_cast<std::size_t>(k)][p];
            csv << '\n';
        }
    }
    bool reproduced = true;
    for (std::size_t p = 0; p < percents.size(); ++p) reproduced = reproduced && table[1][p] > table[0][p] && table[2][p] > table[0][p];
    std::printf("\nresult: bc_1=%.2f bc_rw_1=%.2f bc_aw_1=%.2f bc_5=%.2f bc_rw_5=%.2f bc_aw_5=%.2f bc_20=%.2f bc_rw_20=%.2f iql_5=%.2f iql_rw_5=%.2f\n",
                table[0][0], table[1][0], table[2][0], table[0][1], table[1][1], table[2][1], table[0][2], table[1][2], table[3][1], table[4][1]);
    return reproduced ? 0 : 1;
}
