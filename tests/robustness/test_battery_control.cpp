// The bad-input classes over the entry points of control and learning loops: the continuous
// offline terms and loops (A2PR, BEER, CQL for continuous actions, the occupancy
// regularizers, TD3+BC, AWR and BC with a tanh-linear actor), the policies, the environments
// and rollouts, the in-context-learning trainer, the recovering-rewards learner and the
// batched oracle bandit. Each row must throw prefrl::invalid_argument whose message names the
// function the user called and the argument; a new entry point is one row.

#include <catch2/catch.hpp>

#include <climits>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <prefrl/bandit.hpp>
#include <prefrl/env.hpp>
#include <prefrl/icl.hpp>
#include <prefrl/mdp.hpp>
#include <prefrl/offline.hpp>
#include <prefrl/policy.hpp>

#include "battery.hpp"

namespace {

using prefrl::index_t;
using prefrl::row_matrix;
using prefrl::vector;
using prefrl_battery::check;
using prefrl_battery::inf;
using prefrl_battery::nan;
using prefrl_battery::row;
namespace offline = prefrl::offline;
namespace policy = prefrl::policy;
namespace env = prefrl::env;
namespace bandit = prefrl::bandit;
constexpr index_t huge = std::numeric_limits<index_t>::max();

row_matrix<double> matrix(index_t rows, index_t cols, double start = 0.1) {
    row_matrix<double> m(rows, cols);
    for (index_t i = 0; i < m.size(); ++i) m.data()[i] = start + 0.1 * static_cast<double>(i % 7);
    return m;
}

std::vector<row> a2pr_and_beer_rows() {
    const row_matrix<double> pi = matrix(3, 2), a = matrix(3, 2, 0.2), g = matrix(3, 2, 0.3);
    const std::vector<double> q = {1.0, 2.0, 0.5}, v = {0.5, 1.0, 0.4};
    const std::string a2pr = "prefrl::offline::a2pr", beer = "prefrl::offline::beer", near = "prefrl::offline::nearest_good_action";
    const row_matrix<double> phi = matrix(3, 2), phi2 = matrix(3, 2, 0.4);
    const std::vector<double> w = {0.5, -0.2}, reward = {1.0, 0.0, 0.5};
    return {
        {"a2pr: alpha +inf", [=] { (void)offline::a2pr{.alpha = inf}(pi, q, a, q, g, q, v); }, {a2pr, "alpha", "inf"}},
        {"a2pr: mask NaN", [=] { (void)offline::a2pr{.mask = nan}(pi, q, a, q, g, q, v); }, {a2pr, "mask"}},
        {"a2pr: q_data of 2 for 3 rows",
         [=] {
             const std::vector<double> q2 = {1.0, 2.0};
             (void)offline::a2pr{}(pi, q, a, q2, g, q, v);
         },
         {a2pr, "q_data"}},
        {"a2pr: generated_action of another shape",
         [=] { (void)offline::a2pr{}(pi, q, a, q, matrix(3, 1), q, v); },
         {a2pr, "generated_action"}},
        {"a2pr: a NaN value", [=] {
             std::vector<double> v2 = v;
             v2[2] = nan;
             (void)offline::a2pr{}(pi, q, a, q, g, q, v2);
         },
         {a2pr, "v[2]"}},
        {"a2pr: an empty batch",
         [] {
             const row_matrix<double> e(0, 2);
             const std::vector<double> none;
             (void)offline::a2pr{}(e, none, e, none, e, none, none);
         },
         {a2pr, "policy_action"}},
        {"nearest_good_action: no positive advantage",
         [=] {
             const std::vector<double> adv = {-1.0, 0.0, -0.5};
             (void)offline::nearest_good_action<double>(pi, a, adv);
         },
         {near, "advantage"}},
        {"nearest_good_action: a NaN state",
         [=] {
             row_matrix<double> s = pi;
             s(1, 0) = nan;
             (void)offline::nearest_good_action<double>(s, a, q);
         },
         {near, "states(1, 0)"}},
        {"nearest_good_action: a query with 3 action columns",
         [=] { (void)offline::nearest_good_action<double>(pi, a, q)(pi, matrix(3, 3)); },
         {near, "columns"}},
        {"nearest_good_action: a NaN query action",
         [=] {
             row_matrix<double> b = a;
             b(2, 1) = nan;
             (void)offline::nearest_good_action<double>(pi, a, q)(pi, b);
         },
         {near, "actions(2, 1)"}},
        {"beer: gamma 0", [=] { (void)offline::beer{.gamma = 0.0}(phi, phi2, phi2, reward, w); }, {beer, "gamma"}},
        {"beer: gamma NaN", [=] { (void)offline::beer{.gamma = nan}(phi, phi2, phi2, reward, w); }, {beer, "gamma"}},
        {"beer: beta +inf", [=] { (void)offline::beer{.beta = inf}(phi, phi2, phi2, reward, w); }, {beer, "beta"}},
        {"beer: w all zeros",
         [=] {
             const std::vector<double> zero = {0.0, 0.0};
             (void)offline::beer{}(phi, phi2, phi2, reward, zero);
         },
         {beer, "w"}},
        {"beer: w of 3 for 2 features",
         [=] {
             const std::vector<double> w3 = {0.5, -0.2, 0.1};
             (void)offline::beer{}(phi, phi2, phi2, reward, w3);
         },
         {beer, "w"}},
        {"beer: phi_next_target of another shape", [=] { (void)offline::beer{}(phi, phi2, matrix(2, 2), reward, w); },
         {beer, "phi_next_target"}},
    };
}

std::vector<row> cql_and_occupancy_rows() {
    const row_matrix<double> qs = matrix(2, 3), dens = matrix(2, 3, -1.0);
    const std::vector<double> qd = {1.0, 2.0};
    const std::string cql = "prefrl::offline::cql_continuous", lag = "prefrl::offline::cql_lagrange";
    const std::string disc = "prefrl::offline::occupancy_discriminator_loss", pen = "prefrl::offline::occupancy_penalty",
                      add = "prefrl::offline::action_distribution_divergence";
    const std::vector<double> scores = {0.1, -0.3, 0.5}, rewards = {1.0, 0.0, 0.5};
    const row_matrix<double> p{{0.5, 0.5}, {0.2, 0.8}}, r{{0.4, 0.6}, {0.5, 0.5}};
    return {
        {"cql_continuous: temperature +inf", [=] { (void)offline::cql_continuous{.temperature = inf}(qs, dens, qd); }, {cql, "temperature"}},
        {"cql_continuous: alpha NaN", [=] { (void)offline::cql_continuous{.alpha = nan}(qs, dens, qd); }, {cql, "alpha"}},
        {"cql_continuous: clip_min > clip_max",
         [=] { (void)offline::cql_continuous{.clip_min = 1.0, .clip_max = 0.0}(qs, dens, qd); }, {cql, "clip_min"}},
        {"cql_continuous: clip_min NaN", [=] { (void)offline::cql_continuous{.clip_min = nan}(qs, dens, qd); }, {cql, "clip_min"}},
        {"cql_continuous: log_density of another shape", [=] { (void)offline::cql_continuous{}(qs, matrix(2, 2), qd); },
         {cql, "log_density"}},
        {"cql_continuous: a NaN sampled Q",
         [=] {
             row_matrix<double> bad = qs;
             bad(1, 2) = nan;
             (void)offline::cql_continuous{}(bad, dens, qd);
         },
         {cql, "q_sampled"}},
        {"uniform_action_log_density: 0 dims", [] { (void)offline::uniform_action_log_density(0); },
         {"prefrl::offline::uniform_action_log_density", "action_dim"}},
        {"cql_lagrange: a NaN gap", [] { (void)offline::cql_lagrange{}(nan, 0.0); }, {lag, "gap"}},
        {"cql_lagrange: alpha +inf", [] { (void)offline::cql_lagrange{.alpha = inf}(1.0, 0.0); }, {lag, "alpha"}},
        {"cql_lagrange: target_gap NaN", [] { (void)offline::cql_lagrange{.target_gap = nan}(1.0, 0.0); }, {lag, "target_gap"}},
        {"occupancy_discriminator_loss: no reference scores",
         [=] { (void)offline::occupancy_discriminator_loss<double>(scores, std::vector<double>{}); }, {disc, "reference_scores"}},
        {"occupancy_discriminator_loss: a NaN score",
         [=] {
             const std::vector<double> bad = {0.1, nan};
             (void)offline::occupancy_discriminator_loss<double>(bad, scores);
         },
         {disc, "policy_scores"}},
        {"occupancy_penalty: lambda_ +inf", [=] { (void)offline::occupancy_penalty{.lambda_ = inf}(rewards, scores); }, {pen, "lambda_"}},
        {"occupancy_penalty: trim 0.5", [=] { (void)offline::occupancy_penalty{.trim = 0.5}(rewards, scores); }, {pen, "trim"}},
        {"occupancy_penalty: rewards of 2 for 3 scores",
         [=] {
             const std::vector<double> two = {1.0, 0.0};
             (void)offline::occupancy_penalty{}(two, scores);
         },
         {pen, "rewards"}},
        {"occupancy_penalty: an infinite score",
         [=] {
             const std::vector<double> bad = {0.1, inf, 0.5};
             (void)offline::occupancy_penalty{}(rewards, bad);
         },
         {pen, "scores[1]"}},
        {"action_distribution_divergence: sqrt_chi_square",
         [=] { (void)offline::action_distribution_divergence{.divergence = offline::occupancy_divergence::sqrt_chi_square}(p, r); },
         {add, "divergence"}},
        {"action_distribution_divergence: gamma 1", [=] { (void)offline::action_distribution_divergence{.gamma = 1.0}(p, r); }, {add, "gamma"}},
        {"action_distribution_divergence: lambda_ +inf",
         [=] { (void)offline::action_distribution_divergence{.lambda_ = inf}(p, r); }, {add, "lambda_"}},
        {"action_distribution_divergence: a NaN probability",
         [=] {
             row_matrix<double> bad = p;
             bad(1, 0) = nan;
             (void)offline::action_distribution_divergence{}(bad, r);
         },
         {add, "policy_probs(1, 0)"}},
        {"action_distribution_divergence: a row summing to 1.2",
         [=] {
             row_matrix<double> bad = p;
             bad(1, 0) = 0.4;
             (void)offline::action_distribution_divergence{}(bad, r);
         },
         {add, "row 1"}},
        {"action_distribution_divergence: reference of another shape",
         [=] { (void)offline::action_distribution_divergence{}(p, matrix(2, 3)); }, {add, "reference_probs"}},
        {"occupancy_kl: tables of different shapes", [=] { (void)offline::occupancy_kl<double>(p, matrix(3, 2)); },
         {"prefrl::offline::occupancy_kl", "d_reference"}},
        {"occupancy_kl: an infinite occupancy",
         [=] {
             row_matrix<double> bad = p;
             bad(0, 0) = inf;
             (void)offline::occupancy_kl<double>(bad, r);
         },
         {"prefrl::offline::occupancy_kl", "inf"}},
        {"occupancy_chi_square: a NaN occupancy",
         [=] {
             row_matrix<double> bad = r;
             bad(1, 1) = nan;
             (void)offline::occupancy_chi_square<double>(p, bad);
         },
         {"prefrl::offline::occupancy_chi_square", "nan"}},
        {"occupancy_chi_square: empty tables",
         [] { (void)offline::occupancy_chi_square<double>(row_matrix<double>(0, 0), row_matrix<double>(0, 0)); },
         {"prefrl::offline::occupancy_chi_square"}},
    };
}

// A valid continuous dataset: one episode of 4 steps, 2 state dims, 1 action dim in [-1, 1].
offline::transition_dataset<double> continuous_data() {
    offline::transition_dataset<double> d;
    d.observations = matrix(4, 2);
    d.next_observations = matrix(4, 2, 0.2);
    d.actions = row_matrix<double>{{0.5}, {-0.3}, {0.1}, {0.9}};
    d.rewards = vector<double>{{1.0, 0.0, 0.5, 0.2}};
    d.terminals = {0, 0, 0, 1};
    d.timeouts = {0, 0, 0, 0};
    d.episode_starts = {1, 0, 0, 0};
    return d;
}

std::vector<row> continuous_loop_rows() {
    std::vector<row> rows;
    using options = offline::continuous_offline_options;
    const auto loops = {
        std::pair<std::string, std::function<void(const offline::transition_dataset<double>&, const options&)>>{
            "linear_td3_bc", [](const auto& d, const auto& o) { (void)offline::linear_td3_bc(d, o); }},
        {"linear_awr", [](const auto& d, const auto& o) { (void)offline::linear_awr(d, o); }},
        {"tanh_linear_bc", [](const auto& d, const auto& o) { (void)offline::tanh_linear_bc(d, o); }},
    };
    for (const auto& [name, run] : loops) {
        const std::string fn = "prefrl::offline::" + name;
        auto with = [run](options o) { return [run, o] { run(continuous_data(), o); }; };
        rows.push_back({name + ": gamma 1", with({.gamma = 1.0, .iterations = 2}), {fn, "gamma"}});
        rows.push_back({name + ": iterations 0", with({.iterations = 0}), {fn, "iterations"}});
        rows.push_back({name + ": actor_learning_rate +inf", with({.iterations = 2, .actor_learning_rate = inf}), {fn, "actor_learning_rate"}});
        rows.push_back({name + ": target_update 0", with({.iterations = 2, .target_update = 0.0}), {fn, "target_update"}});
        rows.push_back({name + ": ridge NaN", with({.iterations = 2, .ridge = nan}), {fn, "ridge"}});
        rows.push_back({name + ": max_action NaN", with({.iterations = 2, .max_action = nan}), {fn, "max_action"}});
        rows.push_back({name + ": an action beyond max_action 0.5", with({.iterations = 2, .max_action = 0.5}), {fn, "actions(3, 0)"}});
        rows.push_back({name + ": a NaN reward",
                        [run] {
                            auto d = continuous_data();
                            d.rewards[2] = nan;
                            run(d, {.iterations = 2});
                        },
                        {fn, "rewards[2]"}});
    }
    rows.push_back({"linear_td3_bc: alpha +inf", [] { (void)offline::linear_td3_bc(continuous_data(), {.iterations = 2, .alpha = inf}); },
                    {"prefrl::offline::linear_td3_bc", "alpha"}});
    rows.push_back({"linear_awr: temperature +inf", [] { (void)offline::linear_awr(continuous_data(), {.iterations = 2, .temperature = inf}); },
                    {"prefrl::offline::linear_awr", "temperature"}});
    rows.push_back({"linear_awr: max_weight NaN", [] { (void)offline::linear_awr(continuous_data(), {.iterations = 2, .max_weight = nan}); },
                    {"prefrl::offline::linear_awr", "max_weight"}});
    rows.push_back({"tanh_linear_actor::act: states of 3 columns for 2",
                    [] {
                        const offline::tanh_linear_actor<double> actor{matrix(1, 3)};
                        (void)actor.act(matrix(2, 3));
                    },
                    {"prefrl::offline::tanh_linear_actor::act", "states"}});
    rows.push_back({"tanh_linear_bc: initial weights of 2 for 3",
                    [] {
                        const std::vector<double> w = {0.1, 0.2};
                        (void)offline::tanh_linear_bc<double>(continuous_data(), {.iterations = 2}, w);
                    },
                    {"prefrl::offline::tanh_linear_bc", "weights"}});
    return rows;
}

std::vector<row> policy_rows() {
    const vector<double> q{{1.0, 2.0, 0.5}}, q_nan{{1.0, nan, 0.5}}, phi{{0.5, -1.0}};
    const policy::linear_softmax<double> lin{matrix(3, 2)};
    const auto gauss = policy::gaussian<double>::zeros(2, 2);
    prefrl::generator rng(3);
    return {
        {"epsilon_greedy: epsilon 1.5", [=] { (void)policy::epsilon_greedy<double>{.epsilon = 1.5}.probabilities(q); },
         {"prefrl::policy::epsilon_greedy", "epsilon"}},
        {"epsilon_greedy: a NaN action value", [=] { (void)policy::epsilon_greedy<double>{}.probabilities(q_nan); },
         {"prefrl::policy::epsilon_greedy", "q[1]"}},
        {"epsilon_greedy::log_prob: action 3 of 3", [=] { (void)policy::epsilon_greedy<double>{}.log_prob(q, 3); },
         {"prefrl::policy::epsilon_greedy::log_prob", "3"}},
        {"epsilon_greedy: 4 actions declared for 3 values", [=] { (void)policy::epsilon_greedy<double>{.actions = 4}.probabilities(q); },
         {"prefrl::policy::epsilon_greedy", "4"}},
        {"boltzmann: temperature +inf", [=] { (void)policy::boltzmann<double>{.temperature = inf}.probabilities(q); },
         {"prefrl::policy::boltzmann", "temperature"}},
        {"boltzmann: temperature 0", [=] { (void)policy::boltzmann<double>{.temperature = 0.0}.probabilities(q); },
         {"prefrl::policy::boltzmann", "temperature"}},
        {"boltzmann: no action values", [] { (void)policy::boltzmann<double>{}.probabilities(vector<double>()); },
         {"prefrl::policy::boltzmann", "q"}},
        {"boltzmann: a NaN action value", [=] { (void)policy::boltzmann<double>{}.probabilities(q_nan); },
         {"prefrl::policy::boltzmann", "q[1]"}},
        {"boltzmann::log_prob: action -1", [=] { (void)policy::boltzmann<double>{}.log_prob(q, -1); },
         {"prefrl::policy::boltzmann::log_prob", "-1"}},
        {"log_softmax: a NaN that is not the largest", [=] { (void)policy::log_softmax<double>(q_nan); },
         {"prefrl::policy::log_softmax", "logits[1]"}},
        {"log_softmax: empty", [] { (void)policy::log_softmax<double>(vector<double>()); }, {"prefrl::policy::log_softmax", "logits"}},
        {"categorical_kl: 3 against 2", [=] { (void)policy::categorical_kl<double>(q, phi); }, {"prefrl::policy::categorical_kl", "log_q"}},
        {"categorical_kl: a NaN log-prob", [=] { (void)policy::categorical_kl<double>(q_nan, q); },
         {"prefrl::policy::categorical_kl", "log_p[1]"}},
        {"linear_softmax::log_prob: action 3 of 3", [=] { (void)lin.log_prob(phi, 3); }, {"prefrl::policy::linear_softmax::log_prob", "3"}},
        {"linear_softmax::log_prob: 3 features for 2", [=] { (void)lin.log_prob(q, 0); },
         {"prefrl::policy::linear_softmax::log_prob", "features"}},
        {"linear_softmax::probabilities: a NaN feature",
         [=] {
             const vector<double> bad{{0.5, nan}};
             (void)lin.probabilities(bad);
         },
         {"prefrl::policy::linear_softmax::probabilities", "phi[1]"}},
        {"linear_softmax::set_parameters: 5 for 6", [=] {
             auto l = lin;
             l.set_parameters(vector<double>::Zero(5));
         },
         {"prefrl::policy::linear_softmax::set_parameters", "theta"}},
        {"linear_softmax::kl: against 2 actions", [=] { (void)lin.kl(phi, policy::linear_softmax<double>{matrix(2, 2)}); },
         {"prefrl::policy::linear_softmax::kl", "other"}},
        {"linear_softmax::grad_log_prob: action 5", [=] { (void)lin.grad_log_prob(phi, 5); },
         {"prefrl::policy::linear_softmax::grad_log_prob", "5"}},
        {"gaussian::zeros: 0 action dims", [] { (void)policy::gaussian<double>::zeros(0, 2); }, {"prefrl::policy::gaussian::zeros", "action_dims"}},
        {"gaussian::mean: 3 features for 2", [=] { (void)gauss.mean(q); }, {"prefrl::policy::gaussian::mean", "features"}},
        {"gaussian::log_prob: an action of 3 dims for 2", [=] { (void)gauss.log_prob(phi, q); },
         {"prefrl::policy::gaussian::log_prob", "action"}},
        {"gaussian::log_prob: a NaN action", [=] {
             const vector<double> bad{{0.1, nan}};
             (void)gauss.log_prob(phi, bad);
         },
         {"prefrl::policy::gaussian::log_prob", "a[1]"}},
        {"gaussian::log_prob: an infinite log_std", [=] {
             auto g = gauss;
             g.log_std[0] = inf;
             (void)g.log_prob(phi, phi);
         },
         {"prefrl::policy::gaussian::log_prob", "log_std[0]"}},
        {"gaussian::kl: against a policy of 3 action dims",
         [=] { (void)gauss.kl(phi, policy::gaussian<double>::zeros(3, 2)); }, {"prefrl::policy::gaussian::kl", "other"}},
        {"gaussian::sample: a NaN feature", [=]() mutable {
             const vector<double> bad{{nan, 0.0}};
             (void)gauss.sample(bad, rng);
         },
         {"prefrl::policy::gaussian::sample", "phi[0]"}},
        {"gaussian::set_parameters: 3 for 8", [=] {
             auto g = gauss;
             g.set_parameters(vector<double>::Zero(3));
         },
         {"prefrl::policy::gaussian::set_parameters", "theta"}},
        {"gaussian::grad_log_prob: 3 features for 2", [=] { (void)gauss.grad_log_prob(q, phi); },
         {"prefrl::policy::gaussian::grad_log_prob", "features"}},
        {"geometric_mixture: mixture_coef NaN",
         [=] {
             const policy::geometric_mixture<policy::linear_softmax<double>, policy::linear_softmax<double>> m{lin, lin, nan};
             (void)m.probabilities(phi);
         },
         {"prefrl::policy::geometric_mixture", "mixture_coef"}},
        {"geometric_mixture::log_prob: action 3 of 3",
         [=] {
             const policy::geometric_mixture<policy::linear_softmax<double>, policy::linear_softmax<double>> m{lin, lin, 0.5};
             (void)m.log_prob(phi, 3);
         },
         {"prefrl::policy::geometric_mixture::log_prob", "3"}},
        {"geometric_mixture: a reference of 2 actions",
         [=] {
             const policy::geometric_mixture<policy::linear_softmax<double>, policy::linear_softmax<double>> m{
                 lin, policy::linear_softmax<double>{matrix(2, 2)}, 0.5};
             (void)m.probabilities(phi);
         },
         {"prefrl::policy::geometric_mixture", "reference"}},
    };
}

std::vector<row> environment_rows() {
    const auto walk = env::random_walk<double>(3);
    return {
        {"tabular_environment::step: before reset",
         [=] {
             env::tabular_environment<double> e(walk);
             prefrl::generator rng(1);
             (void)e.step(0, rng);
         },
         {"prefrl::env::tabular_environment::step", "reset"}},
        {"tabular_environment::step: action 1 of 1",
         [=] {
             env::tabular_environment<double> e(walk);
             prefrl::generator rng(1);
             (void)e.reset(rng);
             (void)e.step(1, rng);
         },
         {"prefrl::env::tabular_environment::step", "action"}},
        {"tabular_environment: horizon -1", [=] { (void)env::tabular_environment<double>(walk, -1); },
         {"prefrl::env::tabular_environment", "horizon"}},
        {"tabular_environment: an invalid MDP",
         [=] {
             auto m = walk;
             m.transitions(0, 0, 0) = 0.7;
             (void)env::tabular_environment<double>(m);
         },
         {"prefrl::env::tabular_environment"}},
        {"point_mass: step_size +inf", [] { (void)env::point_mass<double>({.step_size = inf}); }, {"prefrl::env::point_mass", "step_size"}},
        {"point_mass: noise NaN", [] { (void)env::point_mass<double>({.noise = nan}); }, {"prefrl::env::point_mass", "noise"}},
        {"point_mass::step: a NaN action",
         [] {
             env::point_mass<double> e;
             prefrl::generator rng(1);
             (void)e.reset(rng);
             (void)e.step(nan, rng);
         },
         {"prefrl::env::point_mass::step", "action"}},
        {"point_mass::best_action: a NaN state", [] { (void)env::point_mass<double>().best_action(nan); },
         {"prefrl::env::point_mass::best_action", "x"}},
        {"rollout: max_steps 0",
         [=] {
             env::tabular_environment<double> e(walk);
             prefrl::generator rng(1);
             (void)env::rollout(e, [](index_t, auto&) { return index_t{0}; }, rng, 0);
         },
         {"prefrl::env::rollout", "max_steps"}},
        {"rollout: a chooser returning action 2 of 1",
         [=] {
             env::tabular_environment<double> e(walk);
             prefrl::generator rng(1);
             (void)env::rollout(e, [](index_t, auto&) { return index_t{2}; }, rng, 5);
         },
         {"prefrl::env::tabular_environment::step", "action"}},
        {"trajectory::discounted_return: gamma NaN",
         [] { (void)env::trajectory<index_t, index_t, double>{{0}, {0}, {1.0}}.discounted_return(nan); },
         {"prefrl::env::trajectory::discounted_return", "gamma"}},
        {"trajectory::discounted_return: gamma 1.5",
         [] { (void)env::trajectory<index_t, index_t, double>{{0}, {0}, {1.0}}.discounted_return(1.5); },
         {"prefrl::env::trajectory::discounted_return", "gamma"}},
        {"random_walk: n 0", [] { (void)env::random_walk<double>(0); }, {"prefrl::env::random_walk", "n"}},
        {"random_walk: gamma NaN", [] { (void)env::random_walk<double>(5, nan); }, {"prefrl::env::random_walk", "gamma"}},
        {"chain: slip 2", [] { (void)env::chain<double>(5, 2.0); }, {"prefrl::env::chain", "slip"}},
        {"chain: far_reward +inf", [] { (void)env::chain<double>(5, 0.2, 2.0, inf); }, {"prefrl::env::chain", "far_reward"}},
        {"gridworld: rows of unequal lengths", [] { (void)env::gridworld<double>({.layout = {"S..", "..G."}}); },
         {"prefrl::env::gridworld", "row 1"}},
        {"gridworld: an unknown character", [] { (void)env::gridworld<double>({.layout = {"S.x", "..G"}}); },
         {"prefrl::env::gridworld", "'x'"}},
        {"gridworld: no start", [] { (void)env::gridworld<double>({.layout = {"...", "..G"}}); }, {"prefrl::env::gridworld", "'S'"}},
        {"gridworld: goal_reward NaN", [] { (void)env::gridworld<double>({.layout = {"S.G"}, .goal_reward = nan}); },
         {"prefrl::env::gridworld", "goal_reward"}},
        {"cliff_walking: slip -0.1", [] { (void)env::cliff_walking<double>(-0.1); }, {"prefrl::env::cliff_walking", "slip"}},
        {"bernoulli_arms: a mean of 1.5", [] { (void)env::bernoulli_arms<double>({0.5, 1.5}); }, {"prefrl::env::bernoulli_arms", "means[1]"}},
        {"gaussian_arms: sd +inf", [] { (void)env::gaussian_arms<double>({0.5}, inf); }, {"prefrl::env::gaussian_arms", "sd"}},
        {"gaussian_arms::pull: arm 1 of 1",
         [] {
             prefrl::generator rng(1);
             (void)env::gaussian_arms<double>({0.5}, 1.0).pull(1, rng);
         },
         {"prefrl::env::gaussian_arms::pull", "a"}},
        {"linear_contextual_arms::pull: a NaN context",
         [] {
             prefrl::generator rng(1);
             const env::linear_contextual_arms<double> arms(2, 2, 0.1, rng);
             const std::vector<double> x = {nan, 0.0};
             (void)arms.pull(x, 0, rng);
         },
         {"prefrl::env::linear_contextual_arms::pull", "x[0]"}},
        {"linear_contextual_arms::expected_rewards: 3 entries for 2",
         [] {
             prefrl::generator rng(1);
             const env::linear_contextual_arms<double> arms(2, 2, 0.1, rng);
             const std::vector<double> x = {0.0, 0.0, 1.0};
             (void)arms.expected_rewards(x);
         },
         {"prefrl::env::linear_contextual_arms::expected_rewards", "context"}},
        {"linear_contextual_arms: noise_sd NaN",
         [] {
             prefrl::generator rng(1);
             (void)env::linear_contextual_arms<double>(2, 2, nan, rng);
         },
         {"prefrl::env::linear_contextual_arms", "noise_sd"}},
        {"oblivious_adversary: a reward of 2", [] { (void)env::oblivious_adversary<double>(row_matrix<double>{{0.5, 2.0}}); },
         {"prefrl::env::oblivious_adversary", "rewards"}},
        {"oblivious_adversary::reward: t 1 of 1",
         [] { (void)env::oblivious_adversary<double>(row_matrix<double>{{0.5, 0.2}}).reward(1, 0); },
         {"prefrl::env::oblivious_adversary::reward", "t"}},
        {"oblivious_adversary::rotating: a horizon whose table overflows",
         [] { (void)env::oblivious_adversary<double>::rotating(4, huge / 2, 1); },
         {"prefrl::env::oblivious_adversary::rotating", "overflows"}},
        {"payment_simulator: availability 0",
         [] {
             prefrl::generator rng(1);
             (void)env::payment_simulator<double>(3, 2, 0.0, rng);
         },
         {"prefrl::env::payment_simulator", "availability"}},
        {"payment_simulator::pull: arm 3 of 3",
         [] {
             prefrl::generator rng(1);
             const env::payment_simulator<double> sim(3, 2, 0.5, rng);
             const std::vector<double> x = {0.0, 1.0};
             (void)sim.pull(x, 3, rng);
         },
         {"prefrl::env::payment_simulator::pull", "a"}},
        {"payment_simulator::success_probability: a NaN context",
         [] {
             prefrl::generator rng(1);
             const env::payment_simulator<double> sim(3, 2, 0.5, rng);
             const std::vector<double> x = {0.0, nan};
             (void)sim.success_probability(x, 0);
         },
         {"prefrl::env::payment_simulator::success_probability", "x[1]"}},
        {"synthetic_logged_bandit: beta +inf",
         [] {
             prefrl::generator rng(1);
             (void)env::synthetic_logged_bandit<double>(3, 2, inf, rng);
         },
         {"prefrl::env::synthetic_logged_bandit", "beta"}},
        {"synthetic_logged_bandit::sample: n whose table overflows",
         [] {
             prefrl::generator rng(1);
             (void)env::synthetic_logged_bandit<double>(3, 4, 1.0, rng).sample(huge / 2, rng);
         },
         {"prefrl::env::synthetic_logged_bandit::sample", "overflows"}},
        {"synthetic_logged_bandit::sample: n 0",
         [] {
             prefrl::generator rng(1);
             (void)env::synthetic_logged_bandit<double>(3, 4, 1.0, rng).sample(0, rng);
         },
         {"prefrl::env::synthetic_logged_bandit::sample", "n"}},
    };
}

std::vector<row> icl_trainer_rows() {
    namespace icl = prefrl::icl;
    const std::string fn = "prefrl::icl::lsa_trainer";
    auto make = [](icl::regression_task_distribution tasks, icl::lsa_training_options o) {
        return [tasks, o] {
            prefrl::generator rng(1);
            icl::lsa_trainer<double> trainer(tasks, o, rng);
            (void)trainer.step(rng);
        };
    };
    const icl::regression_task_distribution tasks{.inputs = 2, .context = 4};
    const icl::lsa_training_options small{.batch = 4};
    auto with = [&](auto edit) {
        auto o = small;
        edit(o);
        return make(tasks, o);
    };
    auto with_tasks = [&](auto edit) {
        auto t = tasks;
        edit(t);
        return make(t, small);
    };
    return {
        {"lsa_trainer: layers 0", with([](auto& o) { o.layers = 0; }), {fn, "layers"}},
        {"lsa_trainer: batch 0", with([](auto& o) { o.batch = 0; }), {fn, "batch"}},
        {"lsa_trainer: clip_norm +inf", with([](auto& o) { o.clip_norm = inf; }), {fn, "clip_norm"}},
        {"lsa_trainer: init_scale NaN", with([](auto& o) { o.init_scale = nan; }), {fn, "init_scale"}},
        {"lsa_trainer: init_scale -1", with([](auto& o) { o.init_scale = -1.0; }), {fn, "init_scale"}},
        {"lsa_trainer: adam learning rate 0", with([](auto& o) { o.adam.learning_rate = 0.0; }), {fn, "adam.learning_rate"}},
        {"lsa_trainer: adam beta2 1", with([](auto& o) { o.adam.beta2 = 1.0; }), {fn, "adam.beta2"}},
        {"lsa_trainer: tasks with 0 context pairs", with_tasks([](auto& t) { t.context = 0; }), {fn, "context"}},
        {"lsa_trainer: tasks with half_width +inf", with_tasks([](auto& t) { t.half_width = inf; }), {fn, "half_width"}},
        {"lsa_trainer: tasks with noise NaN", with_tasks([](auto& t) { t.noise = nan; }), {fn, "noise"}},
        {"lsa_trainer: INT_MAX inputs (the parameter count overflows)", with_tasks([](auto& t) { t.inputs = INT_MAX; }), {fn, "inputs"}},
        {"lsa_trainer: a parameter count no machine holds", with_tasks([](auto& t) { t.inputs = 1 << 20; }), {fn, "inputs"}},
    };
}

std::vector<row> recovering_and_batched_rows() {
    const std::string ucb = "prefrl::bandit::recovering_ucb", bob = "prefrl::bandit::batched_oracle_bandit",
                      lo = "prefrl::bandit::logistic_oracle";
    const std::vector<index_t> idle = {1, 2, 3};
    const std::vector<double> x = {0.5, -0.5}, x_nan = {0.5, nan};
    const std::vector<index_t> all = {0, 1, 2};
    return {
        {"recovering_ucb: 0 arms", [] { (void)bandit::recovering_ucb(0, 1, 3, 10); }, {ucb, "arms"}},
        {"recovering_ucb: r_max +inf", [] { (void)bandit::recovering_ucb(3, 1, 3, 10, {.r_max = inf}); }, {ucb, "r_max"}},
        {"recovering_ucb: K 4 of 3 arms", [] { (void)bandit::recovering_ucb(3, 4, 3, 10); }, {ucb, "K"}},
        {"recovering_ucb: arms times d_max overflows", [] { (void)bandit::recovering_ucb(huge / 2, 1, 4, 10); }, {ucb, "overflows"}},
        {"recovering_ucb: a table no machine holds", [] { (void)bandit::recovering_ucb(1 << 20, 1, 1 << 20, 10); }, {ucb, "d_max"}},
        {"recovering_ucb::choose: idle of 2 for 3 arms",
         [] {
             bandit::recovering_ucb u(3, 1, 3, 10);
             const std::vector<index_t> two = {1, 2};
             (void)u.choose(two, 0);
         },
         {ucb + "::choose", "idle"}},
        {"recovering_ucb::choose: idle 0",
         [] {
             bandit::recovering_ucb u(3, 1, 3, 10);
             const std::vector<index_t> zero = {1, 0, 3};
             (void)u.choose(zero, 0);
         },
         {ucb + "::choose", "idle[1]"}},
        {"recovering_ucb::choose: period -1",
         [=] {
             bandit::recovering_ucb u(3, 1, 3, 10);
             (void)u.choose(idle, -1);
         },
         {ucb + "::choose", "t"}},
        {"recovering_ucb::observe: arm 3 of 3", [] { bandit::recovering_ucb(3, 1, 3, 10).observe(3, 1, 0.5); }, {ucb + "::observe", "arm"}},
        {"recovering_ucb::observe: a NaN reward", [] { bandit::recovering_ucb(3, 1, 3, 10).observe(0, 1, nan); }, {ucb + "::observe", "reward"}},
        {"logistic_oracle: l2 +inf", [] { (void)bandit::logistic_oracle<double>(3, 2, {.l2 = inf}); }, {lo, "l2"}},
        {"logistic_oracle: newton_steps 0", [] { (void)bandit::logistic_oracle<double>(3, 2, {.newton_steps = 0}); }, {lo, "newton_steps"}},
        {"logistic_oracle: context_size whose table overflows", [] { (void)bandit::logistic_oracle<double>(4, huge, {}); },
         {lo, "overflows"}},
        {"logistic_oracle::predict: a NaN context", [=] { (void)bandit::logistic_oracle<double>(3, 2).predict(x_nan); },
         {lo + "::predict", "x[1]"}},
        {"logistic_oracle::fit: a NaN context",
         [] {
             bandit::logistic_oracle<double> o(3, 2);
             const row_matrix<double> c{{0.5, nan}};
             const std::vector<index_t> a = {0};
             const std::vector<double> r = {1.0};
             o.fit(c, a, r);
         },
         {lo + "::fit", "contexts(0, 1)"}},
        {"logistic_oracle::fit: a negative weight",
         [] {
             bandit::logistic_oracle<double> o(3, 2);
             const row_matrix<double> c{{0.5, 0.1}};
             const std::vector<index_t> a = {0};
             const std::vector<double> r = {1.0}, w = {-1.0};
             o.fit(c, a, r, w);
         },
         {lo + "::fit", "weights[0]"}},
        {"batched_oracle_bandit: gamma +inf", [] { (void)bandit::batched_oracle_bandit<double>(3, 2, {.gamma = inf}); }, {bob, "gamma"}},
        {"batched_oracle_bandit: epsilon NaN",
         [] { (void)bandit::batched_oracle_bandit<double>(3, 2, {.exploration = bandit::batched_exploration::epsilon, .epsilon = nan}); },
         {bob, "epsilon"}},
        {"batched_oracle_bandit: delay -1", [] { (void)bandit::batched_oracle_bandit<double>(3, 2, {.delay = -1}); }, {bob, "delay"}},
        {"batched_oracle_bandit: window + delay overflows",
         [] { (void)bandit::batched_oracle_bandit<double>(3, 2, {.delay = huge, .window = huge}); }, {bob, "overflows"}},
        {"batched_oracle_bandit: oracle l2 NaN", [] { (void)bandit::batched_oracle_bandit<double>(3, 2, {.oracle = {.l2 = nan}}); },
         {bob, "oracle.l2"}},
        {"batched_oracle_bandit::arm_probabilities: no available arm",
         [=] { (void)bandit::batched_oracle_bandit<double>(3, 2).arm_probabilities(x, std::vector<index_t>{}); },
         {bob + "::arm_probabilities", "available"}},
        {"batched_oracle_bandit::arm_probabilities: arm 3 of 3",
         [=] {
             const std::vector<index_t> bad = {0, 3};
             (void)bandit::batched_oracle_bandit<double>(3, 2).arm_probabilities(x, bad);
         },
         {bob + "::arm_probabilities", "available[1]"}},
        {"batched_oracle_bandit::select: a NaN context",
         [=] {
             prefrl::generator rng(1);
             bandit::batched_oracle_bandit<double> b(3, 2);
             (void)b.select(x_nan, all, rng);
         },
         {bob + "::select", "x[1]"}},
        {"batched_oracle_bandit::select: a context of 3 for 2",
         [=] {
             prefrl::generator rng(1);
             bandit::batched_oracle_bandit<double> b(3, 2);
             const std::vector<double> x3 = {0.0, 1.0, 2.0};
             (void)b.select(x3, all, rng);
         },
         {bob + "::select", "context"}},
        {"batched_oracle_bandit::end_batch: 2 rewards for 1 decision",
         [=] {
             prefrl::generator rng(1);
             bandit::batched_oracle_bandit<double> b(3, 2);
             (void)b.select(x, all, rng);
             const std::vector<double> r = {1.0, 0.0};
             b.end_batch(r);
         },
         {bob + "::end_batch", "rewards"}},
        {"batched_oracle_bandit::end_batch: a reward of 2",
         [=] {
             prefrl::generator rng(1);
             bandit::batched_oracle_bandit<double> b(3, 2);
             (void)b.select(x, all, rng);
             const std::vector<double> r = {2.0};
             b.end_batch(r);
         },
         {bob + "::end_batch", "rewards[0]"}},
    };
}

}  // namespace

TEST_CASE("A2PR, BEER and the nearest-good-action model refuse bad input by name", "[robustness][errors]") { check(a2pr_and_beer_rows()); }

TEST_CASE("continuous CQL, its Lagrange multiplier and the occupancy regularizers refuse bad input by name", "[robustness][errors]") {
    check(cql_and_occupancy_rows());
}

TEST_CASE("the continuous offline loops check every option and the dataset", "[robustness][errors]") { check(continuous_loop_rows()); }

TEST_CASE("the policies check their parameters, inputs and actions in every member function", "[robustness][errors]") {
    check(policy_rows());
}

TEST_CASE("the environments, their builders and rollouts refuse bad input by name", "[robustness][errors]") {
    check(environment_rows());
}

TEST_CASE("the in-context-learning trainer checks its task distribution and every option", "[robustness][errors]") {
    check(icl_trainer_rows());
}

TEST_CASE("the recovering-rewards learner, the logistic oracle and the batched oracle bandit refuse bad input by name",
          "[robustness][errors]") {
    check(recovering_and_batched_rows());
}
