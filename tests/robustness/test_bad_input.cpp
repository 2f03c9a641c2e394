// Bad input at the public entry points, table-driven: each row calls one entry point with one
// class of bad input (out of range, mismatched sizes, NaN, +-inf, huge sizes, empty) and names
// the message it must throw as a prefrl::invalid_argument. A new entry point or a new bad input
// is one row. The sanitize preset runs this file under AddressSanitizer and
// UndefinedBehaviorSanitizer, so a row that indexes out of bounds, overflows a size or divides
// by zero instead of throwing fails there even where a release build would go on silently.
//
// The rows are the failures an outside bad-input battery found (crashes, hangs, silent
// acceptance, the wrong exception or function name); the area test files hold the rest of each
// area's refusals. The last test cases check the other side: extreme but valid input gives the
// formula's finite limit instead of NaN or a throw.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <prefrl/bandit.hpp>
#include <prefrl/env.hpp>
#include <prefrl/grpo.hpp>
#include <prefrl/icl.hpp>
#include <prefrl/kernel.hpp>
#include <prefrl/mdp.hpp>
#include <prefrl/offline.hpp>
#include <prefrl/ope.hpp>
#include <prefrl/optim.hpp>
#include <prefrl/policy.hpp>
#include <prefrl/preference.hpp>
#include <prefrl/value.hpp>

namespace {

using prefrl::index_t;
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct bad_input {
    std::string entry_point;  // what the user called
    std::string input;        // the bad input, in words
    std::function<void()> call;
    std::string message;  // a substring of what it must throw
};

void check_rows(const std::vector<bad_input>& rows) {
    for (const auto& row : rows) {
        INFO(row.entry_point << " with " << row.input);
        REQUIRE_THROWS_AS(row.call(), prefrl::invalid_argument);
        REQUIRE_THROWS_WITH(row.call(), Catch::Matchers::Contains(row.message));
    }
}

std::vector<bad_input> accessor_rows() {
    namespace bandit = prefrl::bandit;
    namespace env = prefrl::env;
    return {
        {"ucb1::index", "arm 3 of 3", [] { (void)bandit::ucb1<double>(3).index(3); },
         "prefrl::bandit::ucb1::index: a must be in [0, 3), got 3"},
        {"ucb1::index", "arm -1", [] { (void)bandit::ucb1<double>(3).index(-1); },
         "prefrl::bandit::ucb1::index: a must be in [0, 3), got -1"},
        {"kl_ucb::index", "arm 5 of 2", [] { (void)bandit::kl_ucb<double>(2).index(5); },
         "prefrl::bandit::kl_ucb::index: a must be in [0, 2), got 5"},
        {"online_linear_oracle::theta", "arm 2 of 2", [] { (void)bandit::online_linear_oracle<double>(2, 3).theta(2); },
         "prefrl::bandit::online_linear_oracle::theta: arm must be in [0, 2), got 2"},
        {"arm_statistics::count", "arm 4 of 4", [] { (void)bandit::arm_statistics(4).count(4); },
         "prefrl::bandit::arm_statistics::count: a must be in [0, 4), got 4"},
        {"arm_statistics::mean", "arm -2", [] { (void)bandit::arm_statistics(4).mean(-2); },
         "prefrl::bandit::arm_statistics::mean: a must be in [0, 4), got -2"},
        {"thompson_beta::posterior_alpha", "arm 7 of 2", [] { (void)bandit::thompson_beta<double>(2).posterior_alpha(7); },
         "prefrl::bandit::thompson_beta::posterior_alpha: a must be in [0, 2), got 7"},
        {"thompson_gaussian::posterior_sd", "arm -1", [] { (void)bandit::thompson_gaussian<double>(2).posterior_sd(-1); },
         "prefrl::bandit::thompson_gaussian::posterior_sd: a must be in [0, 2), got -1"},
        {"groupwise_regression::model", "group 3 of 3 (was std::out_of_range)",
         [] { (void)bandit::groupwise_regression<double>(3, 2, {.eta = 0.5}).model(3); },
         "prefrl::bandit::groupwise_regression::model: g must be in [0, 3), got 3"},
        {"bernoulli_arms::mean", "arm 2 of 2 (was std::out_of_range)", [] { (void)env::bernoulli_arms<double>({0.1, 0.9}).mean(2); },
         "prefrl::env::bernoulli_arms::mean: a must be in [0, 2), got 2"},
        {"bernoulli_arms::pull", "arm -1 (was std::out_of_range)",
         [] {
             prefrl::generator rng(1);
             (void)env::bernoulli_arms<double>({0.1, 0.9}).pull(-1, rng);
         },
         "prefrl::env::bernoulli_arms::pull: a must be in [0, 2), got -1"},
        {"gaussian_arms::mean", "arm 9 of 1", [] { (void)env::gaussian_arms<double>({0.0}, 1.0).mean(9); },
         "prefrl::env::gaussian_arms::mean: a must be in [0, 1), got 9"},
        {"oblivious_adversary::reward", "round 5 of 2",
         [] { (void)env::oblivious_adversary<double>::rotating(2, 2, 1).reward(5, 0); },
         "prefrl::env::oblivious_adversary::reward: t must be in [0, 2), got 5"},
        {"tabular_mdp::is_terminal", "state 3 of 3", [] { (void)env::chain<double>(3).is_terminal(3); },
         "prefrl::mdp::tabular_mdp::is_terminal: s must be in [0, 3), got 3"},
        {"tabular_mdp::is_terminal", "a terminal vector of the wrong size",
         [] {
             auto m = env::chain<double>(3);
             m.terminal.assign(1, 0);
             (void)m.is_terminal(2);
         },
         "prefrl::mdp::tabular_mdp::is_terminal: terminal has 1 entries but there are 3 states"},
    };
}

std::vector<bad_input> game_rows() {
    namespace pref = prefrl::preference;
    const Eigen::MatrixXd square = pref::bradley_terry(Eigen::Vector3d(0.0, 1.0, 2.0));
    const Eigen::MatrixXd wide = Eigen::MatrixXd::Constant(2, 3, 0.5);
    return {
        {"hedge_step", "a 2 x 3 P", [=] { Eigen::VectorXd lp = Eigen::VectorXd::Zero(2); pref::hedge_step(lp, wide, 1.0); },
         "prefrl::preference::hedge_step: P must be a non-empty square matrix, got 2 x 3"},
        {"hedge_step", "lp of 2 entries for K = 3", [=] { Eigen::VectorXd lp = Eigen::VectorXd::Zero(2); pref::hedge_step(lp, square, 1.0); },
         "prefrl::preference::hedge_step: lp has 2 entries but P is 3 x 3"},
        {"hedge_step", "eta NaN", [=] { Eigen::VectorXd lp = Eigen::VectorXd::Zero(3); pref::hedge_step(lp, square, nan); },
         "prefrl::preference::hedge_step: eta must be finite, got nan"},
        {"hedge_step", "eta +inf", [=] { Eigen::VectorXd lp = Eigen::VectorXd::Zero(3); pref::hedge_step(lp, square, inf); },
         "prefrl::preference::hedge_step: eta must be finite, got inf"},
        {"hedge_step", "lp NaN", [=] { Eigen::VectorXd lp = Eigen::VectorXd::Constant(3, nan); pref::hedge_step(lp, square, 1.0); },
         "prefrl::preference::hedge_step: lp[0] must be a log-probability"},
        {"optimistic_hedge_step", "previous_r of 1 entry",
         [=] {
             Eigen::VectorXd lp = Eigen::VectorXd::Zero(3), r = Eigen::VectorXd::Zero(1);
             pref::optimistic_hedge_step(lp, r, square, 1.0);
         },
         "prefrl::preference::optimistic_hedge_step: previous_r has 1 entries but P is 3 x 3"},
        {"inpo_step", "eta 0",
         [=] {
             Eigen::VectorXd lp = Eigen::VectorXd::Zero(3);
             pref::inpo_step(lp, square, Eigen::VectorXd::Constant(3, std::log(1.0 / 3.0)), 0.0, 0.1);
         },
         "prefrl::preference::inpo_step: eta must be > 0, got 0"},
        {"inpo_step", "log_ref of 2 entries",
         [=] {
             Eigen::VectorXd lp = Eigen::VectorXd::Zero(3);
             pref::inpo_step(lp, square, Eigen::VectorXd::Zero(2), 1.0, 0.1);
         },
         "prefrl::preference::inpo_step: log_ref has 2 entries but P is 3 x 3"},
        {"sample_preference", "a 2 x 3 P, j = 2",
         [=] {
             prefrl::generator rng(1);
             (void)pref::sample_preference(wide, 0, 2, rng);
         },
         "prefrl::preference::sample_preference: j must be in [0, 2), got 2"},
        {"sample_preference", "a 3 x 2 P",
         [] {
             prefrl::generator rng(1);
             (void)pref::sample_preference(Eigen::MatrixXd::Constant(3, 2, 0.5), 0, 1, rng);
         },
         "prefrl::preference::sample_preference: P must be a square matrix, got 3 x 2"},
        {"train_on_population", "steps = -1 (hung)",
         [=] { (void)pref::train_on_population(pref::dpo{}, square, Eigen::VectorXd::Constant(3, 1.0 / 3.0), 0.1, -1); },
         "prefrl::preference::train_on_population: steps must be >= 0, got -1"},
        {"train_on_population", "a 2-entry pi_ref (named population_pairs)",
         [=] { (void)pref::train_on_population(pref::dpo{}, square, Eigen::VectorXd::Constant(2, 0.5), 0.1, 1); },
         "prefrl::preference::train_on_population: pi_ref has 2 entries but P is 3 x 3"},
    };
}

std::vector<bad_input> mdp_rows() {
    namespace mdp = prefrl::mdp;
    namespace env = prefrl::env;
    return {
        {"q_from_v", "rewards of the wrong shape",
         [] {
             auto m = env::chain<double>(3);
             m.rewards.resize(1, 1);
             (void)mdp::q_from_v(m, Eigen::VectorXd(Eigen::VectorXd::Zero(3)));
         },
         "prefrl::mdp::q_from_v: rewards must be [3, 2], got [1, 1]"},
        {"q_from_v", "a NaN v", [] { (void)mdp::q_from_v(env::chain<double>(3), Eigen::VectorXd(Eigen::VectorXd::Constant(3, nan))); },
         "prefrl::mdp::q_from_v: v[0] must be finite, got nan"},
        {"greedy_policy", "0 action columns", [] { (void)mdp::greedy_policy<double>(prefrl::row_matrix<double>(2, 0)); },
         "prefrl::mdp::greedy_policy: q must have at least one action column, got [2, 0]"},
        {"greedy_policy", "a NaN", [] { (void)mdp::greedy_policy<double>(prefrl::row_matrix<double>::Constant(2, 2, nan)); },
         "prefrl::mdp::greedy_policy: q(0, 0) must not be NaN"},
        {"value_iteration", "max_sweeps = 0 (options)", [] { (void)mdp::value_iteration(env::chain<double>(3), {.max_sweeps = 0}); },
         "prefrl::mdp::value_iteration: max_sweeps must be > 0, got 0"},
        {"policy_iteration", "max_iterations = 0 (options)", [] { (void)mdp::policy_iteration(env::chain<double>(3), {.max_iterations = 0}); },
         "prefrl::mdp::policy_iteration: max_iterations must be > 0, got 0"},
        {"relative_value_iteration", "tau = 1 (options)",
         [] { (void)mdp::relative_value_iteration(env::two_state_average_reward<double>(), {.tau = 1.0}); },
         "prefrl::mdp::relative_value_iteration: tau must be in [0, 1), got 1"},
        {"evaluate_policy_iterative", "tolerance NaN (options)",
         [] {
             const auto m = env::chain<double>(3);
             (void)mdp::evaluate_policy_iterative(m, prefrl::row_matrix<double>::Constant(3, 2, 0.5), {.tolerance = nan});
         },
         "prefrl::mdp::evaluate_policy_iterative: tolerance must be finite, got nan"},
        {"value_iteration", "max_sweeps = 0", [] { (void)mdp::value_iteration(env::chain<double>(3), 1e-10, 0); },
         "prefrl::mdp::value_iteration: max_sweeps must be > 0, got 0"},
        {"value_iteration", "epsilon +inf", [] { (void)mdp::value_iteration(env::chain<double>(3), inf); },
         "prefrl::mdp::value_iteration: epsilon must be finite, got inf"},
        {"value_iteration", "a NaN reward on a terminal row",
         [] {
             auto m = env::random_walk<double>(3);
             m.rewards(3, 0) = nan;
             (void)mdp::value_iteration(m);
         },
         "prefrl::mdp::value_iteration: rewards(3, 0) must be finite, got nan"},
        {"value_iteration", "a NaN transition on a terminal row",
         [] {
             auto m = env::random_walk<double>(3);
             m.transitions(4, 0, 0) = nan;
             (void)mdp::value_iteration(m);
         },
         "prefrl::mdp::value_iteration: transitions(4, 0, 0) must be finite, got nan"},
        {"evaluate_policy_iterative", "max_sweeps = 0",
         [] {
             const auto m = env::chain<double>(3);
             (void)mdp::evaluate_policy_iterative<double>(m, prefrl::row_matrix<double>::Constant(3, 2, 0.5), 1e-12, 0);
         },
         "prefrl::mdp::evaluate_policy_iterative: max_sweeps must be > 0, got 0"},
        {"policy_iteration", "max_iterations = 0", [] { (void)mdp::policy_iteration(env::chain<double>(3), 0); },
         "prefrl::mdp::policy_iteration: max_iterations must be > 0, got 0"},
        {"relative_value_iteration", "max_sweeps = -3",
         [] { (void)mdp::relative_value_iteration(env::two_state_average_reward<double>(), 0.5, 1e-10, -3); },
         "prefrl::mdp::relative_value_iteration: max_sweeps must be > 0, got -3"},
        {"cvar", "mass summing to 0.5", [] { (void)mdp::cvar({{1.0, 0.25}, {2.0, 0.25}}, 0.5); },
         "prefrl::mdp::cvar: law's probabilities must sum to 1, got 0.5"},
        {"mean", "a negative mass", [] { (void)mdp::mean({{1.0, 1.5}, {2.0, -0.5}}); },
         "prefrl::mdp::mean: law's probability of 1 must be in [0, 1], got 1.5"},
        {"random_walk", "n at the largest index (overflowed n + 2)",
         [] { (void)env::random_walk<double>(std::numeric_limits<index_t>::max()); },
         "prefrl::env::random_walk: n must be < 16384"},
        {"random_walk", "gamma NaN", [] { (void)env::random_walk<double>(5, nan); },
         "prefrl::env::random_walk: gamma must be in [0, 1), got nan"},
        {"garnet", "a tensor of 10^15 entries",
         [] {
             prefrl::generator rng(1);
             (void)mdp::garnet<double>(100000, 100000, 1, 0.9, rng);
         },
         "prefrl::mdp::garnet: 100000 states and 100000 actions make a dense transition tensor of"},
        {"chain", "far_reward +inf", [] { (void)env::chain<double>(5, 0.2, 2.0, inf); },
         "prefrl::env::chain: far_reward must be finite, got inf"},
    };
}

prefrl::offline::transition_dataset<double> two_episodes() {
    prefrl::offline::transition_dataset<double> d;
    d.observations = prefrl::row_matrix<double>::Zero(4, 1);
    d.actions = prefrl::row_matrix<double>::Zero(4, 1);
    d.rewards = Eigen::Vector4d(1.0, 2.0, 3.0, 4.0);
    d.next_observations = prefrl::row_matrix<double>::Zero(4, 1);
    d.terminals = {0, 1, 0, 1};
    d.timeouts = {0, 0, 0, 0};
    d.episode_starts = {1, 0, 1, 0};
    return d;
}

std::string write_file(const std::string& name, const std::string& text) {
    // In the temporary directory, so that running the tests leaves nothing in the checkout.
    const std::string path = (std::filesystem::temp_directory_path() / ("prefrl_robustness_" + name + ".csv")).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

std::vector<bad_input> offline_rows() {
    namespace offline = prefrl::offline;
    const std::string header = "obs_0,action_0,reward,next_obs_0,terminal,timeout,episode_start\n";
    return {
        {"transition_dataset::episode_returns", "before validate(): no flags (read out of bounds)",
         [] {
             auto d = two_episodes();
             d.episode_starts.clear();
             (void)d.episode_returns();
         },
         "prefrl::offline::transition_dataset::episode_returns: terminals (4), timeouts (4) and episode_starts (0) must have 4 entries"},
        {"transition_dataset::episode_lengths", "row 0 not an episode start",
         [] {
             auto d = two_episodes();
             d.episode_starts[0] = 0;
             (void)d.episode_lengths();
         },
         "prefrl::offline::transition_dataset::episode_lengths: episode_starts[0] must be 1"},
        {"transition_dataset::returns_to_go", "gamma NaN", [] { (void)two_episodes().returns_to_go(nan); },
         "prefrl::offline::transition_dataset::returns_to_go: gamma must be in [0, 1], got nan"},
        {"transition_dataset::returns_to_go", "gamma -5", [] { (void)two_episodes().returns_to_go(-5.0); },
         "prefrl::offline::transition_dataset::returns_to_go: gamma must be in [0, 1], got -5"},
        {"normalized_score", "a NaN return", [] { (void)offline::normalized_score(nan, 0.0, 1.0); },
         "prefrl::offline::normalized_score: episode_return must be finite, got nan"},
        {"normalized_score", "an infinite expert return", [] { (void)offline::normalized_score(1.0, 0.0, inf); },
         "prefrl::offline::normalized_score: expert_return must be finite, got inf"},
        {"tabular_bc", "a state of 1e30 (an overflowing conversion)",
         [] {
             auto d = two_episodes();
             d.observations(2, 0) = 1e30;
             (void)offline::tabular_bc<double>(d, 3, 2);
         },
         "prefrl::offline::tabular_bc: row 2 has a state 1e+30, not an integer in [0, 3)"},
        {"tabular_bc", "an action of 0.5",
         [] {
             auto d = two_episodes();
             d.actions(1, 0) = 0.5;
             (void)offline::tabular_bc<double>(d, 3, 2);
         },
         "prefrl::offline::tabular_bc: row 1 has an action 0.5, not an integer in [0, 2)"},
        {"return_weighted_sampling", "lengths whose sum overflows",
         [] {
             const std::vector<double> returns = {1.0, 2.0};
             const std::vector<index_t> lengths = {std::numeric_limits<index_t>::max(), 2};
             (void)offline::return_weighted_sampling{}(std::span<const double>(returns), std::span<const index_t>(lengths));
         },
         "prefrl::offline::return_weighted_sampling: the sum of lengths = "},
        {"return_weighted_sampling", "alpha +inf",
         [] {
             const std::vector<double> returns = {1.0, 2.0};
             const std::vector<index_t> lengths = {1, 2};
             (void)offline::return_weighted_sampling{.alpha = inf}(std::span<const double>(returns), std::span<const index_t>(lengths));
         },
         "prefrl::offline::return_weighted_sampling: alpha must be finite, got inf"},
        {"load_csv", "a terminal flag of 2",
         [=] { (void)offline::load_csv<double>(write_file("flag2", header + "0,0,1,0,2,0,1\n")); },
         "line 2: terminal must be 0 or 1, got 2"},
        {"load_csv", "a terminal flag of NaN",
         [=] { (void)offline::load_csv<double>(write_file("flagnan", header + "0,0,1,0,nan,0,1\n")); },
         "line 2: terminal must be 0 or 1, got nan"},
        {"load_csv", "episode_start 0.5",
         [=] { (void)offline::load_csv<double>(write_file("start05", header + "0,0,1,0,1,0,0.5\n")); },
         "line 2: episode_start must be 0 or 1, got 0.5"},
        {"load_csv", "a trailing empty column",
         [=] { (void)offline::load_csv<double>(write_file("trailing", header + "0,0,1,0,1,0,1,\n")); },
         "line 2: '' is not a number"},
        {"load_csv", "columns in the wrong order",
         [] { (void)offline::load_csv<double>(write_file("order", "action_0,obs_0,reward,next_obs_0,terminal,timeout,episode_start\n0,0,1,0,1,0,1\n")); },
         "prefrl_robustness_order.csv line 1: the header must be obs_0.., action_0.., reward, next_obs_0.., terminal, timeout, episode_start in this order; column 0 is 'action_0', expected obs_0"},
        {"load_csv", "a misnamed column",
         [] { (void)offline::load_csv<double>(write_file("named", "obs_0,action_0,rewards,next_obs_0,terminal,timeout,episode_start\n0,0,1,0,1,0,1\n")); },
         "column 2 is 'rewards', expected reward"},
    };
}

std::vector<bad_input> bandit_rows() {
    namespace bandit = prefrl::bandit;
    namespace env = prefrl::env;
    return {
        {"simulate", "a 3-arm bandit on 2 arms (was std::out_of_range)",
         [] {
             prefrl::generator rng(1);
             bandit::ucb1<double> b(3);
             (void)bandit::simulate(b, env::bernoulli_arms<double>({0.1, 0.9}), 10, rng);
         },
         "prefrl::bandit::simulate: the bandit has 3 arms but the environment 2"},
        {"simulate_adversarial", "a 3-arm bandit against 2 arms (read out of bounds)",
         [] {
             prefrl::generator rng(1);
             bandit::exp3<double> b(3, {.gamma = 0.1});
             (void)bandit::simulate_adversarial(b, env::oblivious_adversary<double>::rotating(2, 10, 2), rng);
         },
         "prefrl::bandit::simulate_adversarial: the bandit has 3 arms but the adversary 2"},
        {"linear_contextual_arms", "context_size 0 (named random_unit_vector)",
         [] {
             prefrl::generator rng(1);
             (void)env::linear_contextual_arms<double>(2, 0, 0.1, rng);
         },
         "prefrl::env::linear_contextual_arms: context_size must be >= 1, got 0"},
        {"gaussian_arms", "sd +inf", [] { (void)env::gaussian_arms<double>({0.0}, inf); },
         "prefrl::env::gaussian_arms: sd must be finite, got inf"},
        {"square_cb", "gamma_scale +inf",
         [] { (void)bandit::square_cb<bandit::ridge_oracle<double>>(bandit::ridge_oracle<double>(2, 2), {.gamma_scale = inf}); },
         "prefrl::bandit::square_cb: gamma_scale must be finite, got inf"},
        {"thompson_beta", "alpha0 +inf", [] { (void)bandit::thompson_beta<double>(2, {.alpha0 = inf}); },
         "prefrl::bandit::thompson_beta: alpha0 must be finite, got inf"},
        {"lin_ucb::select", "a context of 1 entry for d = 3 (named ridge_oracle::predict_with_variance)",
         [] {
             prefrl::generator rng(1);
             bandit::lin_ucb<double> b(2, 3);
             const std::vector<double> x = {1.0};
             (void)b.select(x, rng);
         },
         "prefrl::bandit::lin_ucb::select: the context must have 3 entries, got 1"},
        {"lin_ts::update", "arm 4 of 2",
         [] {
             bandit::lin_ts<double> b(2, 3);
             const std::vector<double> x = {1.0, 0.0, 0.0};
             b.update(x, 4, 1.0);
         },
         "prefrl::bandit::lin_ts::update:"},
        {"recovering_optimal_gain", "40 arms (hung: 2^40 sets of arms)",
         [] { (void)bandit::recovering_optimal_gain(bandit::recovering_means(40, std::vector<double>{0.5}), 1); },
         "prefrl::bandit::recovering_optimal_gain: exact planning enumerates the 2^N sets of arms: N must be at most 20, got 40"},
        {"recovering_optimal_gain", "tolerance NaN",
         [] { (void)bandit::recovering_optimal_gain(bandit::recovering_means(2, std::vector<double>{0.5, 1.0}), 1, nan); },
         "prefrl::bandit::recovering_optimal_gain: tolerance must be finite, got nan"},
    };
}

std::vector<bad_input> icl_rows() {
    namespace icl = prefrl::icl;
    const auto layer = icl::gd_layer<double>(2, 3, 0.5);
    const icl::token_matrix<double> tokens = icl::token_matrix<double>::Ones(3, 4);
    const std::vector<icl::regression_task<double>> empty_tasks(1);
    return {
        {"lsa_backward", "a gradient of the wrong shape",
         [=] {
             auto g = icl::lsa_gradients<double>::zeros_like(layer);
             g.query.resize(1, 1);
             (void)icl::lsa_backward(layer, tokens, tokens, g);
         },
         "prefrl::icl::lsa_backward: gradients must be shaped like the layer"},
        {"lsa_backward", "a layer for D = 3 on tokens of D = 5",
         [=] {
             auto g = icl::lsa_gradients<double>::zeros_like(layer);
             const icl::token_matrix<double> wide = icl::token_matrix<double>::Ones(5, 4);
             (void)icl::lsa_backward(layer, wide, wide, g);
         },
         "prefrl::icl::lsa_backward: key, query and value must have D = 5 columns, got 3, 3, 3"},
        {"lsa_weight_alignment", "a projection of the wrong shape",
         [=] {
             auto bad = layer;
             bad.projection.resize(2, 3);
             (void)icl::lsa_weight_alignment(bad);
         },
         "prefrl::icl::lsa_weight_alignment: projection must be 3 x 3, got 2 x 3"},
        {"lsa_readout", "empty tokens", [] { (void)icl::lsa_readout(icl::token_matrix<double>()); },
         "prefrl::icl::lsa_readout: tokens must not be empty, got 0 x 0"},
        {"lsa_loss", "a task with empty tokens",
         [=] { (void)icl::lsa_loss<double>(std::span<const icl::lsa_layer<double>>(), empty_tasks); },
         "prefrl::icl::lsa_loss: tokens must be at least 2 x 2"},
        {"gd_layer", "eta +inf", [] { (void)icl::gd_layer<double>(2, 3, inf); }, "prefrl::icl::gd_layer: eta must be finite, got inf"},
        {"gd_prediction", "eta -1", [=] { (void)icl::gd_prediction(tokens, -1.0, 1); },
         "prefrl::icl::gd_prediction: eta must be > 0, got -1"},
        {"gd_prediction", "eta NaN", [=] { (void)icl::gd_prediction(tokens, nan, 1); },
         "prefrl::icl::gd_prediction: eta must be > 0, got nan"},
        {"gd_prediction", "a NaN token",
         [=] {
             auto bad = tokens;
             bad(0, 0) = nan;
             (void)icl::gd_prediction(bad, 0.5, 1);
         },
         "prefrl::icl::gd_prediction: tokens must be finite"},
        {"gd_step_size_line_search", "an infinite end (hung)",
         [] {
             prefrl::generator rng(1);
             const std::vector<icl::regression_task<double>> tasks = {icl::regression_task_distribution{.inputs = 2, .context = 3}.sample<double>(rng)};
             (void)icl::gd_step_size_line_search<double>(tasks, 1, 0.001, inf, 0.1);
         },
         "prefrl::icl::gd_step_size_line_search: last must be finite, got inf"},
        {"gd_step_size_line_search", "10^300 candidates (hung)",
         [] {
             prefrl::generator rng(1);
             const std::vector<icl::regression_task<double>> tasks = {icl::regression_task_distribution{.inputs = 2, .context = 3}.sample<double>(rng)};
             (void)icl::gd_step_size_line_search<double>(tasks, 1, 1e-300, 1.0, 1e-300);
         },
         "candidates, more than 1e+06"},
    };
}

std::vector<bad_input> kernel_and_loss_rows() {
    namespace kernel = prefrl::kernel;
    namespace pref = prefrl::preference;
    return {
        {"sequence_sums", "lengths whose sum overflows",
         [] {
             const std::vector<double> values(3, 1.0);
             const std::vector<index_t> lengths = {std::numeric_limits<index_t>::max(), 4};
             (void)kernel::sequence_sums<double>(std::span<const double>(values), std::span<const index_t>(lengths));
         },
         "prefrl::kernel::sequence_sums: the sum of lengths = "},
        {"sequence_broadcast", "a size that overflows",
         [] {
             const std::vector<double> per_sequence(4, 1.0);
             (void)kernel::sequence_broadcast<double>(std::span<const double>(per_sequence), std::numeric_limits<index_t>::max() / 2);
         },
         "prefrl::kernel::sequence_broadcast: per_sequence.size() * steps = "},
        {"token_logprobs_backward", "a saved log-sum-exp of another row (gave -inf gradients)",
         [] {
             const prefrl::row_matrix<double> logits = prefrl::row_matrix<double>::Zero(2, 3);
             prefrl::row_matrix<double> d = logits;
             const std::vector<index_t> labels = {0, 1};
             const std::vector<double> mask = {1.0, 1.0}, upstream = {1.0, 1.0}, lse = {std::log(3.0), -1000.0};
             kernel::token_logprobs_backward(logits, labels, mask, upstream, lse, d);
         },
         "prefrl::kernel::token_logprobs_backward: row_logsumexp[1] = -1e+03 is not the log-sum-exp of logits row 1"},
        {"from_logits", "steps whose double overflows",
         [] {
             const prefrl::row_matrix<double> logits = prefrl::row_matrix<double>::Zero(4, 3);
             prefrl::row_matrix<double> d = logits;
             const std::vector<index_t> labels(4, 0);
             const std::vector<double> mask(4, 1.0), ref(1, 0.0);
             (void)pref::from_logits(pref::dpo{}, logits, labels, mask, ref, ref, std::numeric_limits<index_t>::max(), d);
         },
         "prefrl::preference::from_logits: 2 * steps = "},
        {"from_logits", "a rejected completion with no unmasked token (DPO scored it 0)",
         [] {
             const prefrl::row_matrix<double> logits = prefrl::row_matrix<double>::Zero(4, 3);
             prefrl::row_matrix<double> d = logits;
             const std::vector<index_t> labels(4, 0);
             const std::vector<double> mask = {1.0, 1.0, 0.0, 0.0}, ref(1, 0.0);
             (void)pref::from_logits(pref::dpo{}, logits, labels, mask, ref, ref, 2, d);
         },
         "prefrl::preference::from_logits: the rejected sequence of pair 0 (logits rows 2 to 3) has no unmasked token"},
        {"from_logits", "a label out of range (named kernel::token_logprobs_forward)",
         [] {
             const prefrl::row_matrix<double> logits = prefrl::row_matrix<double>::Zero(2, 3);
             prefrl::row_matrix<double> d = logits;
             const std::vector<index_t> labels = {0, 7};
             const std::vector<double> mask = {1.0, 1.0}, ref(1, 0.0);
             (void)pref::from_logits(pref::dpo{}, logits, labels, mask, ref, ref, 1, d);
         },
         "prefrl::preference::from_logits: labels[1] must be in [0, 3)"},
        {"dpo", "beta +inf",
         [] {
             const std::vector<double> x = {0.0};
             (void)pref::dpo{.beta = inf}(pref::pair_batch<double>{x, x, x, x});
         },
         "prefrl::preference::dpo: beta must be finite, got inf"},
        {"dpo<float>", "beta 1e300, finite in double, +inf in float",
         [] {
             const std::vector<float> x = {0.0f};
             (void)pref::dpo{.beta = 1e300}(pref::pair_batch<float>{x, x, x, x});
         },
         "prefrl::preference::dpo: beta = 1e+300 is not finite in float"},
        {"entropy_loss", "0 action columns",
         [] {
             const std::vector<double> w(2, 1.0);
             (void)prefrl::value::entropy_loss<double>(prefrl::row_matrix<double>(2, 0), w);
         },
         "prefrl::value::entropy_loss: logits_t must have at least one action column, got 0"},
        {"geometric_mixture", "two all -inf inputs (was NaN)",
         [] {
             const std::vector<double> none(2, -inf);
             (void)pref::geometric_mixture<double>(none, none, 0.5);
         },
         "prefrl::preference::geometric_mixture: the mixture has no support"},
        {"td_lambda::step", "a NaN feature",
         [] {
             prefrl::value::td_lambda<double> td{.lambda_ = 0.5};
             Eigen::VectorXd w = Eigen::VectorXd::Zero(2);
             const std::vector<double> x = {1.0, nan}, next = {0.0, 1.0};
             (void)td.step(w, x, 1.0, 0.9, next, 0.1);
         },
         "prefrl::value::td_lambda::step: x_tm1[1] must be finite, got nan"},
        {"td_lambda::step", "alpha +inf",
         [] {
             prefrl::value::td_lambda<double> td{.lambda_ = 0.5};
             Eigen::VectorXd w = Eigen::VectorXd::Zero(2);
             const std::vector<double> x = {1.0, 0.0}, next = {0.0, 1.0};
             (void)td.step(w, x, 1.0, 0.9, next, inf);
         },
         "prefrl::value::td_lambda::step: alpha must be finite, got inf"},
        {"clip_by_global_norm", "a NaN gradient",
         [] {
             std::vector<double> g = {1.0, nan};
             (void)prefrl::optim::clip_by_global_norm<double>(g, 1.0);
         },
         "prefrl::optim::clip_by_global_norm: gradients[1] must be finite, got nan"},
    };
}

// the entry points the outside battery did not reach: grid layouts, the tabular softmax's
// parameters, the exact return-law enumerations (sizes they cannot finish), simulation
// horizons that cannot be stored, the GRPO loss from hidden states, and OPE's newer calls
std::vector<bad_input> audit_rows() {
    namespace env = prefrl::env;
    namespace mdp = prefrl::mdp;
    namespace bandit = prefrl::bandit;
    namespace grpo = prefrl::grpo;
    namespace ope = prefrl::ope;
    const auto walk = [] { return env::random_walk<double>(5); };
    return {
        {"gridworld_states", "an empty layout", [] { (void)env::gridworld_states({}); },
         "prefrl::env::gridworld_states: layout must not be empty"},
        {"gridworld_states", "rows of unequal lengths", [] { (void)env::gridworld_states({"..", "."}); },
         "prefrl::env::gridworld_states: layout rows must have equal lengths"},
        {"gridworld_states", "an empty row", [] { (void)env::gridworld_states({""}); },
         "prefrl::env::gridworld_states: layout rows must not be empty"},
        {"gridworld_states", "only walls", [] { (void)env::gridworld_states({"##", "##"}); },
         "prefrl::env::gridworld_states: layout has no open cell"},
        {"tabular_softmax::set_parameters", "a NaN parameter",
         [] {
             auto pi = prefrl::policy::tabular_softmax<double>::uniform(2, 2);
             prefrl::vector<double> theta = prefrl::vector<double>::Zero(4);
             theta[2] = nan;
             pi.set_parameters(theta);
         },
         "prefrl::policy::tabular_softmax::set_parameters: theta[2] must be finite, got nan"},
        {"tabular_softmax::kl", "another shape",
         [] {
             (void)prefrl::policy::tabular_softmax<double>::uniform(2, 2).kl(0, prefrl::policy::tabular_softmax<double>::uniform(3, 2));
         },
         "prefrl::policy::tabular_softmax::kl: other is [3, 2]"},
        {"tabular_softmax::sample", "state 2 of 2",
         [] {
             prefrl::generator rng(1);
             (void)prefrl::policy::tabular_softmax<double>::uniform(2, 2).sample(2, rng);
         },
         "prefrl::policy::tabular_softmax::sample: state must be in [0, 2), got 2"},
        {"finite_horizon_return_law", "a horizon of 10^12 on a random walk (a hang before)",
         [walk] { (void)mdp::finite_horizon_return_law(walk(), 2, index_t{1000000000000}, [](index_t, index_t, double) { return index_t{0}; }); },
         "the exact return law needs more than 4194304"},
        {"finite_horizon_value_iteration", "a horizon of 10^12 (bad_alloc before)",
         [walk] { (void)mdp::finite_horizon_value_iteration(walk(), index_t{1000000000000}); },
         "prefrl::mdp::finite_horizon_value_iteration: (horizon + 1) * states = "},
        {"finite_horizon_value_iteration", "a horizon whose (horizon + 1) * states overflows",
         [walk] { (void)mdp::finite_horizon_value_iteration(walk(), std::numeric_limits<index_t>::max()); }, "overflows"},
        {"cvar_optimal_policy", "a horizon of 10^6 (a stack overflow before)",
         [walk] { (void)mdp::cvar_optimal_policy(walk(), 2, 1000000, 0.5); },
         "prefrl::mdp::cvar_optimal_policy: horizon must be <= 4096"},
        {"cvar_optimal_policy", "alpha NaN", [walk] { (void)mdp::cvar_optimal_policy(walk(), 2, 3, nan); }, "alpha must be in (0, 1], got nan"},
        {"cvar", "a law whose mass is 0.5", [] { (void)mdp::cvar(mdp::return_law{{1.0, 0.5}}, 0.5); },
         "prefrl::mdp::cvar: law's probabilities must sum to 1"},
        {"mean", "an empty law", [] { (void)mdp::mean(mdp::return_law{}); }, "prefrl::mdp::mean: law must not be empty"},
        {"simulate", "a horizon of 10^15 (bad_alloc before)",
         [] {
             prefrl::generator rng(1);
             bandit::ucb1<double> b(2);
             (void)bandit::simulate(b, env::bernoulli_arms<double>({0.1, 0.9}), index_t{1000000000000000}, rng);
         },
         "prefrl::bandit::simulate: horizon must be <= 268435456"},
        {"simulate", "horizon 0",
         [] {
             prefrl::generator rng(1);
             bandit::ucb1<double> b(2);
             (void)bandit::simulate(b, env::bernoulli_arms<double>({0.1, 0.9}), 0, rng);
         },
         "prefrl::bandit::simulate: horizon must be >= 1, got 0"},
        {"grpo::from_hidden", "hidden and weight of different widths",
         [] {
             const prefrl::row_matrix<double> h = prefrl::row_matrix<double>::Zero(2, 3), w = prefrl::row_matrix<double>::Zero(4, 2);
             prefrl::row_matrix<double> dh(2, 3), dw(4, 2);
             const std::vector<double> mask{1, 1}, adv{1};
             const std::vector<index_t> labels{0, 1};
             (void)grpo::from_hidden(grpo::policy_loss{}, h, w, labels, grpo::token_batch<double>{1, 2, {}, mask, adv}, dh, dw);
         },
         "prefrl::grpo::from_hidden"},
        {"grpo::from_hidden", "a label outside the vocabulary",
         [] {
             const prefrl::row_matrix<double> h = prefrl::row_matrix<double>::Zero(2, 3), w = prefrl::row_matrix<double>::Zero(4, 3);
             prefrl::row_matrix<double> dh(2, 3), dw(4, 3);
             const std::vector<double> mask{1, 1}, adv{1};
             const std::vector<index_t> labels{0, 4};
             (void)grpo::from_hidden(grpo::policy_loss{}, h, w, labels, grpo::token_batch<double>{1, 2, {}, mask, adv}, dh, dw);
         },
         "prefrl::grpo::from_hidden: labels[1] must be in [0, 4)"},
        {"grpo::from_hidden", "logps given (they come from the hidden states)",
         [] {
             const prefrl::row_matrix<double> h = prefrl::row_matrix<double>::Zero(2, 3), w = prefrl::row_matrix<double>::Zero(4, 3);
             prefrl::row_matrix<double> dh(2, 3), dw(4, 3);
             const std::vector<double> mask{1, 1}, adv{1}, logps{-1, -1};
             const std::vector<index_t> labels{0, 1};
             (void)grpo::from_hidden(grpo::policy_loss{}, h, w, labels, grpo::token_batch<double>{1, 2, logps, mask, adv}, dh, dw);
         },
         "prefrl::grpo::from_hidden: batch.logps must be empty"},
        {"grpo::from_hidden", "a NaN hidden state on an active row",
         [] {
             prefrl::row_matrix<double> h = prefrl::row_matrix<double>::Zero(2, 3);
             h(1, 2) = nan;
             const prefrl::row_matrix<double> w = prefrl::row_matrix<double>::Zero(4, 3);
             prefrl::row_matrix<double> dh(2, 3), dw(4, 3);
             const std::vector<double> mask{1, 1}, adv{1};
             const std::vector<index_t> labels{0, 1};
             (void)grpo::from_hidden(grpo::policy_loss{}, h, w, labels, grpo::token_batch<double>{1, 2, {}, mask, adv}, dh, dw);
         },
         "prefrl::grpo::from_hidden"},
        {"ope::off_policy_evaluation", "an empty log",
         [] {
             const prefrl::row_matrix<double> pi = prefrl::row_matrix<double>::Constant(0, 2, 0.5);
             (void)ope::off_policy_evaluation(ope::bandit_log<double>{}, pi, ope::ips{});
         },
         "prefrl::ope::off_policy_evaluation: log.reward must not be empty"},
        {"ope::load_csv", "a file that does not exist", [] { (void)ope::load_csv<double>("/nonexistent/log.csv"); },
         "prefrl::ope::load_csv: cannot open /nonexistent/log.csv"},
        {"preference::pair_loss_from_trl", "an unknown name", [] { (void)prefrl::preference::pair_loss_from_trl("dpo"); },
         "prefrl::preference::pair_loss_from_trl: unknown loss_type 'dpo'"},
        {"bandit::update_from_log", "a propensity of NaN",
         [] {
             bandit::lin_ucb<double> b(2, 2);
             bandit::update_from_log(b, std::vector<double>{1.0, 0.0}, 0, 1.0, nan);
         },
         "prefrl::bandit::update_from_log: propensity must be in (0, 1], got nan"},
        {"bandit::learn_from_log", "an empty log",
         [] {
             bandit::lin_ucb<double> b(2, 2);
             bandit::learn_from_log(b, ope::bandit_log<double>{});
         },
         "prefrl::bandit::learn_from_log: log.reward must not be empty"},
        {"bandit::learn_from_log", "an infinite context",
         [] {
             bandit::lin_ucb<double> b(2, 1);
             const std::vector<double> r{1.0}, p{0.5}, x{inf};
             const std::vector<std::int64_t> a{0};
             bandit::learn_from_log(b, ope::bandit_log<double>{r, a, p, x, 1});
         },
         "prefrl::bandit::learn_from_log: log.context[0] (round 0, feature 0) must be finite, got inf"},
    };
}

}  // namespace

TEST_CASE("entry points beyond the outside battery: layouts, parameters, enumerations, horizons, hidden states", "[robustness][errors]") {
    check_rows(audit_rows());
}

TEST_CASE("accessors refuse an index out of range, naming the member function, the argument and the value", "[robustness][errors]") {
    check_rows(accessor_rows());
}

TEST_CASE("the preference-game dynamics refuse mismatched sizes and bad step sizes", "[robustness][errors]") {
    check_rows(game_rows());
}

TEST_CASE("MDP solvers and builders refuse invalid MDPs, zero sweeps and sizes that overflow", "[robustness][errors]") {
    check_rows(mdp_rows());
}

TEST_CASE("offline datasets refuse malformed flags, files and overflowing lengths", "[robustness][errors]") {
    check_rows(offline_rows());
}

TEST_CASE("bandit simulations refuse mismatched arm counts, exact planners refuse sizes they cannot finish", "[robustness][errors]") {
    check_rows(bandit_rows());
}

TEST_CASE("the ICL functions check every shape, step size and token", "[robustness][errors]") {
    check_rows(icl_rows());
}

TEST_CASE("kernels and losses refuse overflowing sizes and hyperparameters that are infinite in their precision", "[robustness][errors]") {
    check_rows(kernel_and_loss_rows());
}

TEST_CASE("the accessors still answer in range", "[robustness]") {
    prefrl::bandit::ucb1<double> ucb(3);
    CHECK(ucb.index(2) == std::numeric_limits<double>::infinity());  // untried
    ucb.update(2, 0.5);
    CHECK(std::isfinite(ucb.index(2)));
    CHECK(prefrl::bandit::kl_ucb<double>(2).index(1) == std::numeric_limits<double>::infinity());
    CHECK(prefrl::bandit::online_linear_oracle<double>(2, 3).theta(1).size() == 3);
    CHECK(prefrl::env::chain<double>(3).is_terminal(2) == false);
}

TEST_CASE("load_csv reads Windows line endings", "[robustness]") {
    const std::string text =
        "obs_0,action_0,reward,next_obs_0,terminal,timeout,episode_start\r\n0,1,0.5,1,0,0,1\r\n1,0,1.5,2,1,0,0\r\n";
    const auto data = prefrl::offline::load_csv<double>(write_file("crlf", text));
    REQUIRE(data.size() == 2);
    CHECK(data.rewards[1] == 1.5);
    CHECK(data.terminals[1] == 1);
    CHECK(data.episode_starts[0] == 1);
}

TEST_CASE("extreme but valid input gives the finite limit, not NaN or a throw", "[robustness]") {
    namespace pref = prefrl::preference;
    SECTION("forward-KL DPO at margin 1e4, beta 1e4: the loss is 0 to the last subnormal (was NaN)") {
        const std::vector<double> chosen = {1e4}, rejected = {-1e4}, zero = {0.0};
        const auto r = pref::dpo{.beta = 1e4, .divergence = pref::f_divergence::forward_kl}(pref::pair_batch<double>{chosen, rejected, zero, zero});
        CHECK(r.value >= 0.0);
        CHECK(r.value < 1e-300);
        CHECK(r.d_chosen[0] == 0.0);
        CHECK(r.d_rejected[0] == 0.0);
    }
    SECTION("robust DPO without smoothing at an infinite margin: 0") {
        const std::vector<double> chosen = {1e300}, rejected = {-1e300}, zero = {0.0};
        const auto r = pref::robust_dpo{.beta = 10.0}(pref::pair_batch<double>{chosen, rejected, zero, zero});
        CHECK(r.value >= 0.0);
        CHECK(r.value < 1e-300);
        CHECK(std::isfinite(r.d_chosen[0]));
    }
    SECTION("clip_by_global_norm scales gradients of 1e200 (the squared norm overflows)") {
        std::vector<double> g = {3e200, 4e200};
        const double norm = prefrl::optim::clip_by_global_norm<double>(g, 1.0);
        CHECK(norm == Approx(5e200));
        CHECK(g[0] == Approx(0.6));
        CHECK(g[1] == Approx(0.8));
    }
    SECTION("Thompson sampling with a point prior (sd 1e-200) plays the prior's best arm") {
        prefrl::bandit::thompson_gaussian<double> ts(2, {.prior_mean = 1.0, .prior_sd = 1e-200});
        prefrl::generator rng(3);
        for (int t = 0; t < 5; ++t) {
            const auto d = ts.select(rng);
            CHECK((d.arm == 0 || d.arm == 1));
            CHECK(std::isfinite(ts.posterior_mean(d.arm)));
            ts.update(d.arm, 0.0);
        }
        CHECK(ts.posterior_mean(0) == 1.0);  // the point prior does not move
        CHECK(ts.posterior_sd(0) > 0.0);
    }
    SECTION("EXP3 in float whose probabilities underflow still chooses, with a positive propensity") {
        prefrl::bandit::exp3<float> b(2, {.eta = 200.0, .estimator = prefrl::bandit::exp3_estimator::loss_based});
        prefrl::generator rng(5);
        for (int t = 0; t < 50; ++t) {
            const auto d = b.select(rng);
            CHECK(d.propensity > 0.0f);
            b.update(d.arm, d.arm == 0 ? 1.0f : 0.0f);
        }
        const auto p = b.arm_probabilities();
        CHECK(p[0] == Approx(1.0));
    }
    SECTION("plan_recovering with many distinct periods (lcm of 1..12 periods) finishes") {
        prefrl::bandit::recovering_means r;
        for (int i = 0; i < 12; ++i) {
            std::vector<double> arm(40);
            for (int d = 0; d < 40; ++d) arm[static_cast<std::size_t>(d)] = std::min(1.0, (d + 1.0) / (i + 2.0));
            r.push_back(arm);
        }
        const auto s = prefrl::bandit::plan_recovering(r, 2);
        CHECK(s.period.size() == 12);
        CHECK(std::isfinite(prefrl::bandit::schedule_average_reward(s, r, 2, 1000)));
    }
}
