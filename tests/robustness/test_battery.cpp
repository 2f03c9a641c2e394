// The bad-input classes run over every entry point of a family at once: every pair loss,
// every offline value loss, every TD function, every off-policy estimator and the token
// kernels each get an empty input, mismatched sizes, a NaN, +-inf hyperparameters and (in
// float) a double hyperparameter that float cannot hold. Each row must throw
// prefrl::invalid_argument whose message names the function the user called and the argument.
// A new loss is one line in its family's list.

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <prefrl/bandit.hpp>
#include <prefrl/grpo.hpp>
#include <prefrl/kernel.hpp>
#include <prefrl/offline.hpp>
#include <prefrl/optim.hpp>
#include <prefrl/policy.hpp>
#include <prefrl/ope.hpp>
#include <prefrl/preference.hpp>
#include <prefrl/value.hpp>

#include "battery.hpp"

namespace {

using prefrl::index_t;
using prefrl_battery::check;
using prefrl_battery::inf;
using prefrl_battery::nan;
using prefrl_battery::row;
namespace pref = prefrl::preference;

// Every field a pair loss may read, valid, three pairs.
template <class T>
struct full_batch {
    std::vector<T> chosen{T(-1), T(-2), T(-3)}, rejected{T(-2), T(-1), T(-4)}, ref_chosen{T(-1.5), T(-2), T(-2.5)},
        ref_rejected{T(-1.5), T(-1.5), T(-3)}, chosen_length{T(3), T(4), T(5)}, rejected_length{T(2), T(6), T(5)},
        anchor_chosen{T(-1.2), T(-2.1), T(-2.9)}, anchor_rejected{T(-1.9), T(-1.2), T(-3.8)}, win_chosen{T(0.6), T(0.4), T(0.7)},
        win_rejected{T(0.4), T(0.5), T(0.3)}, target{T(0.8), T(0.3), T(1)};
    [[nodiscard]] pref::pair_batch<T> view() const {
        return {chosen, rejected, ref_chosen, ref_rejected, chosen_length, rejected_length, anchor_chosen, anchor_rejected,
                win_chosen, win_rejected, target};
    }
};

// One family member: its name, a valid instance and the hyperparameter to poison.
template <class Loss>
struct member {
    std::string name;
    Loss loss;
    std::string hyper;
    std::function<void(Loss&, double)> set;
};

template <class Loss>
void pair_loss_rows(std::vector<row>& rows, const member<Loss>& m) {
    const std::string fn = "prefrl::preference::" + m.name;
    rows.push_back({m.name + ": an empty batch", [m] { (void)m.loss(pref::pair_batch<double>{}); }, {fn}});
    rows.push_back({m.name + ": rejected shorter than chosen",
                    [m] {
                        full_batch<double> b;
                        b.rejected.pop_back();
                        (void)m.loss(b.view());
                    },
                    {fn, "rejected"}});
    rows.push_back({m.name + ": a NaN chosen log-prob",
                    [m] {
                        full_batch<double> b;
                        b.chosen[1] = nan;
                        (void)m.loss(b.view());
                    },
                    {fn, "chosen[1]"}});
    // the hyperparameter poisoned: +inf and NaN in double, and 1e300 (finite in double) in float
    auto poisoned = [m](double x, auto precision) {
        return [m, x] {
            Loss l = m.loss;
            m.set(l, x);
            (void)l(full_batch<decltype(precision)>{}.view());
        };
    };
    rows.push_back({m.name + ": " + m.hyper + " = +inf", poisoned(inf, double{}), {fn, m.hyper, "inf"}});
    rows.push_back({m.name + ": " + m.hyper + " = NaN", poisoned(nan, double{}), {fn, m.hyper, "nan"}});
    rows.push_back({m.name + " in float: " + m.hyper + " = 1e300", poisoned(1e300, float{}), {fn, m.hyper}});
}

#define PREFRL_MEMBER(type, field, ...) \
    member<pref::type>{#type, pref::type{__VA_ARGS__}, #field, [](pref::type& l, double x) { l.field = x; }}

std::vector<row> all_pair_loss_rows() {
    std::vector<row> rows;
    pair_loss_rows(rows, PREFRL_MEMBER(dpo, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(dpo, beta, .divergence = pref::f_divergence::forward_kl));
    pair_loss_rows(rows, PREFRL_MEMBER(dpo, alpha, .divergence = pref::f_divergence::alpha_divergence));
    pair_loss_rows(rows, PREFRL_MEMBER(robust_dpo, beta, .label_smoothing = 0.1));
    pair_loss_rows(rows, PREFRL_MEMBER(hinge, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(ipo, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(exo, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(nca, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(sppo_hard, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(bco, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(bco, delta));
    pair_loss_rows(rows, PREFRL_MEMBER(apo_zero, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(apo_down, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(discopop, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(discopop, tau));
    pair_loss_rows(rows, PREFRL_MEMBER(dpo_norm, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(aot, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(aot_unpaired, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(simpo, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(simpo, gamma));
    pair_loss_rows(rows, PREFRL_MEMBER(orpo, lambda_));
    pair_loss_rows(rows, PREFRL_MEMBER(sppo, beta));
    pair_loss_rows(rows, PREFRL_MEMBER(inpo, eta));
    pair_loss_rows(rows, PREFRL_MEMBER(inpo, tau));
    pair_loss_rows(rows, PREFRL_MEMBER(dno, eta));
    return rows;
}

// The offline value losses: (q, v) -> value, d_v.
template <class Loss>
void value_loss_rows(std::vector<row>& rows, const member<Loss>& m, const std::string& ns = "prefrl::offline::") {
    const std::string fn = ns + m.name;
    const std::vector<double> q = {1.0, 2.0, 0.5}, v = {0.5, 2.5, 0.5};
    rows.push_back({m.name + ": empty", [m] { (void)m.loss(std::span<const double>(), std::span<const double>()); }, {fn}});
    rows.push_back({m.name + ": v shorter than q", [=] { (void)m.loss(std::span<const double>(q), std::span<const double>(v).first(2)); },
                    {fn, "v"}});
    rows.push_back({m.name + ": a NaN q",
                    [=] {
                        std::vector<double> bad = q;
                        bad[2] = nan;
                        (void)m.loss(std::span<const double>(bad), std::span<const double>(v));
                    },
                    {fn, "q[2]"}});
    rows.push_back({m.name + ": " + m.hyper + " = +inf",
                    [=] {
                        Loss l = m.loss;
                        m.set(l, inf);
                        (void)l(std::span<const double>(q), std::span<const double>(v));
                    },
                    {fn, m.hyper}});
    rows.push_back({m.name + ": " + m.hyper + " = NaN",
                    [=] {
                        Loss l = m.loss;
                        m.set(l, nan);
                        (void)l(std::span<const double>(q), std::span<const double>(v));
                    },
                    {fn, m.hyper}});
}

#define PREFRL_OFFLINE_MEMBER(type, field, ...) \
    member<prefrl::offline::type>{#type, prefrl::offline::type{__VA_ARGS__}, #field, [](prefrl::offline::type& l, double x) { l.field = x; }}

std::vector<row> offline_rows() {
    std::vector<row> rows;
    value_loss_rows(rows, PREFRL_OFFLINE_MEMBER(expectile, tau));
    value_loss_rows(rows, PREFRL_OFFLINE_MEMBER(gumbel, beta));
    value_loss_rows(rows, PREFRL_OFFLINE_MEMBER(gumbel, max_clip));
    value_loss_rows(rows, PREFRL_OFFLINE_MEMBER(fdvl, lambda_));
    value_loss_rows(rows, PREFRL_OFFLINE_MEMBER(fdvl, lambda_, .divergence = prefrl::offline::f_divergence::total_variation));
    const prefrl::row_matrix<double> q = prefrl::row_matrix<double>::Zero(2, 3);
    const std::vector<index_t> actions = {0, 2};
    rows.push_back({"cql: an action out of range",
                    [=] {
                        const std::vector<index_t> bad = {0, 3};
                        (void)prefrl::offline::cql{}(q, bad);
                    },
                    {"prefrl::offline::cql", "actions[1]"}});
    rows.push_back({"cql: alpha +inf", [=] { (void)prefrl::offline::cql{.alpha = inf}(q, actions); }, {"prefrl::offline::cql", "alpha"}});
    rows.push_back({"cql: one action for two rows",
                    [=] { (void)prefrl::offline::cql{}(q, std::span<const index_t>(actions).first(1)); },
                    {"prefrl::offline::cql", "actions"}});
    rows.push_back({"td3_bc: alpha +inf",
                    [=] {
                        const std::vector<double> qv = {1.0, 2.0};
                        (void)prefrl::offline::td3_bc{.alpha = inf}(q, q, qv);
                    },
                    {"prefrl::offline::td3_bc", "alpha"}});
    rows.push_back({"td3_bc: data actions of another shape",
                    [=] {
                        const std::vector<double> qv = {1.0, 2.0};
                        (void)prefrl::offline::td3_bc{}(q, prefrl::row_matrix<double>::Zero(2, 2), qv);
                    },
                    {"prefrl::offline::td3_bc"}});
    rows.push_back({"odice_project: mismatched sizes",
                    [] {
                        const std::vector<double> a = {1.0, 2.0}, b = {1.0};
                        (void)prefrl::offline::odice_project<double>(a, b);
                    },
                    {"prefrl::offline::odice_project"}});
    rows.push_back({"odice_project: a NaN",
                    [] {
                        const std::vector<double> a = {1.0, nan}, b = {1.0, 2.0};
                        (void)prefrl::offline::odice_project<double>(a, b);
                    },
                    {"prefrl::offline::odice_project"}});
    return rows;
}

std::vector<row> td_rows() {
    namespace value = prefrl::value;
    const std::vector<double> q = {1.0, 2.0}, r = {1.0, 0.0, 1.0}, d = {0.9, 0.9, 0.9}, v = {0.5, 0.5, 0.5};
    const std::vector<double> probs = {0.5, 0.5};
    return {
        {"td_learning: discount NaN", [] { (void)value::td_learning(1.0, 1.0, nan, 1.0); }, {"prefrl::value::td_learning", "discount_t"}},
        {"td_learning: v_t +inf", [] { (void)value::td_learning(1.0, 1.0, 0.9, inf); }, {"prefrl::value::td_learning", "v_t"}},
        {"q_learning: action 2 of 2", [=] { (void)value::q_learning<double>(q, 2, 1.0, 0.9, q); }, {"prefrl::value::q_learning", "a_tm1"}},
        {"q_learning: empty q_t", [=] { (void)value::q_learning<double>(q, 0, 1.0, 0.9, {}); }, {"prefrl::value::q_learning", "q_t"}},
        {"q_learning: discount 2", [=] { (void)value::q_learning<double>(q, 0, 1.0, 2.0, q); }, {"prefrl::value::q_learning", "discount_t"}},
        {"double_q_learning: selector of 1 entry",
         [=] { (void)value::double_q_learning<double>(q, 0, 1.0, 0.9, q, std::span<const double>(q).first(1)); },
         {"prefrl::value::double_q_learning", "q_t_selector"}},
        {"sarsa: a_t -1", [=] { (void)value::sarsa<double>(q, 0, 1.0, 0.9, q, -1); }, {"prefrl::value::sarsa", "a_t"}},
        {"expected_sarsa: probabilities summing to 0.6",
         [=] {
             const std::vector<double> bad = {0.3, 0.3};
             (void)value::expected_sarsa<double>(q, 0, 1.0, 0.9, q, bad);
         },
         {"prefrl::value::expected_sarsa", "probs_a_t"}},
        {"discounted_returns: empty", [] { (void)value::discounted_returns<double>({}, {}, {}); }, {"prefrl::value::discounted_returns"}},
        {"discounted_returns: mismatched discounts",
         [=] { (void)value::discounted_returns<double>(r, std::span<const double>(d).first(2), v); },
         {"prefrl::value::discounted_returns", "discount_t"}},
        {"lambda_returns: lambda 1.5", [=] { (void)value::lambda_returns<double>(r, d, v, 1.5); }, {"prefrl::value::lambda_returns", "lambda_"}},
        {"lambda_returns: a NaN reward",
         [=] {
             std::vector<double> bad = r;
             bad[0] = nan;
             (void)value::lambda_returns<double>(bad, d, v, 0.5);
         },
         {"prefrl::value::lambda_returns", "r_t[0]"}},
        {"n_step_bootstrapped_returns: n = 0", [=] { (void)value::n_step_bootstrapped_returns<double>(r, d, v, 0); },
         {"prefrl::value::n_step_bootstrapped_returns", "n"}},
        {"truncated_generalized_advantage_estimation: values as long as rewards",
         [=] { (void)value::truncated_generalized_advantage_estimation<double>(r, d, 0.9, v); },
         {"prefrl::value::truncated_generalized_advantage_estimation", "values"}},
    };
}

std::vector<row> ope_rows() {
    namespace ope = prefrl::ope;
    const std::vector<double> reward = {1.0, 0.0, 1.0}, pscore = {0.5, 0.5, 0.25};
    const std::vector<index_t> action = {0, 1, 1};
    const prefrl::row_matrix<double> dist = prefrl::row_matrix<double>::Constant(3, 2, 0.5), q_hat = prefrl::row_matrix<double>::Zero(3, 2);
    // each row builds its log from its own copies: a bandit_log is a view
    std::vector<row> rows = {
        {"ips: an action out of range",
         [=] {
             const std::vector<index_t> bad = {0, 2, 1};
             (void)ope::ips{}(ope::bandit_log<double>{reward, bad, pscore}, dist);
         },
         {"prefrl::ope::ips", "action[1]"}},
        {"ips: pscore 0",
         [=] {
             const std::vector<double> bad = {0.5, 0.0, 0.25};
             (void)ope::ips{}(ope::bandit_log<double>{reward, action, bad}, dist);
         },
         {"prefrl::ope::ips", "pscore[1]"}},
        {"ips: a NaN reward",
         [=] {
             const std::vector<double> bad = {1.0, nan, 1.0};
             (void)ope::ips{}(ope::bandit_log<double>{bad, action, pscore}, dist);
         },
         {"prefrl::ope::ips", "reward[1]"}},
        {"snips: action_dist of 2 rows for 3 rounds", [=] { (void)ope::snips{}(ope::bandit_log<double>{reward, action, pscore}, dist.topRows(2)); }, {"prefrl::ope::snips", "action_dist"}},
        {"clipped_ips: lambda_ -1", [=] { (void)ope::clipped_ips{.lambda_ = -1.0}(ope::bandit_log<double>{reward, action, pscore}, dist); }, {"prefrl::ope::clipped_ips", "lambda_"}},
        {"clipped_ips: lambda_ NaN", [=] { (void)ope::clipped_ips{.lambda_ = nan}(ope::bandit_log<double>{reward, action, pscore}, dist); }, {"prefrl::ope::clipped_ips", "lambda_"}},
        {"dm: q_hat of 1 column", [=] { (void)ope::dm{}(ope::bandit_log<double>{reward, action, pscore}, dist, q_hat.leftCols(1)); }, {"prefrl::ope::dm", "q_hat"}},
        {"dr: a NaN q_hat",
         [=] {
             prefrl::row_matrix<double> bad = q_hat;
             bad(2, 1) = nan;
             (void)ope::dr{}(ope::bandit_log<double>{reward, action, pscore}, dist, bad);
         },
         {"prefrl::ope::dr", "q_hat"}},
        {"sndr: an empty log", [=] { (void)ope::sndr{}(ope::bandit_log<double>{}, dist.topRows(0), q_hat.topRows(0)); }, {"prefrl::ope::sndr"}},
        {"switch_dr: tau NaN", [=] { (void)ope::switch_dr{.tau = nan}(ope::bandit_log<double>{reward, action, pscore}, dist, q_hat); }, {"prefrl::ope::switch_dr", "tau"}},
    };
    return rows;
}

std::vector<row> kernel_rows() {
    namespace kernel = prefrl::kernel;
    const prefrl::row_matrix<double> logits = prefrl::row_matrix<double>::Zero(2, 3);
    const std::vector<index_t> labels = {0, 2};
    const std::vector<double> mask = {1.0, 1.0}, up = {1.0, 1.0};
    return {
        {"token_logprobs: a label of 3 for vocab 3",
         [=] {
             const std::vector<index_t> bad = {0, 3};
             (void)kernel::token_logprobs(logits, bad, mask);
         },
         {"prefrl::kernel::token_logprobs", "labels[1]"}},
        {"token_logprobs: a NaN mask (a mask is a weight: any finite value)",
         [=] {
             const std::vector<double> bad = {1.0, nan};
             (void)kernel::token_logprobs(logits, labels, bad);
         },
         {"prefrl::kernel::token_logprobs", "mask[1]"}},
        {"token_logprobs: one label for two rows",
         [=] { (void)kernel::token_logprobs(logits, std::span<const index_t>(labels).first(1), mask); },
         {"prefrl::kernel::token_logprobs", "labels"}},
        {"token_logprobs: a NaN logit",
         [=] {
             prefrl::row_matrix<double> bad = logits;
             bad(1, 1) = nan;
             (void)kernel::token_logprobs(bad, labels, mask);
         },
         {"prefrl::kernel::token_logprobs"}},
        {"token_logprobs: no rows", [] { (void)kernel::token_logprobs(prefrl::row_matrix<double>(0, 3), {}, std::span<const double>()); },
         {"prefrl::kernel::token_logprobs"}},
        {"token_logprobs_backward: a NaN upstream",
         [=] {
             const std::vector<double> bad = {1.0, nan};
             (void)kernel::token_logprobs_backward(logits, labels, mask, bad);
         },
         {"prefrl::kernel::token_logprobs_backward", "upstream[1]"}},
        {"token_logprobs_backward: d_logits of another shape",
         [=] {
             prefrl::row_matrix<double> d(2, 2);
             kernel::token_logprobs_backward(logits, labels, mask, up, d);
         },
         {"prefrl::kernel::token_logprobs_backward", "d_logits"}},
    };
}

// Every multi-armed bandit: 0 arms, an arm out of range and a NaN reward in update.
template <class Bandit>
void bandit_rows(std::vector<row>& rows, const std::string& name, std::function<Bandit(index_t)> make) {
    const std::string fn = "prefrl::bandit::" + name;
    rows.push_back({name + ": 0 arms", [make] { (void)make(0); }, {fn}});
    rows.push_back({name + ": update of arm 3 of 3", [make] { make(3).update(3, 0.5); }, {fn + "::update", "3"}});
    rows.push_back({name + ": update of arm -1", [make] { make(3).update(-1, 0.5); }, {fn + "::update", "-1"}});
    rows.push_back({name + ": a NaN reward", [make] { make(3).update(1, nan); }, {fn + "::update", "nan"}});
}

// Every contextual bandit: a context of the wrong size in select and update, an arm out of range.
template <class Bandit>
void contextual_rows(std::vector<row>& rows, const std::string& name, std::function<Bandit()> make) {
    const std::string fn = "prefrl::bandit::" + name;
    rows.push_back({name + ": select with a context of 2 entries for d = 3",
                    [make] {
                        prefrl::generator rng(1);
                        const std::vector<double> x = {1.0, 0.0};
                        (void)make().select(x, rng);
                    },
                    {fn, "context"}});
    rows.push_back({name + ": update with a NaN context",
                    [make] {
                        const std::vector<double> x = {1.0, nan, 0.0};
                        make().update(x, 0, 0.5);
                    },
                    {fn, "context[1]"}});
    rows.push_back({name + ": update of arm 4 of 4",
                    [make] {
                        const std::vector<double> x = {1.0, 0.0, 0.0};
                        make().update(x, 4, 0.5);
                    },
                    {fn, "4"}});
}

std::vector<row> all_bandit_rows() {
    namespace bandit = prefrl::bandit;
    std::vector<row> rows;
    bandit_rows<bandit::ucb1<double>>(rows, "ucb1", [](index_t k) { return bandit::ucb1<double>(k); });
    bandit_rows<bandit::kl_ucb<double>>(rows, "kl_ucb", [](index_t k) { return bandit::kl_ucb<double>(k); });
    bandit_rows<bandit::thompson_beta<double>>(rows, "thompson_beta", [](index_t k) { return bandit::thompson_beta<double>(k); });
    bandit_rows<bandit::thompson_gaussian<double>>(rows, "thompson_gaussian", [](index_t k) { return bandit::thompson_gaussian<double>(k); });
    bandit_rows<bandit::epsilon_greedy<double>>(rows, "epsilon_greedy", [](index_t k) { return bandit::epsilon_greedy<double>(k); });
    bandit_rows<bandit::boltzmann<double>>(rows, "boltzmann", [](index_t k) { return bandit::boltzmann<double>(k); });
    bandit_rows<bandit::exp3<double>>(rows, "exp3", [](index_t k) { return bandit::exp3<double>(k, {.gamma = 0.1}); });
    contextual_rows<bandit::lin_ucb<double>>(rows, "lin_ucb", [] { return bandit::lin_ucb<double>(4, 3); });
    contextual_rows<bandit::lin_ts<double>>(rows, "lin_ts", [] { return bandit::lin_ts<double>(4, 3); });
    contextual_rows<bandit::square_cb<bandit::ridge_oracle<double>>>(
        rows, "square_cb", [] { return bandit::square_cb<bandit::ridge_oracle<double>>(bandit::ridge_oracle<double>(4, 3)); });
    contextual_rows<bandit::oracle_epsilon_greedy<bandit::ridge_oracle<double>>>(rows, "oracle_epsilon_greedy", [] {
        return bandit::oracle_epsilon_greedy<bandit::ridge_oracle<double>>(bandit::ridge_oracle<double>(4, 3));
    });
    return rows;
}

// Every GRPO-family loss type, token and sequence level: 2 completions x 3 steps.
std::vector<row> all_policy_loss_rows() {
    namespace grpo = prefrl::grpo;
    std::vector<row> rows;
    const std::vector<double> lp = {-1.0, -2.0, -0.5, -1.5, -0.7, -3.0}, mask = {1, 1, 0, 1, 1, 1}, adv = {0.5, -1.0},
                              old = {-1.1, -1.9, -0.5, -1.4, -0.8, -2.9}, ref = {-1.2, -2.1, -0.4, -1.6, -0.6, -3.1};
    const std::string fn = "prefrl::grpo::policy_loss";
    for (const auto loss : {grpo::loss_type::grpo, grpo::loss_type::bnpo, grpo::loss_type::dr_grpo, grpo::loss_type::dapo,
                            grpo::loss_type::cispo, grpo::loss_type::sapo})
        for (const auto level : {grpo::importance_sampling::token, grpo::importance_sampling::sequence}) {
            const grpo::policy_loss valid{.loss = loss, .epsilon_high = loss == grpo::loss_type::cispo ? 5.0 : 0.2, .beta = 0.04, .level = level};
            const std::string name = "loss type " + std::to_string(static_cast<int>(loss)) +
                                     (level == grpo::importance_sampling::sequence ? ", sequence level" : ", token level");
            // each row copies the arrays it views (a token_batch is a view)
            auto with = [=](auto edit, grpo::policy_loss l) {
                return [=] {
                    auto lp2 = lp, mask2 = mask, adv2 = adv, old2 = old, ref2 = ref;
                    grpo::token_batch<double> b{2, 3, lp2, mask2, adv2, old2, ref2};
                    edit(b, lp2, mask2, adv2);
                    (void)l(b);
                };
            };
            auto none = [](auto&, auto&, auto&, auto&) {};
            rows.push_back({name + ": logps of 5 entries",
                            with([](auto& b, auto&, auto&, auto&) { b.logps = b.logps.first(5); }, valid), {fn, "logps"}});
            rows.push_back({name + ": a NaN log-prob on an unmasked token",
                            with([](auto& b, auto& l, auto&, auto&) { l[4] = nan; b.logps = l; }, valid), {fn, "logps[4]"}});
            rows.push_back({name + ": a mask of 0.5",
                            with([](auto& b, auto&, auto& m, auto&) { m[1] = 0.5; b.mask = m; }, valid), {fn, "mask[1]"}});
            rows.push_back({name + ": an infinite advantage",
                            with([](auto& b, auto&, auto&, auto& a) { a[1] = inf; b.advantages = a; }, valid), {fn, "advantages[1]"}});
            rows.push_back({name + ": 3 completions declared for 2",
                            with([](auto& b, auto&, auto&, auto&) { b.completions = 3; }, valid), {fn, "completions"}});
            auto l = valid;
            l.beta = inf;
            rows.push_back({name + ": beta +inf", with(none, l), {fn, "beta"}});
            l = valid;
            l.epsilon = nan;
            rows.push_back({name + ": epsilon NaN", with(none, l), {fn, "epsilon"}});
            l = valid;
            l.epsilon_high = inf;
            rows.push_back({name + ": epsilon_high +inf", with(none, l), {fn, "epsilon_high"}});
            rows.push_back({name + ": beta without ref_logps",
                            with([](auto& b, auto&, auto&, auto&) { b.ref_logps = {}; }, valid), {fn, "ref_logps"}});
        }
    const std::vector<double> rewards = {1.0, 0.0, 0.5, 0.2};
    rows.push_back({"group_advantages: group_size 3 for 4 rewards", [=] { (void)grpo::group_advantages<double>(rewards, 3); },
                    {"prefrl::grpo::group_advantages", "group_size"}});
    rows.push_back({"group_advantages: group_size 0", [=] { (void)grpo::group_advantages<double>(rewards, 0); },
                    {"prefrl::grpo::group_advantages", "group_size"}});
    rows.push_back({"rloo_advantages: group_size 1", [=] { (void)grpo::rloo_advantages<double>(rewards, 1); },
                    {"prefrl::grpo::rloo_advantages", "group_size"}});
    rows.push_back({"rloo_advantages: an infinite reward",
                    [] {
                        const std::vector<double> bad = {1.0, inf, 0.5, 0.2};
                        (void)grpo::rloo_advantages<double>(bad, 2);
                    },
                    {"prefrl::grpo::rloo_advantages", "rewards[1]"}});
    rows.push_back({"kl_k3: mismatched sizes",
                    [] {
                        const std::vector<double> a = {-1.0, -2.0}, b = {-1.0};
                        (void)grpo::kl_k3(a, b);
                    },
                    {"prefrl::grpo::kl_k3", "ref_logps"}});
    rows.push_back({"kl_k1: a NaN log-prob",
                    [] {
                        const std::vector<double> a = {-1.0, nan}, b = {-1.0, -2.0};
                        (void)grpo::kl_k1(a, b);
                    },
                    {"prefrl::grpo::kl_k1", "logps[1]"}});
    return rows;
}

// The fused linear kernels, the value-function classes, the optimizer and the tabular policy.
std::vector<row> model_rows() {
    namespace kernel = prefrl::kernel;
    namespace value = prefrl::value;
    const prefrl::row_matrix<double> hidden = prefrl::row_matrix<double>::Ones(3, 2), weight = prefrl::row_matrix<double>::Ones(5, 2);
    const std::vector<index_t> labels = {0, 4, 1};
    const std::vector<double> mask = {1.0, 1.0, 0.0};
    std::vector<row> rows = {
        {"linear_token_logprobs_forward: weight of 3 columns for hidden of 2",
         [=] { (void)kernel::linear_token_logprobs_forward(hidden, prefrl::row_matrix<double>::Ones(5, 3), labels, mask); },
         {"prefrl::kernel::linear_token_logprobs_forward", "weight"}},
        {"linear_token_logprobs_forward: a label of 5 for vocab 5",
         [=] {
             const std::vector<index_t> bad = {0, 5, 1};
             (void)kernel::linear_token_logprobs_forward(hidden, weight, bad, mask);
         },
         {"prefrl::kernel::linear_token_logprobs_forward", "labels[1]"}},
        {"linear_token_logprobs_forward: a NaN hidden state on a used row",
         [=] {
             prefrl::row_matrix<double> bad = hidden;
             bad(1, 0) = nan;
             (void)kernel::linear_token_logprobs_forward(bad, weight, labels, mask);
         },
         {"prefrl::kernel::linear_token_logprobs_forward"}},
        {"linear_token_logprobs_forward: chunk_rows -1",
         [=] { (void)kernel::linear_token_logprobs_forward(hidden, weight, labels, mask, {.chunk_rows = -1}); },
         {"prefrl::kernel::linear_token_logprobs_forward", "chunk_rows"}},
        {"linear_token_logprobs_backward: d_weight of the wrong shape",
         [=] {
             const auto f = kernel::linear_token_logprobs_forward(hidden, weight, labels, mask);
             prefrl::row_matrix<double> dh(3, 2), dw(4, 2);
             const std::vector<double> up = {1.0, 1.0, 1.0};
             kernel::linear_token_logprobs_backward(hidden, weight, labels, mask, up,
                                                    std::span<const double>(f.logsumexp.data(), static_cast<std::size_t>(f.logsumexp.size())), dh, dw);
         },
         {"prefrl::kernel::linear_token_logprobs_backward", "d_weight"}},
        {"tabular_v::update: state 4 of 4", [] { value::tabular_v<double>(4).update(4, 1.0, 0.1); },
         {"prefrl::value::tabular_v::update", "state"}},
        {"tabular_v::update: alpha +inf", [] { value::tabular_v<double>(4).update(1, 1.0, inf); },
         {"prefrl::value::tabular_v::update", "alpha"}},
        {"tabular_q::update: action 2 of 2", [] { value::tabular_q<double>(3, 2).update(0, 2, 1.0, 0.1); },
         {"prefrl::value::tabular_q::update", "action"}},
        {"tabular_q::update: a NaN target", [] { value::tabular_q<double>(3, 2).update(0, 1, nan, 0.1); },
         {"prefrl::value::tabular_q::update", "target"}},
        {"tabular_q::row: state -1", [] { (void)value::tabular_q<double>(3, 2).row(-1); }, {"prefrl::value::tabular_q::row", "state"}},
        {"linear_v::update: 3 features for 2 weights",
         [] {
             value::linear_v<double> v{Eigen::VectorXd::Zero(2)};
             v.update(Eigen::VectorXd::Ones(3), 1.0, 0.1);
         },
         {"prefrl::value::linear_v::update", "features"}},
        {"linear_q::update: alpha NaN",
         [] {
             value::linear_q<double> q{prefrl::row_matrix<double>::Zero(2, 3)};
             q.update(Eigen::VectorXd::Ones(3), 1, 1.0, nan);
         },
         {"prefrl::value::linear_q::update", "alpha"}},
        {"adam::step: 3 gradients for 2 parameters",
         [] {
             prefrl::optim::adam<double> opt(2);
             std::vector<double> p = {1.0, 2.0};
             const std::vector<double> g = {0.1, 0.2, 0.3};
             opt.step(p, g);
         },
         {"prefrl::optim::adam::step", "gradients"}},
        {"adam::step: a NaN gradient",
         [] {
             prefrl::optim::adam<double> opt(2);
             std::vector<double> p = {1.0, 2.0};
             const std::vector<double> g = {0.1, nan};
             opt.step(p, g);
         },
         {"prefrl::optim::adam::step", "gradients[1]"}},
        {"adam: learning_rate +inf", [] { prefrl::optim::adam<double> opt(2, {.learning_rate = inf}); },
         {"prefrl::optim::adam", "learning_rate"}},
        {"tabular_softmax::log_prob: state 3 of 3",
         [] { (void)prefrl::policy::tabular_softmax<double>::uniform(3, 2).log_prob(3, 0); },
         {"prefrl::policy::tabular_softmax::log_prob", "state"}},
        {"tabular_softmax::grad_log_prob: action 2 of 2",
         [] { (void)prefrl::policy::tabular_softmax<double>::uniform(3, 2).grad_log_prob(0, 2); },
         {"prefrl::policy::tabular_softmax::grad_log_prob", "action"}},
        {"tabular_softmax::kl: another shape",
         [] {
             const auto a = prefrl::policy::tabular_softmax<double>::uniform(3, 2), b = prefrl::policy::tabular_softmax<double>::uniform(2, 2);
             (void)a.kl(2, b);
         },
         {"prefrl::policy::tabular_softmax::kl", "other"}},
    };
    return rows;
}

// The offline learners: a 2-state, 2-action dataset; each options field out of range.
std::vector<row> offline_learner_rows() {
    namespace offline = prefrl::offline;
    auto data = [] {
        offline::transition_dataset<double> d;
        d.observations = prefrl::row_matrix<double>::Zero(2, 1);
        d.observations(1, 0) = 1.0;
        d.actions = prefrl::row_matrix<double>::Zero(2, 1);
        d.actions(1, 0) = 1.0;
        d.rewards = Eigen::Vector2d(0.0, 1.0);
        d.next_observations = prefrl::row_matrix<double>::Ones(2, 1);
        d.terminals = {0, 1};
        d.timeouts = {0, 0};
        d.episode_starts = {1, 0};
        return d;
    };
    return {
        {"tabular_cql: iterations 0 (returned zeros)", [=] { (void)offline::tabular_cql<double>(data(), 2, 2, {.iterations = 0}); },
         {"prefrl::offline::tabular_cql", "iterations"}},
        {"tabular_cql: alpha +inf", [=] { (void)offline::tabular_cql<double>(data(), 2, 2, {.alpha = inf}); },
         {"prefrl::offline::tabular_cql", "alpha"}},
        {"tabular_iql: temperature NaN", [=] { (void)offline::tabular_iql<double>(data(), 2, 2, {.temperature = nan}); },
         {"prefrl::offline::tabular_iql", "temperature"}},
        {"tabular_iql: 1 state for a dataset with state 1", [=] { (void)offline::tabular_iql<double>(data(), 1, 2); },
         {"prefrl::offline::tabular_iql", "state"}},
        {"tabular_odice: learning_rate 0 (named adam)", [=] { (void)offline::tabular_odice<double>(data(), 2, 2, {.learning_rate = 0.0}); },
         {"prefrl::offline::tabular_odice", "learning_rate"}},
        {"linear_bc: bc_steps -1", [=] { (void)offline::linear_bc<double>(data(), 2, {.bc_steps = -1}); },
         {"prefrl::offline::linear_bc", "bc_steps"}},
        {"linear_cql: inner_steps 0", [=] { (void)offline::linear_cql<double>(data(), 2, {.inner_steps = 0}); },
         {"prefrl::offline::linear_cql", "inner_steps"}},
        {"linear_odice: a policy ridge of -1", [=] { (void)offline::linear_odice<double>(data(), 2, {}, {.ridge = -1.0}); },
         {"prefrl::offline::linear_odice", "ridge"}},
    };
}

}  // namespace

TEST_CASE("the offline learners check every option and the dataset's states and actions", "[robustness][errors]") {
    check(offline_learner_rows());
}

TEST_CASE("the fused linear kernels, value functions, Adam and the tabular policy refuse bad input by name", "[robustness][errors]") {
    check(model_rows());
}

TEST_CASE("every GRPO-family loss type, token and sequence level, refuses bad batches and hyperparameters by name", "[robustness][errors]") {
    check(all_policy_loss_rows());
}

TEST_CASE("every bandit refuses 0 arms, an arm out of range and NaN rewards, every contextual bandit a bad context", "[robustness][errors]") {
    check(all_bandit_rows());
}

TEST_CASE("every pair loss refuses an empty batch, mismatched sizes, NaN, infinite hyperparameters and float overflow", "[robustness][errors]") {
    check(all_pair_loss_rows());
}

TEST_CASE("every pair loss still accepts the full valid batch, in float and double", "[robustness]") {
    // the battery's batch is valid for every loss: the refusals above come from the bad input alone
    const auto check_valid = [](const auto& loss) {
        const auto d = loss(full_batch<double>{}.view());
        const auto f = loss(full_batch<float>{}.view());
        CHECK(std::isfinite(d.value));
        CHECK(std::isfinite(f.value));
    };
    check_valid(pref::dpo{});
    check_valid(pref::robust_dpo{.label_smoothing = 0.1});
    check_valid(pref::hinge{});
    check_valid(pref::ipo{});
    check_valid(pref::exo{});
    check_valid(pref::nca{});
    check_valid(pref::sppo_hard{});
    check_valid(pref::bco{});
    check_valid(pref::apo_zero{});
    check_valid(pref::apo_down{});
    check_valid(pref::discopop{});
    check_valid(pref::dpo_norm{});
    check_valid(pref::aot{});
    check_valid(pref::aot_unpaired{});
    check_valid(pref::simpo{});
    check_valid(pref::orpo{});
    check_valid(pref::sppo{});
    check_valid(pref::inpo{});
    check_valid(pref::dno{});
}

TEST_CASE("every offline value loss, CQL, TD3+BC and ODICE's projection refuse bad input by name", "[robustness][errors]") {
    check(offline_rows());
}

TEST_CASE("every TD error and return refuses bad actions, discounts, sizes and NaN by name", "[robustness][errors]") {
    check(td_rows());
}

TEST_CASE("every off-policy estimator refuses bad logs, policies and parameters by name", "[robustness][errors]") {
    check(ope_rows());
}

TEST_CASE("the token kernels refuse bad labels, masks, shapes and non-finite values by name", "[robustness][errors]") {
    check(kernel_rows());
}
