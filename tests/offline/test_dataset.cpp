// Offline datasets: validation, episodes and returns, D4RL's score, sampling, CSV round trip,
// collection from an environment, and return-weighted sampling on collected data.

#include <catch2/catch.hpp>

#include <prefrl/env.hpp>
#include <prefrl/offline.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace offline = prefrl::offline;
namespace env = prefrl::env;
using prefrl::index_t;

namespace {

// two episodes: rows 0-2 end in a terminal, rows 3-4 end in a timeout
offline::transition_dataset<double> small() {
    offline::transition_dataset<double> d;
    d.observations = prefrl::row_matrix<double>{{0, 1}, {1, 1}, {2, 1}, {0, 0}, {1, 0}};
    d.actions = prefrl::row_matrix<double>{{1}, {0}, {1}, {1}, {1}};
    d.rewards = prefrl::vector<double>{{1.0, 2.0, 3.0, -1.0, 0.5}};
    d.next_observations = prefrl::row_matrix<double>{{1, 1}, {2, 1}, {3, 1}, {1, 0}, {2, 0}};
    d.terminals = {0, 0, 1, 0, 0};
    d.timeouts = {0, 0, 0, 0, 1};
    d.episode_starts = {1, 0, 0, 1, 0};
    return d;
}

}  // namespace

TEST_CASE("transition datasets: episodes, returns, returns-to-go, the normalized score", "[offline][dataset]") {
    const auto d = small();
    REQUIRE_NOTHROW(d.validate());
    CHECK(d.episode_start_rows() == std::vector<index_t>{0, 3});
    CHECK(d.episode_lengths() == std::vector<index_t>{3, 2});
    CHECK(d.episode_returns()[0] == 6.0);
    CHECK(d.episode_returns()[1] == -0.5);
    const auto rtg = d.returns_to_go(0.5);
    CHECK(rtg[0] == Approx(1 + 0.5 * (2 + 0.5 * 3)));
    CHECK(rtg[2] == 3.0);
    CHECK(rtg[3] == Approx(-1 + 0.25));
    CHECK(offline::normalized_score(50.0, 0.0, 200.0) == 25.0);
    CHECK(offline::reward_scale_by_return_range(d) == Approx(1000.0 / 6.5));

    auto bad = d;
    bad.episode_starts[3] = 0;
    REQUIRE_THROWS_WITH(bad.validate(), "prefrl::offline::transition_dataset: row 2 is a terminal but row 3 does not start an episode "
                                        "(a terminal without an episode end)");
    bad = d;
    bad.rewards[1] = std::nan("");
    REQUIRE_THROWS_WITH(bad.validate(), "prefrl::offline::transition_dataset: rewards[1] must be finite, got nan");
    bad = d;
    bad.terminals.pop_back();
    REQUIRE_THROWS_WITH(bad.validate(), "prefrl::offline::transition_dataset: terminals (4), timeouts (5) and episode_starts (5) must have 5 entries");
    REQUIRE_THROWS_WITH(offline::transition_dataset<double>{}.validate(), "prefrl::offline::transition_dataset: the dataset is empty");
}

TEST_CASE("datasets round-trip through CSV, bad files are named by line", "[offline][dataset]") {
    const auto d = small();
    const std::string path = "prefrl_test_dataset.csv";
    offline::save_csv(d, path);
    const auto back = offline::load_csv<double>(path);
    CHECK(back.observations == d.observations);
    CHECK(back.actions == d.actions);
    CHECK(back.rewards == d.rewards);
    CHECK(back.next_observations == d.next_observations);
    CHECK(back.terminals == d.terminals);
    CHECK(back.timeouts == d.timeouts);
    CHECK(back.episode_starts == d.episode_starts);
    {
        std::ofstream out(path);
        out << "obs_0,action_0,reward,next_obs_0,terminal,timeout,episode_start\n0,1,2,3,0,0,1\n0,1,x,3,0,0,0\n";
    }
    REQUIRE_THROWS_WITH(offline::load_csv<double>(path), "prefrl::offline::load_csv: " + path + " line 3: 'x' is not a number");
    std::remove(path.c_str());
}

TEST_CASE("sampling indices: uniform and weighted frequencies", "[offline][dataset]") {
    prefrl::generator rng(1);
    const std::vector<double> p{0.1, 0.0, 0.6, 0.3};
    std::vector<int> counts(4, 0);
    const int n = 40000;
    for (const index_t i : offline::sample_indices<double>(std::span<const double>(p), n, rng)) ++counts[static_cast<std::size_t>(i)];
    CHECK(counts[1] == 0);
    for (std::size_t i = 0; i < 4; ++i) CHECK(std::abs(counts[i] / double(n) - p[i]) < 5 * std::sqrt(p[i] * (1 - p[i]) / n) + 1e-12);
    const auto uniform = offline::sample_indices(7, 1000, rng);
    CHECK(*std::max_element(uniform.begin(), uniform.end()) == 6);
    CHECK(*std::min_element(uniform.begin(), uniform.end()) == 0);
}

TEST_CASE("collecting from an environment, return weighting favours the good episodes", "[offline][dataset]") {
    env::tabular_environment<double> world(env::cliff_walking<double>());
    prefrl::generator rng(2);
    auto observe = [](index_t s) { return prefrl::vector<double>::Constant(1, static_cast<double>(s)); };
    auto encode = [](index_t a) { return prefrl::vector<double>::Constant(1, static_cast<double>(a)); };
    // random behaviour, episodes cut at 50 steps (timeouts)
    const auto random = offline::collect<double>(world, [](index_t, prefrl::generator& g) { return prefrl::uniform_index(4, g); }, observe,
                                                 encode, 20, 50, rng);
    CHECK(random.episode_start_rows().size() == 20);
    // the optimal path: up, right x 11, down (13 steps, return -13, a terminal at the goal)
    const auto expert = offline::collect<double>(
        world,
        [](index_t s, prefrl::generator&) -> index_t { return s == 36 ? env::up : (s == 35 ? env::down : env::right); }, observe, encode, 3, 50,
        rng);
    CHECK(expert.episode_lengths() == std::vector<index_t>{13, 13, 13});
    CHECK(expert.episode_returns()[0] == -13.0);
    CHECK(expert.terminals.back() == 1);
    const auto mixed = offline::concatenate(random, expert);
    const auto returns = mixed.episode_returns();
    const auto lengths = mixed.episode_lengths();
    const auto p = offline::return_weighted_sampling{}(std::span<const double>(returns.data(), static_cast<std::size_t>(returns.size())),
                                                       std::span<const index_t>(lengths));
    // the 39 expert transitions have the highest return: each is more likely than any random
    // one, and together they get more than their uniform share
    CHECK(p.tail(39).minCoeff() > p.head(p.size() - 39).maxCoeff());
    CHECK(p.tail(39).sum() > 2.0 * 39.0 / static_cast<double>(p.size()));
}
