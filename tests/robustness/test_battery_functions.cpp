// The bad-input classes over the library's free functions that the other battery files do not
// reach: sampling, the KL-UCB and Thompson helpers, online mirror descent, the GRPO
// advantage and KL helpers, the in-context-learning constructions, the softmax kernel, the
// behaviour-cloning terms and weights, the quadratic features, the dataset samplers, the
// bootstrap, the categorical helpers, the preference-game and ranking functions, the
// categorical projection, the policy-gradient terms, the MDP solvers' inputs, the tabular
// value tables and softmax policy, cliff walking, TRL's loss selector and the optimizer
// helpers. Each row must throw prefrl::invalid_argument whose
// message names the function the user called and the argument; a new entry point is one row.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <prefrl/bandit.hpp>
#include <prefrl/core/random.hpp>
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

#include "battery.hpp"

namespace {

using prefrl::index_t;
using prefrl::row_matrix;
using prefrl_battery::check;
using prefrl_battery::inf;
using prefrl_battery::nan;
using prefrl_battery::row;
namespace pref = prefrl::preference;

// A regression task of `inputs` inputs and 4 context tokens.
prefrl::icl::regression_task<double> icl_task(int inputs = 2) {
    prefrl::generator g(2);
    return prefrl::icl::regression_task_distribution{.inputs = inputs, .context = 4}.sample<double>(g);
}

std::vector<row> sampling_and_bandit_rows() {
    const std::string cat = "prefrl::sample_categorical", logits = "prefrl::sample_categorical_logits";
    return {
        {"sample_categorical: empty", [] { prefrl::generator g(1); (void)prefrl::sample_categorical<double>(std::vector<double>{}, g); }, {cat, "probs"}},
        {"sample_categorical: NaN", [] { prefrl::generator g(1); (void)prefrl::sample_categorical<double>(std::vector<double>{0.5, nan}, g); }, {cat, "probs[1]", "nan"}},
        {"sample_categorical: negative", [] { prefrl::generator g(1); (void)prefrl::sample_categorical<double>(std::vector<double>{1.5, -0.5}, g); }, {cat, "probs[1]"}},
        {"sample_categorical_logits: all -inf", [] { prefrl::generator g(1); (void)prefrl::sample_categorical_logits<double>(std::vector<double>{-inf, -inf}, g); }, {logits, "-inf"}},
        {"sample_categorical_logits: +inf", [] { prefrl::generator g(1); (void)prefrl::sample_categorical_logits<double>(std::vector<double>{inf, 0.0}, g); }, {logits, "logits[0]", "inf"}},
        {"uniform_index: 0", [] { prefrl::generator g(1); (void)prefrl::uniform_index(0, g); }, {"prefrl::uniform_index", "n"}},
        {"kl_bernoulli: p NaN", [] { (void)prefrl::bandit::kl_bernoulli(nan, 0.5); }, {"prefrl::bandit::kl_bernoulli", "p"}},
        {"kl_ucb_upper_bound: mu 2", [] { (void)prefrl::bandit::kl_ucb_upper_bound(2.0, 0.1); }, {"prefrl::bandit::kl_ucb_upper_bound", "mu"}},
        {"kl_ucb_upper_bound: delta NaN", [] { (void)prefrl::bandit::kl_ucb_upper_bound(0.5, nan); }, {"prefrl::bandit::kl_ucb_upper_bound", "delta"}},
        {"gaussian_argmax_probability: arm out of range",
         [] { (void)prefrl::bandit::gaussian_argmax_probability(std::vector<double>{0, 1}, std::vector<double>{1, 1}, 2); },
         {"prefrl::bandit::gaussian_argmax_probability", "arm"}},
        {"gaussian_argmax_probability: sd 0",
         [] { (void)prefrl::bandit::gaussian_argmax_probability(std::vector<double>{0, 1}, std::vector<double>{1, 0}, 0); },
         {"prefrl::bandit::gaussian_argmax_probability", "sds[1]"}},
        {"optimistic_hedge: eta +inf", [] { prefrl::bandit::optimistic_hedge<double> h(3, {.eta = inf}); }, {"prefrl::bandit::optimistic_hedge", "eta"}},
        {"optimistic_hedge::update: NaN",
         [] {
             prefrl::bandit::optimistic_hedge<double> h(3, {.eta = 0.1});
             h.update(std::vector<double>{1.0, nan, 0.0});
         },
         {"prefrl::bandit::optimistic_hedge::update", "gradient[1]"}},
        {"optimistic_hedge::update: 2 of 3 entries",
         [] {
             prefrl::bandit::optimistic_hedge<double> h(3, {.eta = 0.1});
             h.update(std::vector<double>{1.0, 0.0});
         },
         {"prefrl::bandit::optimistic_hedge::update", "3 entries"}},
        {"optimistic_ball_omd: dimension 0", [] { prefrl::bandit::optimistic_ball_omd<double> h(0); }, {"prefrl::bandit::optimistic_ball_omd", "dimension"}},
    };
}

std::vector<row> grpo_and_icl_rows() {
    const std::string rpp = "prefrl::grpo::reinforce_pp_advantages";
    return {
        {"reinforce_pp_advantages: group_size 0",
         [] { (void)prefrl::grpo::reinforce_pp_advantages<double>(std::vector<double>{1, 2}, 0, std::vector<double>{1, 1, 1, 1}, 2); },
         {rpp, "group_size"}},
        {"reinforce_pp_advantages: mask of 3 for 2 x 2",
         [] { (void)prefrl::grpo::reinforce_pp_advantages<double>(std::vector<double>{1, 2}, 2, std::vector<double>{1, 1, 1}, 2); },
         {rpp, "mask"}},
        {"kl_k2: sizes", [] { (void)prefrl::grpo::kl_k2(std::vector<double>{1, 2}, std::vector<double>{1}); }, {"prefrl::grpo::kl_k2", "ref_logps"}},
        {"kl_abs: NaN", [] { (void)prefrl::grpo::kl_abs(std::vector<double>{1, nan}, std::vector<double>{1, 2}); }, {"prefrl::grpo::kl_abs", "logps[1]"}},
        {"gd_layer: eta +inf", [] { (void)prefrl::icl::gd_layer<double>(2, 5, inf); }, {"prefrl::icl::gd_layer", "eta"}},
        {"gd_plus_plus_layer: eta +inf", [] { (void)prefrl::icl::gd_plus_plus_layer<double>(2, 5, inf, 0.1); }, {"prefrl::icl::gd_plus_plus_layer", "eta"}},
        {"gd_plus_plus_layer: inputs -1", [] { (void)prefrl::icl::gd_plus_plus_layer<double>(-1, 5, 0.1, 0.1); }, {"prefrl::icl::gd_plus_plus_layer", "inputs"}},
        {"gd_plus_plus_layer: gamma NaN", [] { (void)prefrl::icl::gd_plus_plus_layer<double>(2, 5, 0.1, nan); }, {"prefrl::icl::gd_plus_plus_layer", "gamma"}},
        {"gd_plus_plus_layer: gamma +inf", [] { (void)prefrl::icl::gd_plus_plus_layer<double>(2, 5, 0.1, inf); }, {"prefrl::icl::gd_plus_plus_layer", "gamma"}},
        {"lsa_initial_layer: dim 0", [] { prefrl::generator g(1); (void)prefrl::icl::lsa_initial_layer<double>(0, 0.1, g); }, {"prefrl::icl::lsa_initial_layer", "dim"}},
        {"lsa_initial_layer: scale +inf", [] { prefrl::generator g(1); (void)prefrl::icl::lsa_initial_layer<double>(3, inf, g); }, {"prefrl::icl::lsa_initial_layer", "scale"}},
        {"gd_prediction: eta 1e300 diverges", [] { (void)prefrl::icl::gd_prediction(icl_task().tokens, 1e300, 3); },
         {"prefrl::icl::gd_prediction", "eta = 1e+300", "diverged"}},
        {"gd_prediction: eta +inf", [] { (void)prefrl::icl::gd_prediction(icl_task().tokens, inf, 1); }, {"prefrl::icl::gd_prediction", "eta"}},
        {"compare_with_gd: layers for other tokens",
         [] {
             const std::vector<prefrl::icl::regression_task<double>> tasks{icl_task(3)};
             const std::vector<prefrl::icl::lsa_layer<double>> layers{prefrl::icl::gd_layer<double>(2, 4, 0.1)};
             (void)prefrl::icl::compare_with_gd<double>(layers, tasks, 0.1, 1);
         },
         {"prefrl::icl::compare_with_gd", "D = 4"}},
        {"compare_with_gd: 2^20 steps",
         [] {
             const std::vector<prefrl::icl::regression_task<double>> tasks{icl_task()};
             const std::vector<prefrl::icl::lsa_layer<double>> layers{prefrl::icl::gd_layer<double>(2, 4, 0.1)};
             (void)prefrl::icl::compare_with_gd<double>(layers, tasks, 0.1, 1 << 20);
         },
         {"prefrl::icl::compare_with_gd", "steps", "65536"}},
        {"compare_with_gd: no layers",
         [] {
             const std::vector<prefrl::icl::regression_task<double>> tasks{icl_task()};
             (void)prefrl::icl::compare_with_gd<double>({}, tasks, 0.1, 1);
         },
         {"prefrl::icl::compare_with_gd", "layers"}},
        {"normal: mean +inf", [] { prefrl::generator g(1); (void)prefrl::normal(inf, 1.0, g); }, {"prefrl::normal", "mean"}},
    };
}

std::vector<row> kernel_and_offline_rows() {
    const std::string softmax = "prefrl::kernel::row_softmax", wbc = "prefrl::offline::weighted_bc";
    const auto zeros = [](index_t r, index_t c) { return row_matrix<double>(row_matrix<double>::Zero(r, c)); };
    return {
        {"row_softmax: out of another shape", [=] { row_matrix<double> o(2, 2); prefrl::kernel::row_softmax(zeros(2, 3), o); }, {softmax, "out"}},
        {"row_softmax: empty", [=] { row_matrix<double> o(0, 3); prefrl::kernel::row_softmax(zeros(0, 3), o); }, {softmax, "logits"}},
        {"row_softmax: NaN", [=] {
             row_matrix<double> z = zeros(1, 2), o(1, 2);
             z(0, 1) = nan;
             prefrl::kernel::row_softmax(z, o);
         },
         {softmax, "row 0"}},
        {"weighted_bc: action out of range", [=] { (void)prefrl::offline::weighted_bc<double>(zeros(2, 3), std::vector<index_t>{0, 3}); }, {wbc, "actions[1]"}},
        {"weighted_bc: NaN weight",
         [=] { (void)prefrl::offline::weighted_bc<double>(zeros(2, 3), std::vector<index_t>{0, 1}, std::vector<double>{1, nan}); },
         {wbc, "weights[1]"}},
        {"weighted_bc: negative weight",
         [=] { (void)prefrl::offline::weighted_bc<double>(zeros(2, 3), std::vector<index_t>{0, 1}, std::vector<double>{1, -1}); },
         {wbc, "weights[1]"}},
        {"weighted_bc: empty", [=] { (void)prefrl::offline::weighted_bc<double>(zeros(0, 3), std::vector<index_t>{}); }, {wbc, "logits"}},
        {"mse_bc: shapes", [=] { (void)prefrl::offline::mse_bc<double>(zeros(2, 3), zeros(2, 2)); }, {"prefrl::offline::mse_bc", "data_action"}},
        {"exponential_advantage_weights: temperature 0",
         [] { (void)prefrl::offline::exponential_advantage_weights<double>(std::vector<double>{1, 2}, 0.0); },
         {"prefrl::offline::exponential_advantage_weights", "temperature"}},
        {"exponential_advantage_weights: max_weight +inf",
         [] { (void)prefrl::offline::exponential_advantage_weights<double>(std::vector<double>{1, 2}, 1.0, inf); },
         {"prefrl::offline::exponential_advantage_weights", "max_weight"}},
        {"binary_advantage_weights: NaN",
         [] { (void)prefrl::offline::binary_advantage_weights<double>(std::vector<double>{1, nan}); },
         {"prefrl::offline::binary_advantage_weights", "advantages[1]"}},
        {"softmax_advantage_weights: NaN",
         [] { (void)prefrl::offline::softmax_advantage_weights<double>(std::vector<double>{1, nan}, 1.0); },
         {"prefrl::offline::softmax_advantage_weights", "advantages[1]"}},
        {"quadratic_features: NaN", [] { (void)prefrl::offline::quadratic_features(Eigen::Vector2d(1.0, nan)); }, {"prefrl::offline::quadratic_features", "z[1]"}},
        {"quadratic_features: +inf", [] { (void)prefrl::offline::quadratic_features(Eigen::Vector2d(inf, 1.0)); }, {"prefrl::offline::quadratic_features", "z[0]"}},
        {"sample_indices: rows 0", [] { prefrl::generator g(1); (void)prefrl::offline::sample_indices(0, 3, g); }, {"prefrl::offline::sample_indices", "rows"}},
        {"sample_indices: count -1", [] { prefrl::generator g(1); (void)prefrl::offline::sample_indices(3, -1, g); }, {"prefrl::offline::sample_indices", "count"}},
        {"sample_indices: NaN probability",
         [] { prefrl::generator g(1); (void)prefrl::offline::sample_indices<double>(std::vector<double>{0.5, nan}, 3, g); },
         {"prefrl::offline::sample_indices", "probabilities[1]"}},
        {"bootstrap_confidence_interval: empty",
         [] { prefrl::generator g(1); (void)prefrl::ope::bootstrap_confidence_interval<double>(std::vector<double>{}, g); },
         {"prefrl::ope::bootstrap_confidence_interval", "per_round"}},
        {"bootstrap_confidence_interval: NaN",
         [] { prefrl::generator g(1); (void)prefrl::ope::bootstrap_confidence_interval<double>(std::vector<double>{1, nan}, g); },
         {"prefrl::ope::bootstrap_confidence_interval", "per_round[1]"}},
        {"bootstrap_confidence_interval: alpha 1.5",
         [] { prefrl::generator g(1); (void)prefrl::ope::bootstrap_confidence_interval<double>(std::vector<double>{1, 2}, g, {.alpha = 1.5}); },
         {"prefrl::ope::bootstrap_confidence_interval", "alpha"}},
        {"bootstrap_confidence_interval: 0 resamples",
         [] { prefrl::generator g(1); (void)prefrl::ope::bootstrap_confidence_interval<double>(std::vector<double>{1, 2}, g, {.resamples = 0}); },
         {"prefrl::ope::bootstrap_confidence_interval", "resamples"}},
    };
}

std::vector<row> policy_and_preference_rows() {
    const auto P = pref::bradley_terry(Eigen::VectorXd::LinSpaced(3, 0.0, 2.0));
    const Eigen::VectorXd uniform = Eigen::VectorXd::Constant(3, 1.0 / 3.0);
    const std::string entropy = "prefrl::policy::categorical_entropy";
    return {
        {"categorical_entropy: empty", [] { (void)prefrl::policy::categorical_entropy<double>(prefrl::vector<double>(0)); }, {entropy, "log_probs"}},
        {"categorical_entropy: NaN", [] { (void)prefrl::policy::categorical_entropy<double>(Eigen::Vector2d(-0.5, nan)); }, {entropy, "log_probs[1]"}},
        {"categorical_entropy: +inf", [] { (void)prefrl::policy::categorical_entropy<double>(Eigen::Vector2d(inf, -1.0)); }, {entropy, "log_probs[0]"}},
        {"categorical_entropy_gradient: NaN",
         [] { (void)prefrl::policy::categorical_entropy_gradient<double>(Eigen::Vector2d(-0.5, nan)); },
         {"prefrl::policy::categorical_entropy_gradient", "logits[1]"}},
        {"categorical_kl_gradient: sizes",
         [] { (void)prefrl::policy::categorical_kl_gradient<double>(Eigen::Vector2d(0, 0), Eigen::Vector3d(0, 0, 0)); },
         {"prefrl::policy::categorical_kl_gradient", "log_q"}},
        {"categorical_kl_gradient: NaN logits",
         [] { (void)prefrl::policy::categorical_kl_gradient<double>(Eigen::Vector2d(0, nan), Eigen::Vector2d(-1, -1)); },
         {"prefrl::policy::categorical_kl_gradient", "logits[1]"}},
        {"categorical_kl_gradient: NaN log_q",
         [] { (void)prefrl::policy::categorical_kl_gradient<double>(Eigen::Vector2d(0, 0), Eigen::Vector2d(-1, nan)); },
         {"prefrl::policy::categorical_kl_gradient", "log_q[1]"}},
        {"win_rates: pi of 2 for 3 responses", [=] { (void)pref::win_rates(P, Eigen::Vector2d(0.5, 0.5)); }, {"prefrl::preference::win_rates", "pi"}},
        {"exploitability: pi not a distribution",
         [=] { (void)pref::exploitability(P, Eigen::Vector3d(0.9, 0.9, 0.0)); },
         {"prefrl::preference::exploitability", "pi"}},
        {"exploitability: NaN", [=] { (void)pref::exploitability(P, Eigen::Vector3d(0.5, nan, 0.5)); }, {"prefrl::preference::exploitability", "pi[1]"}},
        {"regularized_exploitability: tau +inf",
         [=] { (void)pref::regularized_exploitability(P, uniform, uniform, inf); },
         {"prefrl::preference::regularized_exploitability", "tau"}},
        {"bradley_terry: NaN", [] { (void)pref::bradley_terry(Eigen::Vector2d(0.0, nan)); }, {"prefrl::preference::bradley_terry", "scores"}},
        {"bradley_terry: empty", [] { (void)pref::bradley_terry(Eigen::VectorXd(0)); }, {"prefrl::preference::bradley_terry", "scores"}},
        {"bradley_terry_fit: not square", [] { (void)pref::bradley_terry_fit(Eigen::MatrixXd::Ones(2, 3)); }, {"prefrl::preference::bradley_terry_fit", "wins"}},
        {"bradley_terry_fit: negative count",
         [] {
             Eigen::MatrixXd w(2, 2);
             w << 0, -1, 1, 0;
             (void)pref::bradley_terry_fit(w);
         },
         {"prefrl::preference::bradley_terry_fit", "wins(0, 1)"}},
        {"bradley_terry_fit: 0 iterations", [] { (void)pref::bradley_terry_fit(Eigen::MatrixXd::Ones(2, 2), 0); }, {"prefrl::preference::bradley_terry_fit", "max_iterations"}},
        {"plackett_luce_log_likelihood: out of range",
         [] { (void)pref::plackett_luce_log_likelihood(Eigen::Vector2d(0, 1), std::vector<index_t>{0, 2}); },
         {"prefrl::preference::plackett_luce_log_likelihood", "ranking[1]"}},
        {"plackett_luce_log_likelihood: repeated response",
         [] { (void)pref::plackett_luce_log_likelihood(Eigen::Vector2d(0, 1), std::vector<index_t>{0, 0}); },
         {"prefrl::preference::plackett_luce_log_likelihood", "ranking[1]"}},
        {"sample_ranking: NaN", [] { prefrl::generator g(1); (void)pref::sample_ranking(Eigen::Vector2d(0, nan), g); }, {"prefrl::preference::sample_ranking", "scores"}},
        {"group_preferences: sample out of range",
         [=] { (void)pref::group_preferences(P, std::vector<index_t>{0, 3}); },
         {"prefrl::preference::group_preferences", "samples[1]"}},
        {"spo_rewards: not square", [] { (void)pref::spo_rewards(Eigen::MatrixXd::Constant(2, 3, 0.5)); }, {"prefrl::preference::spo_rewards", "q"}},
        {"sppo_win_rates: entry outside [0, 1]",
         [] {
             Eigen::MatrixXd q(2, 2);
             q << 0.5, 2.0, -1.0, 0.5;
             (void)pref::sppo_win_rates(q);
         },
         {"prefrl::preference::sppo_win_rates", "(0, 1)"}},
        {"pair_loss_from_trl: unknown name", [] { (void)pref::pair_loss_from_trl("nope"); }, {"prefrl::preference::pair_loss_from_trl", "nope"}},
        {"pair_loss_from_trl: beta +inf", [] { (void)pref::pair_loss_from_trl("sigmoid", {.beta = inf}); }, {"prefrl::preference::pair_loss_from_trl", "beta"}},
        {"trl_pair_loss: a weight per loss",
         [] { pref::trl_pair_loss l({.loss_type = {"sigmoid", "ipo"}, .loss_weights = {1.0}}); },
         {"prefrl::preference::trl_pair_loss", "loss_weights"}},
        {"trl_pair_loss: NaN weight",
         [] { pref::trl_pair_loss l({.loss_type = {"sigmoid", "ipo"}, .loss_weights = {1.0, nan}}); },
         {"prefrl::preference::trl_pair_loss", "loss_weights[1]"}},
    };
}

std::vector<row> value_mdp_and_optim_rows() {
    prefrl::generator rng(3);
    const auto mdp = prefrl::mdp::garnet<double>(5, 2, 2, 0.9, rng);
    row_matrix<double> wide = row_matrix<double>::Constant(5, 3, 1.0 / 3.0), pi_nan = row_matrix<double>::Constant(5, 2, 0.5);
    pi_nan(1, 1) = nan;
    const std::string project = "prefrl::value::categorical_l2_project", ppo = "prefrl::value::clipped_surrogate_pg_loss";
    return {
        {"categorical_l2_project: support not increasing",
         [] { (void)prefrl::value::categorical_l2_project<double>(std::vector<double>{0, 1}, std::vector<double>{0.5, 0.5}, std::vector<double>{1, 0}); },
         {project, "z_q"}},
        {"categorical_l2_project: NaN probability",
         [] { (void)prefrl::value::categorical_l2_project<double>(std::vector<double>{0, 1}, std::vector<double>{0.5, nan}, std::vector<double>{0, 1}); },
         {project, "probs[1]"}},
        {"clipped_surrogate_pg_loss: epsilon +inf",
         [] { (void)prefrl::value::clipped_surrogate_pg_loss(std::vector<double>{1, 1}, std::vector<double>{1, 1}, inf); },
         {ppo, "epsilon"}},
        {"clipped_surrogate_pg_loss: negative ratio",
         [] { (void)prefrl::value::clipped_surrogate_pg_loss(std::vector<double>{1, -1}, std::vector<double>{1, 1}, 0.2); },
         {ppo, "prob_ratios_t[1]"}},
        {"clipped_surrogate_pg_loss: empty",
         [] { (void)prefrl::value::clipped_surrogate_pg_loss(std::vector<double>{}, std::vector<double>{}, 0.2); },
         {ppo, "prob_ratios_t"}},
        {"q_learning: action out of range", [] { (void)prefrl::value::q_learning(std::vector<double>{1, 2}, 2, 1.0, 0.9, std::vector<double>{1, 2}); }, {"prefrl::value::q_learning", "a_tm1"}},
        {"q_learning: discount NaN", [] { (void)prefrl::value::q_learning(std::vector<double>{1, 2}, 1, 1.0, nan, std::vector<double>{1, 2}); }, {"prefrl::value::q_learning", "discount_t"}},
        {"evaluate_policy: pi of 3 actions", [=] { (void)prefrl::mdp::evaluate_policy(mdp, wide); }, {"prefrl::mdp::evaluate_policy", "pi"}},
        {"evaluate_policy: NaN in pi", [=] { (void)prefrl::mdp::evaluate_policy(mdp, pi_nan); }, {"prefrl::mdp::evaluate_policy", "pi(1, 1)"}},
        {"occupancy: NaN in pi", [=] { (void)prefrl::mdp::occupancy(mdp, pi_nan); }, {"prefrl::mdp::occupancy", "pi(1, 1)"}},
        {"policy_gain: pi of 3 actions", [=] { (void)prefrl::mdp::policy_gain(mdp, wide); }, {"prefrl::mdp::policy_gain", "pi"}},
        {"q_from_v: 4 values for 5 states",
         [=] { (void)prefrl::mdp::q_from_v(mdp, prefrl::vector<double>(prefrl::vector<double>::Zero(4))); },
         {"prefrl::mdp::q_from_v", "v"}},
        {"categorical_policy_evaluation: support not increasing",
         [=] {
             const row_matrix<double> uniform = row_matrix<double>::Constant(5, 2, 0.5);
             (void)prefrl::mdp::categorical_policy_evaluation(mdp, uniform, std::vector<double>{0.0, 2.0, 1.0});
         },
         {"prefrl::mdp::categorical_policy_evaluation", "support"}},
        {"finite_horizon_return_law: the policy's action out of range",
         [=] { (void)prefrl::mdp::finite_horizon_return_law(mdp, 0, 3, [](index_t, index_t, double) { return index_t{2}; }); },
         {"prefrl::mdp::finite_horizon_return_law", "action 2"}},
        {"finite_horizon_return_law: start out of range",
         [=] { (void)prefrl::mdp::finite_horizon_return_law(mdp, 5, 3, [](index_t, index_t, double) { return index_t{0}; }); },
         {"prefrl::mdp::finite_horizon_return_law", "start"}},
        {"cvar_optimal_policy: alpha 2", [=] { (void)prefrl::mdp::cvar_optimal_policy(mdp, 0, 3, 2.0); }, {"prefrl::mdp::cvar_optimal_policy", "alpha"}},
        // the returned policy's arguments (t past the horizon recursed without end before)
        {"cvar_solution::policy: t past the horizon",
         [=] { (void)prefrl::mdp::cvar_optimal_policy(mdp, 0, 3, 0.5).policy(4, 0, 0.0); },
         {"prefrl::mdp::cvar_solution::policy", "t must be in [0, 3]", "got 4"}},
        {"cvar_solution::policy: t negative",
         [=] { (void)prefrl::mdp::cvar_optimal_policy(mdp, 0, 3, 0.5).policy(-1, 0, 0.0); },
         {"prefrl::mdp::cvar_solution::policy", "got -1"}},
        {"cvar_solution::policy: state out of range",
         [=] { (void)prefrl::mdp::cvar_optimal_policy(mdp, 0, 3, 0.5).policy(0, 5, 0.0); },
         {"prefrl::mdp::cvar_solution::policy", "s must be in [0, 5)"}},
        {"cvar_solution::policy: accumulated NaN",
         [=] { (void)prefrl::mdp::cvar_optimal_policy(mdp, 0, 3, 0.5).policy(0, 0, nan); },
         {"prefrl::mdp::cvar_solution::policy", "accumulated", "nan"}},
        {"categorical_return_laws::means: 4 columns for 3 atoms",
         [] {
             prefrl::mdp::categorical_return_laws<double> laws;
             laws.support = prefrl::vector<double>::Zero(3);
             laws.probabilities = row_matrix<double>::Zero(2, 4);
             (void)laws.means();
         },
         {"prefrl::mdp::categorical_return_laws::means", "4 columns", "3 atoms"}},
        {"garnet: branching above states", [] { prefrl::generator g(1); (void)prefrl::mdp::garnet<double>(3, 2, 5, 0.9, g); }, {"prefrl::mdp::garnet", "branching"}},
        {"garnet: gamma NaN", [] { prefrl::generator g(1); (void)prefrl::mdp::garnet<double>(3, 2, 2, nan, g); }, {"prefrl::mdp::garnet", "gamma"}},
        {"cvar: alpha 0",
         [] {
             prefrl::mdp::return_law law;
             law[1.0] = 1.0;
             (void)prefrl::mdp::cvar(law, 0.0);
         },
         {"prefrl::mdp::cvar", "alpha"}},
        {"tabular_v: initial NaN", [] { prefrl::value::tabular_v<double> v(2, nan); }, {"prefrl::value::tabular_v", "initial"}},
        {"tabular_q: initial +inf", [] { prefrl::value::tabular_q<double> q(2, 2, inf); }, {"prefrl::value::tabular_q", "initial"}},
        {"cliff_walking: slip 2", [] { (void)prefrl::env::cliff_walking<double>(2.0); }, {"prefrl::env::cliff_walking", "slip"}},
        {"cliff_walking: slip NaN", [] { (void)prefrl::env::cliff_walking<double>(nan); }, {"prefrl::env::cliff_walking", "slip"}},
        {"tabular_softmax::probabilities: NaN logits",
         [] {
             auto pi = prefrl::policy::tabular_softmax<double>::uniform(2, 2);
             pi.logits(1, 0) = nan;
             (void)pi.probabilities(1);
         },
         {"prefrl::policy::tabular_softmax::probabilities", "logits[0]"}},
        {"tabular_softmax::entropy: +inf logits",
         [] {
             auto pi = prefrl::policy::tabular_softmax<double>::uniform(2, 2);
             pi.logits(0, 1) = inf;
             (void)pi.entropy(0);
         },
         {"prefrl::policy::tabular_softmax::entropy", "logits[1]"}},
        {"adam: no parameters", [] { prefrl::optim::adam<double> a(0); }, {"prefrl::optim::adam", "parameters"}},
        {"clip_by_global_norm: NaN",
         [] {
             std::vector<double> g = {1.0, nan};
             (void)prefrl::optim::clip_by_global_norm<double>(std::span<double>(g), 1.0);
         },
         {"prefrl::optim::clip_by_global_norm", "gradients[1]"}},
        {"clip_by_global_norm: max_norm 0",
         [] {
             std::vector<double> g = {1.0, 1.0};
             (void)prefrl::optim::clip_by_global_norm<double>(std::span<double>(g), 0.0);
         },
         {"prefrl::optim::clip_by_global_norm", "max_norm"}},
    };
}

// Entry points a scan of the public headers found without a row: the recovering bandits'
// schedule, the LSA updates called on their own, the KL-UCB index and OPE's ground truth.
std::vector<row> schedule_lsa_and_ope_rows() {
    namespace bandit = prefrl::bandit;
    namespace icl = prefrl::icl;
    const bandit::recovering_means r{{0.2, 0.6}, {0.4, 0.5}};
    const bandit::periodic_schedule every{{1, 2}, {0, 1}};
    const std::string pulls = "prefrl::bandit::scheduled_pulls";
    const auto layer = icl::gd_layer<double>(2, 3, 0.5);
    const icl::token_matrix<double> tokens = icl::token_matrix<double>::Ones(3, 4), wide = icl::token_matrix<double>::Ones(5, 4);
    const row_matrix<double> dist = row_matrix<double>::Constant(2, 2, 0.5), q = row_matrix<double>::Ones(2, 2);
    return {
        {"scheduled_pulls: idle 0 (read R_i(-1) before)",
         [=] { (void)bandit::scheduled_pulls(every, r, 1, std::vector<index_t>{0, 1}, 0); }, {pulls, "idle[0] must be in [1, 2]", "got 0"}},
        {"scheduled_pulls: idle past d_max", [=] { (void)bandit::scheduled_pulls(every, r, 1, std::vector<index_t>{1, 3}, 0); }, {pulls, "idle[1]"}},
        {"scheduled_pulls: idle of 1 entry for 2 arms", [=] { (void)bandit::scheduled_pulls(every, r, 1, std::vector<index_t>{1}, 0); }, {pulls, "idle has 1"}},
        {"scheduled_pulls: a schedule of 3 arms for 2",
         [=] { (void)bandit::scheduled_pulls(bandit::periodic_schedule{{1, 1, 1}, {0, 0, 0}}, r, 1, std::vector<index_t>{1, 1}, 0); },
         {pulls, "3 periods"}},
        {"scheduled_pulls: offset past the period",
         [=] { (void)bandit::scheduled_pulls(bandit::periodic_schedule{{2, 2}, {0, 2}}, r, 1, std::vector<index_t>{1, 1}, 0); },
         {pulls, "offset[1] must be in [0, 2)"}},
        {"scheduled_pulls: negative period",
         [=] { (void)bandit::scheduled_pulls(bandit::periodic_schedule{{-1, 2}, {0, 0}}, r, 1, std::vector<index_t>{1, 1}, 0); },
         {pulls, "period[0] must be >= 0"}},
        {"scheduled_pulls: K = 0", [=] { (void)bandit::scheduled_pulls(every, r, 0, std::vector<index_t>{1, 1}, 0); }, {pulls, "K must be >= 1"}},
        {"scheduled_pulls: t negative", [=] { (void)bandit::scheduled_pulls(every, r, 1, std::vector<index_t>{1, 1}, -1); }, {pulls, "t must be >= 0"}},
        {"schedule_average_reward: offset past the period",
         [=] { (void)bandit::schedule_average_reward(bandit::periodic_schedule{{2, 2}, {0, 5}}, r, 1, 10); },
         {"prefrl::bandit::schedule_average_reward", "offset[1]"}},
        {"lsa_update: tokens of D = 5 for a layer of D = 3 (named lsa_forward before)",
         [=] { (void)icl::lsa_update(layer, wide); }, {"prefrl::icl::lsa_update:", "D = 5"}},
        {"lsa_update: one column", [=] { (void)icl::lsa_update(layer, icl::token_matrix<double>(icl::token_matrix<double>::Ones(3, 1))); },
         {"prefrl::icl::lsa_update:", "1 columns"}},
        {"lsa_update_backward: upstream of another shape (named lsa_backward before)",
         [=] {
             auto g = icl::lsa_gradients<double>::zeros_like(layer);
             (void)icl::lsa_update_backward(layer, tokens, icl::token_matrix<double>(icl::token_matrix<double>::Ones(3, 3)), g);
         },
         {"prefrl::icl::lsa_update_backward:", "upstream is 3 x 3"}},
        {"lsa_forward: still names itself", [=] { (void)icl::lsa_forward(layer, wide); }, {"prefrl::icl::lsa_forward:", "D = 5"}},
        {"lsa_batch_loss_and_gradients: a layer of the wrong size names the batch function",
         [=] {
             std::vector<icl::regression_task<double>> tasks{icl_task(4)};
             std::vector<icl::lsa_layer<double>> layers{layer};
             std::vector<icl::lsa_gradients<double>> g{icl::lsa_gradients<double>::zeros_like(layer)};
             (void)icl::lsa_batch_loss_and_gradients<double>(layers, tasks, g);
         },
         {"prefrl::icl::lsa_batch_loss_and_gradients:"}},
        {"kl_ucb_index: mu 2 (named kl_ucb_upper_bound before)", [] { (void)bandit::kl_ucb_index(2.0, 3, 10); },
         {"prefrl::bandit::kl_ucb_index:", "mu must be in [0, 1]", "got 2"}},
        {"kl_ucb_index: mu NaN", [] { (void)bandit::kl_ucb_index(nan, 3, 10); }, {"prefrl::bandit::kl_ucb_index:", "mu"}},
        {"kl_ucb_index: c +inf", [] { (void)bandit::kl_ucb_index(0.5, 3, 10, inf); }, {"prefrl::bandit::kl_ucb_index:", "c must be finite"}},
        {"policy_value: NaN probability (a NaN value before)",
         [=] {
             row_matrix<double> bad = dist;
             bad(1, 0) = nan;
             (void)prefrl::ope::policy_value(bad, q);
         },
         {"prefrl::ope::policy_value", "action_dist(1, 0)", "nan"}},
        {"policy_value: probability 1.5",
         [=] {
             row_matrix<double> bad = dist;
             bad(0, 1) = 1.5;
             (void)prefrl::ope::policy_value(bad, q);
         },
         {"prefrl::ope::policy_value", "action_dist(0, 1)"}},
        {"policy_value: q +inf",
         [=] {
             row_matrix<double> bad = q;
             bad(0, 0) = inf;
             (void)prefrl::ope::policy_value(dist, bad);
         },
         {"prefrl::ope::policy_value", "q(0, 0)", "inf"}},
        {"length_controlled_win_rate: preference NaN",
         [] { (void)pref::length_controlled_win_rate(std::vector<double>{0.5, nan}, std::vector<double>{1, 2}, std::vector<double>{2, 2}); },
         {"prefrl::preference::length_controlled_win_rate", "preferences[1]", "nan"}},
        {"length_controlled_win_rate: preference 2 (AlpacaEval's raw label)",
         [] { (void)pref::length_controlled_win_rate(std::vector<double>{2, 1}, std::vector<double>{1, 2}, std::vector<double>{2, 2}); },
         {"prefrl::preference::length_controlled_win_rate", "preferences[0]", "[0, 1]"}},
        {"length_controlled_win_rate: one instruction",
         [] { (void)pref::length_controlled_win_rate(std::vector<double>{1}, std::vector<double>{1}, std::vector<double>{2}); },
         {"prefrl::preference::length_controlled_win_rate", "at least 2"}},
        {"length_controlled_win_rate: 3 model lengths for 2 preferences",
         [] { (void)pref::length_controlled_win_rate(std::vector<double>{1, 0}, std::vector<double>{1, 2, 3}, std::vector<double>{2, 2}); },
         {"prefrl::preference::length_controlled_win_rate", "model_lengths"}},
        {"length_controlled_win_rate: negative length",
         [] { (void)pref::length_controlled_win_rate(std::vector<double>{1, 0}, std::vector<double>{1, 2}, std::vector<double>{-2, 2}); },
         {"prefrl::preference::length_controlled_win_rate", "baseline_lengths[0]"}},
        {"length_controlled_win_rate: +inf length",
         [] { (void)pref::length_controlled_win_rate(std::vector<double>{1, 0}, std::vector<double>{inf, 2}, std::vector<double>{2, 2}); },
         {"prefrl::preference::length_controlled_win_rate", "model_lengths[0]", "inf"}},
        {"length_controlled_win_rate: the same length difference everywhere",
         [] { (void)pref::length_controlled_win_rate(std::vector<double>{1, 0}, std::vector<double>{1, 2}, std::vector<double>{2, 3}); },
         {"prefrl::preference::length_controlled_win_rate", "standard deviation is 0"}},
        {"length_controlled_win_rate: empty instruction difficulty",
         [] { (void)pref::length_controlled_win_rate(std::vector<double>{1, 0}, std::vector<double>{1, 2}, std::vector<double>{2, 2}, std::vector<double>{}); },
         {"prefrl::preference::length_controlled_win_rate", "instruction_difficulty has 0"}},
        {"length_controlled_win_rate: NaN difficulty",
         [] { (void)pref::length_controlled_win_rate(std::vector<double>{1, 0}, std::vector<double>{1, 2}, std::vector<double>{2, 2}, std::vector<double>{0, nan}); },
         {"prefrl::preference::length_controlled_win_rate", "instruction_difficulty[1]"}},
        {"length_controlled_win_rate: l2 +inf",
         [] {
             (void)pref::length_controlled_win_rate(std::vector<double>{1, 0}, std::vector<double>{1, 2}, std::vector<double>{2, 2},
                                                    pref::length_controlled_options{.l2 = inf});
         },
         {"prefrl::preference::length_controlled_win_rate", "l2"}},
        {"length_controlled_win_rate: max_iterations 0",
         [] {
             (void)pref::length_controlled_win_rate(std::vector<double>{1, 0}, std::vector<double>{1, 2}, std::vector<double>{2, 2},
                                                    pref::length_controlled_options{.max_iterations = 0});
         },
         {"prefrl::preference::length_controlled_win_rate", "max_iterations"}},
        {"random_recovering_instance: 0 arms", [] { prefrl::generator g(1); (void)bandit::random_recovering_instance(0, 3, g); },
         {"prefrl::bandit::random_recovering_instance", "arms and d_max must be >= 1"}},
        {"random_recovering_instance: arms * d_max overflows",
         [] { prefrl::generator g(1); (void)bandit::random_recovering_instance(index_t{1} << 40, index_t{1} << 40, g); },
         {"prefrl::bandit::random_recovering_instance", "arms * d_max", "overflows"}},
        {"geometric_mixture_logits: m 1.5",
         [] { (void)pref::geometric_mixture_logits(row_matrix<double>(row_matrix<double>::Zero(2, 3)), row_matrix<double>(row_matrix<double>::Zero(2, 3)), 1.5); },
         {"prefrl::preference::geometric_mixture_logits", "m"}},
        {"geometric_mixture_logits: shapes differ",
         [] { (void)pref::geometric_mixture_logits(row_matrix<double>(row_matrix<double>::Zero(2, 3)), row_matrix<double>(row_matrix<double>::Zero(2, 4)), 0.5); },
         {"prefrl::preference::geometric_mixture_logits", "reference_logits is 2 x 4"}},
        {"odice_weights: NaN", [] { (void)prefrl::offline::odice_weights(std::vector<double>{1.0, nan}); },
         {"prefrl::offline::odice_weights", "delta_forward[1]"}},
        {"odice_weights: max_weight +inf", [] { (void)prefrl::offline::odice_weights(std::vector<double>{1.0}, inf); },
         {"prefrl::offline::odice_weights", "max_weight"}},
        {"row_max: no columns", [] { (void)prefrl::kernel::row_max(row_matrix<double>(row_matrix<double>::Zero(2, 0))); },
         {"prefrl::kernel::row_max", "logits must not be empty"}},
        {"token_logprobs_and_backward: 3 upstream entries for 2 rows",
         [] {
             const row_matrix<double> z = row_matrix<double>::Zero(2, 3);
             row_matrix<double> d(2, 3);
             const std::vector<index_t> labels{0, 1};
             const std::vector<double> mask{1, 1}, upstream{1, 1, 1};
             (void)prefrl::kernel::token_logprobs_and_backward(z, labels, mask, upstream, d);
         },
         {"prefrl::kernel::token_logprobs_and_backward", "upstream"}},
        {"lsa_query_loss_and_gradients: 2 gradients for 1 layer",
         [=] {
             const std::vector<icl::lsa_layer<double>> layers{icl::gd_layer<double>(2, 4, 0.5)};
             std::vector<icl::lsa_gradients<double>> g(2, icl::lsa_gradients<double>::zeros_like(layers[0]));
             (void)icl::lsa_query_loss_and_gradients<double>(layers, icl_task(), g);
         },
         {"prefrl::icl::lsa_query_loss_and_gradients", "gradients has 2"}},
        {"lsa_sensitivity: no layers",
         [] { (void)icl::lsa_sensitivity<double>(std::span<const icl::lsa_layer<double>>{}, icl_task().tokens); },
         {"prefrl::icl::lsa_sensitivity", "layers"}},
        {"compare_lsa: no tasks",
         [] {
             const std::vector<icl::lsa_layer<double>> layers{icl::gd_layer<double>(2, 4, 0.5)};
             (void)icl::compare_lsa<double>(layers, layers, std::span<const icl::regression_task<double>>{});
         },
         {"prefrl::icl::compare_lsa", "tasks"}},
        {"policy_value: q of another shape", [=] { (void)prefrl::ope::policy_value(dist, row_matrix<double>(row_matrix<double>::Ones(2, 3))); },
         {"prefrl::ope::policy_value", "q is 2 x 3"}},
    };
}

}  // namespace

TEST_CASE("battery: sampling, KL-UCB, Thompson and online mirror descent helpers", "[robustness][battery]") {
    check(sampling_and_bandit_rows());
}

TEST_CASE("battery: GRPO helpers and the in-context-learning constructions", "[robustness][battery]") {
    check(grpo_and_icl_rows());
}

TEST_CASE("battery: softmax, behaviour cloning, dataset samplers and the bootstrap", "[robustness][battery]") {
    check(kernel_and_offline_rows());
}

TEST_CASE("battery: categorical helpers, preference games, rankings and TRL's selector", "[robustness][battery]") {
    check(policy_and_preference_rows());
}

TEST_CASE("battery: projection, policy-gradient terms, MDP inputs and optimizer helpers", "[robustness][battery]") {
    check(value_mdp_and_optim_rows());
}

TEST_CASE("battery: recovering-bandit schedules, LSA updates on their own, the KL-UCB index, OPE's ground truth", "[robustness][battery]") {
    check(schedule_lsa_and_ope_rows());
}

TEST_CASE("extreme but valid: GD that diverges has an infinite loss, not NaN", "[robustness][battery]") {
    const std::vector<prefrl::icl::regression_task<double>> tasks{icl_task()};
    CHECK(prefrl::icl::gd_loss<double>(tasks, 1e300, 3) == std::numeric_limits<double>::infinity());
    CHECK(std::isfinite(prefrl::icl::gd_loss<double>(tasks, 0.1, 3)));
    // the line search skips the diverging step sizes
    const auto best = prefrl::icl::gd_step_size_line_search<double>(tasks, 3, 0.1, 1e3, 10.0);
    CHECK(std::isfinite(best.loss));
}
