// Every pairwise loss: PyTorch golden vectors, central differences, hand values, bad input;
// float and double.

#include <catch2/catch.hpp>

#include <prefrl/core/concepts.hpp>
#include <prefrl/core/random.hpp>
#include <prefrl/preference.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <span>
#include <type_traits>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "laws/gradient_laws.hpp"
#include "support/compare.hpp"
#include "support/golden.hpp"

namespace pref = prefrl::preference;

namespace {

// Owns the storage a pair_batch views.
template <class T>
struct batch_data {
    std::vector<T> chosen, rejected, ref_chosen, ref_rejected, chosen_length, rejected_length;
    std::vector<T> anchor_chosen = {}, anchor_rejected = {}, win_chosen = {}, win_rejected = {}, target = {};
    pref::pair_batch<T> view() const {
        return {chosen, rejected, ref_chosen, ref_rejected, chosen_length, rejected_length,
                anchor_chosen, anchor_rejected, win_chosen, win_rejected, target};
    }
};

template <class T>
batch_data<T> from_golden(const nlohmann::json& inputs) {
    auto field = [&](const char* key) {
        return inputs.contains(key) && !inputs[key].is_null() ? prefrl::test::as_vector<T>(inputs[key]) : std::vector<T>{};
    };
    return {field("chosen"),        field("rejected"),        field("ref_chosen"), field("ref_rejected"),
            field("chosen_len"),    field("rejected_len"),    field("anchor_chosen"), field("anchor_rejected"),
            field("win_chosen"),    field("win_rejected"),    field("target")};
}

template <class T>
using loss_fn = std::function<pref::pair_loss_result<T>(const pref::pair_batch<T>&)>;

// The golden vectors' loss names, mapped to prefrl's losses with the golden parameters.
template <class T>
std::map<std::string, loss_fn<T>> losses_for(const nlohmann::json& p) {
    auto get = [&](const char* key, double fallback) { return p.contains(key) ? p[key].get<double>() : fallback; };
    const double beta = get("beta", 0.1), eps = get("label_smoothing", 0.0);
    pref::f_divergence divergence = pref::f_divergence::reverse_kl;
    if (p.contains("f_divergence")) {
        const auto name = p["f_divergence"].get<std::string>();
        divergence = name == "forward_kl"      ? pref::f_divergence::forward_kl
                     : name == "js_divergence" ? pref::f_divergence::js_divergence
                                               : pref::f_divergence::alpha_divergence;
    }
    const pref::dpo dpo{.beta = beta, .label_smoothing = eps, .divergence = divergence, .alpha = get("alpha", 1.0)};
    return {
        {"sigmoid", dpo},
        {"sigmoid_forward_kl", dpo},
        {"sigmoid_js_divergence", dpo},
        {"sigmoid_alpha_divergence", dpo},
        {"cdpo", dpo},
        {"robust", pref::robust_dpo{.beta = beta, .label_smoothing = eps}},
        {"hinge", pref::hinge{.beta = beta}},
        {"ipo", pref::ipo{.beta = beta, .length_normalize = p.value("length_normalize", true)}},
        {"ipo_summed", pref::ipo{.beta = beta, .length_normalize = p.value("length_normalize", false)}},
        {"exo_pair", pref::exo{.beta = beta, .label_smoothing = get("label_smoothing", 1e-3)}},
        {"nca_pair", pref::nca{.beta = beta}},
        {"bco_pair", pref::bco{.beta = beta, .delta = get("delta", 0.0)}},
        {"sppo_hard", pref::sppo_hard{.beta = beta}},
        {"apo_zero", pref::apo_zero{.beta = beta}},
        {"apo_down", pref::apo_down{.beta = beta}},
        {"discopop", pref::discopop{.beta = beta, .tau = get("tau", 0.05)}},
        {"sigmoid_norm", pref::dpo_norm{.beta = beta}},
        {"simpo", pref::simpo{.beta = get("beta", 2.0), .gamma = get("gamma", 0.5)}},
        {"orpo_odds_ratio", pref::orpo{.lambda_ = get("lambda", 0.1)}},
        {"sppo", pref::sppo{.beta = get("beta", 0.001)}},
        {"inpo", pref::inpo{.eta = get("eta", 0.005), .tau = get("tau", 0.005 / 3)}},
        {"dno", pref::dno{.eta = get("eta", 0.1)}},
        {"aot", pref::aot{.beta = beta, .label_smoothing = eps}},
        {"aot_unpaired", pref::aot_unpaired{.beta = beta, .label_smoothing = eps}},
    };
}

}  // namespace

static_assert(prefrl::check_pairwise_loss<pref::dpo, pref::pair_batch<double>>());
static_assert(prefrl::check_pairwise_loss<pref::simpo, pref::pair_batch<float>>());
static_assert(prefrl::check_pairwise_loss<pref::orpo, pref::pair_batch<float>>());

TEMPLATE_TEST_CASE("pair losses match the PyTorch golden vectors", "[preference][golden]", float, double) {
    using T = TestType;
    int checked = 0;
    for (const auto& c : prefrl::test::golden()["pair_losses"]) {
        const auto name = c["loss"].get<std::string>();
        auto losses = losses_for<T>(c["params"]);
        if (!losses.count(name)) continue;  // vpo: its own test
        INFO("golden case " << name << " " << c["params"].dump());
        const auto data = from_golden<T>(c["inputs"]);
        const auto r = losses.at(name)(data.view());
        prefrl::test::require_close<T>(std::vector<T>{r.value}, std::vector<double>{c["value"].get<double>()});
        prefrl::test::require_close<T>(r.d_chosen, c["d_chosen"].get<std::vector<double>>());
        prefrl::test::require_close<T>(r.d_rejected, c["d_rejected"].get<std::vector<double>>());
        ++checked;
    }
    REQUIRE(checked == 24);
}

TEMPLATE_TEST_CASE("pair loss gradients match central differences", "[preference]", float, double) {
    using T = TestType;
    const auto& golden_inputs = prefrl::test::golden()["pair_losses"][0]["inputs"];
    const auto base = from_golden<T>(golden_inputs);
    nlohmann::json params = {{"beta", 0.1}, {"label_smoothing", 0.1}, {"delta", 0.05}, {"tau", 0.05}, {"eta", 0.1}};
    for (const char* divergence : {"reverse_kl", "forward_kl", "js_divergence", "alpha_divergence"}) {
        if (std::string(divergence) != "reverse_kl") params["f_divergence"] = divergence;
        params["alpha"] = 0.5;
        for (const auto& [name, loss] : losses_for<T>(params)) {
            INFO("loss " << name << ", divergence " << divergence);
            const auto r = loss(base.view());
            for (int side = 0; side < 2; ++side) {
                auto f = [&](const prefrl::vector<T>& x) {
                    batch_data<T> probe = base;
                    auto& field = side == 0 ? probe.chosen : probe.rejected;
                    for (std::size_t i = 0; i < field.size(); ++i) field[i] = x[static_cast<Eigen::Index>(i)];
                    return loss(probe.view()).value;
                };
                const auto& field = side == 0 ? base.chosen : base.rejected;
                const prefrl::vector<T> x = prefrl::as_eigen<T>(field);
                prefrl::laws::check_gradient<T>(f, x, side == 0 ? r.d_chosen : r.d_rejected);
            }
        }
    }
}

TEMPLATE_TEST_CASE("VPO matches the golden vectors, online and offline", "[preference][golden]", float, double) {
    using T = TestType;
    int checked = 0;
    for (const auto& c : prefrl::test::golden()["pair_losses"]) {
        if (c["loss"] != "vpo") continue;
        const auto& p = c["params"];
        const pref::vpo loss{.beta = p["beta"].get<double>(), .alpha = p["alpha"].get<double>(),
                             .mode = p["mode"] == "online" ? pref::vpo_mode::online : pref::vpo_mode::offline};
        const auto data = from_golden<T>(c["inputs"]);
        const auto calibration = prefrl::test::as_vector<T>(c["inputs"]["calibration"]);
        const auto r = loss(data.view(), std::span<const T>(calibration));
        prefrl::test::require_close<T>(std::vector<T>{r.value}, std::vector<double>{c["value"].get<double>()});
        prefrl::test::require_close<T>(r.d_chosen, c["d_chosen"].get<std::vector<double>>());
        prefrl::test::require_close<T>(r.d_rejected, c["d_rejected"].get<std::vector<double>>());
        prefrl::test::require_close<T>(r.d_calibration, c["d_calibration"].get<std::vector<double>>());
        ++checked;
    }
    REQUIRE(checked == 2);
}

TEST_CASE("DPO by hand: one pair, and TRL's metrics") {
    // c - c0 = -1 - (-2) = 1, r - r0 = -3 - (-2.5) = -0.5, u = 0.1 * 1.5 = 0.15
    const std::vector<double> c{-1.0}, r{-3.0}, c0{-2.0}, r0{-2.5};
    const auto res = pref::dpo{.beta = 0.1}(pref::pair_batch<double>{c, r, c0, r0});
    CHECK(res.value == Approx(std::log1p(std::exp(-0.15))).epsilon(1e-15));
    CHECK(res.d_chosen[0] == Approx(-0.1 / (1 + std::exp(0.15))).epsilon(1e-15));
    CHECK(res.d_rejected[0] == Approx(0.1 / (1 + std::exp(0.15))).epsilon(1e-15));
    CHECK(res.rewards_chosen == Approx(0.1));
    CHECK(res.rewards_rejected == Approx(-0.05));
    CHECK(res.rewards_margins == Approx(0.15));
    CHECK(res.rewards_accuracies == 1.0);
    CHECK(res.logps_chosen == -1.0);
    CHECK(res.logps_rejected == -3.0);
    // IPO summed: (1.5 - 5)^2 = 12.25; d/dc = 2 (-3.5) = -7
    const auto ipo = pref::ipo{.beta = 0.1, .length_normalize = false}(pref::pair_batch<double>{c, r, c0, r0});
    CHECK(ipo.value == Approx(12.25));
    CHECK(ipo.d_chosen[0] == Approx(-7.0));
    CHECK(ipo.d_rejected[0] == Approx(7.0));
    // hinge: u = 0.15 < 1: loss 0.85, d/dc = -beta
    const auto h = pref::hinge{.beta = 0.1}(pref::pair_batch<double>{c, r, c0, r0});
    CHECK(h.value == Approx(0.85));
    CHECK(h.d_chosen[0] == Approx(-0.1));
}

TEMPLATE_TEST_CASE("extreme but valid inputs give finite, exact values", "[preference]", float, double) {
    using T = TestType;
    // log-probs near -400 and margins of 1e3
    const std::vector<T> c{T(-400), T(-1)}, r{T(-1), T(-400)}, c0{T(-1), T(-1)}, r0{T(-1), T(-1)};
    const std::vector<T> len{T(10), T(10)};
    const pref::pair_batch<T> b{c, r, c0, r0, len, len};
    for (auto beta : {0.1, 10.0}) {
        const auto d = pref::dpo{.beta = beta}(b);
        REQUIRE(std::isfinite(d.value));
        // pair 0: u = -39.9 beta -> -log_sigmoid(u) = softplus(-u) ~ -u; pair 1: ~ 0
        CHECK(d.value == Approx(0.5 * (prefrl::softplus(399.0 * beta) + prefrl::softplus(-399.0 * beta))));
        const auto dp = pref::discopop{.beta = beta}(b);
        CHECK(std::isfinite(dp.value));
        CHECK(dp.d_chosen.allFinite());
        CHECK(pref::exo{.beta = beta}(b).d_chosen.allFinite());
        // forward KL: s(a) = -exp(-a) with a = -399 saturates at -max(T) (TRL's cap_exp);
        // beta * max(T) itself overflows float for beta = 10, as it does in TRL.
        if (beta < 1 || std::is_same_v<T, double>) {
            const auto fkl = pref::dpo{.beta = beta, .divergence = pref::f_divergence::forward_kl}(b);
            CHECK(std::isfinite(fkl.value));
            if constexpr (std::is_same_v<T, float>) {
                CHECK(fkl.d_chosen[0] == T(0));  // exp(399) is beyond float's cap: gradient 0, as TRL's clamp
            } else {
                CHECK(fkl.d_chosen.allFinite());  // exp(399) fits in double: the exact, huge gradient
            }
        }
    }
}

TEST_CASE("bad input throws, naming the loss and the field") {
    const std::vector<double> c{-1.0, -2.0}, r{-3.0, -1.0}, c0{-2.0, -2.0}, r0{-2.5, -1.0};
    const pref::pair_batch<double> b{c, r, c0, r0};
    REQUIRE_THROWS_WITH(pref::dpo{.beta = -0.5}(b), "prefrl::preference::dpo: beta must be > 0, got -0.5");
    REQUIRE_THROWS_WITH(pref::dpo{.label_smoothing = 0.5}(b),
                        "prefrl::preference::dpo: label_smoothing must be in [0, 0.5), got 0.5");
    REQUIRE_THROWS_WITH(pref::exo{.label_smoothing = 0.0}(b),
                        "prefrl::preference::exo: label_smoothing must be in (0, 0.5), got 0");
    REQUIRE_THROWS_WITH(pref::discopop{.tau = 0.0}(b), "prefrl::preference::discopop: tau must be > 0, got 0");
    REQUIRE_THROWS_WITH(pref::ipo{}(b),
                        "prefrl::preference::ipo: chosen_length is required by this loss but was not given");
    REQUIRE_THROWS_WITH(pref::simpo{}(b),
                        "prefrl::preference::simpo: chosen_length is required by this loss but was not given");
    const std::vector<double> short_r{-3.0};
    REQUIRE_THROWS_WITH(pref::dpo{}(pref::pair_batch<double>{c, short_r, c0, r0}),
                        "prefrl::preference::dpo: rejected has 1 entries but chosen has 2");
    REQUIRE_THROWS_WITH(pref::dpo{}(pref::pair_batch<double>{{}, {}, {}, {}}),
                        "prefrl::preference::dpo: chosen must not be empty");
    const std::vector<double> nan_c{-1.0, std::numeric_limits<double>::quiet_NaN()};
    REQUIRE_THROWS_WITH(pref::hinge{}(pref::pair_batch<double>{nan_c, r, c0, r0}),
                        "prefrl::preference::hinge: chosen[1] must be finite, got nan");
    const std::vector<double> zero_len{4.0, 0.0};
    REQUIRE_THROWS_WITH(pref::dpo_norm{}(pref::pair_batch<double>{c, r, c0, r0, zero_len, zero_len}),
                        "prefrl::preference::dpo_norm: chosen_length[1] must be > 0, got 0");
    REQUIRE_THROWS_WITH(pref::dpo{}(pref::pair_batch<double>{c, r, {}, r0}),
                        "prefrl::preference::dpo: ref_chosen is required by this loss but was not given");
    const std::vector<double> len{3.0, 3.0}, certain{0.0, -1.0};
    REQUIRE_THROWS_WITH(pref::orpo{}(pref::pair_batch<double>{certain, r, {}, {}, len, len}),
                        "prefrl::preference::orpo: chosen[0] must be < 0 (a log-probability), got 0");
    REQUIRE_NOTHROW(pref::simpo{}(pref::pair_batch<double>{c, r, {}, {}, len, len}));  // reference-free
    REQUIRE_THROWS_WITH(pref::inpo{}(b), "prefrl::preference::inpo: anchor_chosen is required by this loss but was not given");
    REQUIRE_THROWS_WITH((pref::inpo{.eta = 0.01, .tau = 0.02}(b)),
                        "prefrl::preference::inpo: tau must be in [0, 0.01], got 0.02");
    const std::vector<double> bad_target{0.5, 1.5};
    REQUIRE_THROWS_WITH(pref::dno{}(pref::pair_batch<double>{.chosen = c, .rejected = r, .anchor_chosen = c0,
                                                             .anchor_rejected = r0, .target = bad_target}),
                        "prefrl::preference::dno: target[1] must be a probability in [0, 1], got 1.5");
    REQUIRE_THROWS_WITH(pref::vpo{}(b, std::span<const double>{}), "prefrl::preference::vpo: calibration must not be empty");
    pref::pair_batch<double> weighted = b;
    const std::vector<double> negative{1.0, -0.5}, halves{0.5, 0.5};
    weighted.weight = negative;
    REQUIRE_THROWS_WITH(pref::dpo{}(weighted), "prefrl::preference::dpo: weight[1] must be >= 0, got -0.5");
    weighted.weight = halves;  // weights scale value and gradients
    CHECK(pref::dpo{}(weighted).value == Approx(0.5 * pref::dpo{}(b).value));
    CHECK(pref::dpo{}(weighted).d_chosen[1] == Approx(0.5 * pref::dpo{}(b).d_chosen[1]));
    REQUIRE_THROWS_WITH(pref::aot{}(weighted),
                        "prefrl::preference::aot: weight is not supported: AOT matches pairs by sorting, not by index");
}

TEMPLATE_TEST_CASE("KTO matches the golden vectors", "[preference][golden]", float, double) {
    using T = TestType;
    const auto& c = prefrl::test::golden()["unpaired_losses"][0];
    REQUIRE(c["loss"] == "kto");
    const auto& in = c["inputs"];
    const auto policy = prefrl::test::as_vector<T>(in["policy"]), reference = prefrl::test::as_vector<T>(in["reference"]);
    const auto kl_policy = prefrl::test::as_vector<T>(in["kl_policy"]);
    const auto kl_reference = prefrl::test::as_vector<T>(in["kl_reference"]);
    const auto flags = in["desirable"].get<std::vector<bool>>();
    const std::unique_ptr<bool[]> desirable(new bool[flags.size()]);  // std::vector<bool> has no span
    std::copy(flags.begin(), flags.end(), desirable.get());
    const pref::kto loss{.beta = c["params"]["beta"].get<double>(),
                         .desirable_weight = c["params"]["desirable_weight"].get<double>(),
                         .undesirable_weight = c["params"]["undesirable_weight"].get<double>()};
    const auto r = loss(std::span<const T>(policy), std::span<const T>(reference), std::span<const T>(kl_policy),
                        std::span<const T>(kl_reference), std::span<const bool>(desirable.get(), flags.size()));
    prefrl::test::require_close<T>(std::vector<T>{r.value}, std::vector<double>{c["value"].get<double>()});
    CHECK(static_cast<double>(r.z0) == Approx(c["z0"].get<double>()).margin(1e-12));
    prefrl::test::require_close<T>(r.d_policy, c["d_policy"].get<std::vector<double>>());
    // TRL's metrics, by hand: means of beta * (policy - reference) and of policy per group
    double sum_reward[2] = {0, 0}, sum_logp[2] = {0, 0}, count[2] = {0, 0};
    for (std::size_t i = 0; i < flags.size(); ++i) {
        const int g = flags[i] ? 0 : 1;
        sum_reward[g] += loss.beta * (static_cast<double>(policy[i]) - static_cast<double>(reference[i]));
        sum_logp[g] += static_cast<double>(policy[i]);
        count[g] += 1;
    }
    REQUIRE((count[0] > 0 && count[1] > 0));
    const double eps = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    CHECK(static_cast<double>(r.rewards_chosen) == Approx(sum_reward[0] / count[0]).epsilon(eps));
    CHECK(static_cast<double>(r.rewards_rejected) == Approx(sum_reward[1] / count[1]).epsilon(eps));
    CHECK(static_cast<double>(r.rewards_margins) == Approx(sum_reward[0] / count[0] - sum_reward[1] / count[1]).epsilon(eps));
    CHECK(static_cast<double>(r.logps_chosen) == Approx(sum_logp[0] / count[0]).epsilon(eps));
    CHECK(static_cast<double>(r.logps_rejected) == Approx(sum_logp[1] / count[1]).epsilon(eps));
    // an empty group: NaN, as torch's mean of no elements (TRL logs nothing then)
    const bool all_desirable[2] = {true, true};
    const auto only = loss(std::span<const T>(policy).first(2), std::span<const T>(reference).first(2), std::span<const T>(kl_policy),
                           std::span<const T>(kl_reference), std::span<const bool>(all_desirable, 2));
    CHECK(std::isnan(only.rewards_rejected));
    CHECK(std::isnan(only.rewards_margins));
    CHECK(std::isfinite(only.rewards_chosen));

    // central differences in the policy log-probs (z0 is detached: kl inputs fixed)
    auto f = [&](const prefrl::vector<T>& x) {
        return loss(std::span<const T>(x.data(), policy.size()), std::span<const T>(reference),
                    std::span<const T>(kl_policy), std::span<const T>(kl_reference),
                    std::span<const bool>(desirable.get(), flags.size()))
            .value;
    };
    prefrl::laws::check_gradient<T>(f, prefrl::as_eigen<T>(policy), r.d_policy);
    REQUIRE_THROWS_WITH(loss(std::span<const T>(policy), std::span<const T>(reference), std::span<const T>(kl_policy),
                             std::span<const T>(kl_reference), std::span<const bool>(desirable.get(), 2)),
                        "prefrl::preference::kto: desirable has 2 entries but policy has 9");
}

TEMPLATE_TEST_CASE("a weighted sum of losses sums values and gradients", "[preference]", float, double) {
    using T = TestType;
    const auto data = from_golden<T>(prefrl::test::golden()["pair_losses"][0]["inputs"]);
    const pref::weighted_sum mpo{std::pair{0.8, pref::dpo{}}, std::pair{0.2, pref::bco{.delta = 0.05}}};
    static_assert(prefrl::check_pairwise_loss<decltype(mpo), pref::pair_batch<T>>());
    const auto r = mpo(data.view());
    const auto d = pref::dpo{}(data.view());
    const auto b = pref::bco{.delta = 0.05}(data.view());
    const double tol = std::is_same_v<T, double> ? 1e-12 : 1e-5;
    CHECK(static_cast<double>(r.value) == Approx(0.8 * double(d.value) + 0.2 * double(b.value)).epsilon(tol));
    for (Eigen::Index i = 0; i < r.d_chosen.size(); ++i) {
        CHECK(static_cast<double>(r.d_chosen[i]) ==
              Approx(0.8 * double(d.d_chosen[i]) + 0.2 * double(b.d_chosen[i])).epsilon(tol).margin(1e-7));
        CHECK(static_cast<double>(r.d_rejected[i]) ==
              Approx(0.8 * double(d.d_rejected[i]) + 0.2 * double(b.d_rejected[i])).epsilon(tol).margin(1e-7));
    }
    CHECK(r.rewards_margins == d.rewards_margins);  // metrics: the first term's
    REQUIRE_THROWS_WITH((pref::weighted_sum{std::pair{std::nan(""), pref::dpo{}}}(data.view())),
                        "prefrl::preference::weighted_sum: weight must be finite, got nan");
}

TEMPLATE_TEST_CASE("DPO from logits matches the golden case", "[preference][golden]", float, double) {
    using T = TestType;
    const nlohmann::json* found = nullptr;
    for (const auto& k : prefrl::test::golden()["kernels"])
        if (k["kernel"] == "dpo_from_logits") found = &k;
    REQUIRE(found != nullptr);
    const auto& c = *found;
    const auto pairs = c["pairs"].get<Eigen::Index>(), steps = c["steps"].get<Eigen::Index>();
    const auto vocab = c["vocab"].get<Eigen::Index>();
    const auto flat = prefrl::test::as_vector<T>(c["logits"]);
    const prefrl::row_matrix<T> logits = Eigen::Map<const prefrl::row_matrix<T>>(flat.data(), 2 * pairs * steps, vocab);
    const auto labels = c["labels"].get<std::vector<prefrl::index_t>>();
    const auto mask = prefrl::test::as_vector<T>(c["mask"]);
    const auto reference = prefrl::test::as_vector<T>(c["reference"]);
    const std::span<const T> ref(reference);

    const auto r = pref::from_logits(pref::dpo{.beta = c["beta"].get<double>()}, logits, labels, mask,
                                     ref.first(static_cast<std::size_t>(pairs)),
                                     ref.last(static_cast<std::size_t>(pairs)), steps);
    prefrl::test::require_close<T>(std::vector<T>{r.value}, std::vector<double>{c["value"].get<double>()});
    prefrl::test::require_close<T>(r.sequence_logprobs, c["sequence_logprobs"].get<std::vector<double>>());
    const prefrl::vector<T> d = r.d_logits.template reshaped<Eigen::RowMajor>();
    prefrl::test::require_close<T>(d, c["d_logits"].get<std::vector<double>>());

    // the overload writing into the caller's buffer gives the same gradient
    prefrl::row_matrix<T> buffer = prefrl::row_matrix<T>::Constant(logits.rows(), logits.cols(), T(3));
    const auto r2 = pref::from_logits(pref::dpo{.beta = c["beta"].get<double>()}, logits, labels, mask,
                                      ref.first(static_cast<std::size_t>(pairs)),
                                      ref.last(static_cast<std::size_t>(pairs)), steps, buffer);
    CHECK(r2.d_logits.size() == 0);
    CHECK(buffer == r.d_logits);
    // TRL's logits/chosen and logits/rejected: chosen_logits[chosen_mask.bool()].mean(-1).sum() / chosen_mask.sum()
    double sums[2] = {0, 0}, tokens[2] = {0, 0};
    for (Eigen::Index row = 0; row < logits.rows(); ++row) {
        if (mask[static_cast<std::size_t>(row)] == T(0)) continue;
        const int side = row < pairs * steps ? 0 : 1;
        sums[side] += logits.row(row).template cast<double>().mean();
        tokens[side] += 1;
    }
    CHECK(static_cast<double>(r.logits_chosen) == Approx(sums[0] / tokens[0]).margin(std::is_same_v<T, float> ? 1e-6 : 1e-13));
    CHECK(static_cast<double>(r.logits_rejected) == Approx(sums[1] / tokens[1]).margin(std::is_same_v<T, float> ? 1e-6 : 1e-13));
    CHECK(r.logits_chosen != r.logits_rejected);
    CHECK(r2.logits_chosen == r.logits_chosen);
    REQUIRE_THROWS_WITH(pref::from_logits(pref::dpo{}, logits, labels, mask, ref.first(2), ref.last(3), steps),
                        "prefrl::preference::from_logits: ref_chosen has 2 entries but pairs has 3");
    REQUIRE_THROWS_WITH(pref::from_logits(pref::dpo{}, logits, labels, mask, ref.first(3), ref.last(3), 4),
                        "prefrl::preference::from_logits: logits has 30 rows, not a positive multiple of 2 * steps = 8");
    // a reference-free loss takes empty references; a loss that reads them says they are missing
    const auto simpo = pref::from_logits(pref::simpo{}, logits, labels, mask, {}, {}, steps);
    const auto simpo_with = pref::from_logits(pref::simpo{}, logits, labels, mask, ref.first(static_cast<std::size_t>(pairs)),
                                              ref.last(static_cast<std::size_t>(pairs)), steps);
    CHECK(simpo.value == simpo_with.value);
    REQUIRE_THROWS_WITH(pref::from_logits(pref::dpo{}, logits, labels, mask, {}, {}, steps),
                        Catch::Matchers::Contains("ref_chosen is required by this loss but was not given"));
    REQUIRE_THROWS_WITH(pref::from_logits(pref::dpo{}, logits, labels, mask, ref.first(3), {}, steps),
                        "prefrl::preference::from_logits: ref_rejected has 0 entries but pairs has 3");
}

// ---- the block-vectorized path: many blocks and tasks, a ragged tail, SIMD math ----------

namespace {

// A large batch with every field, log-probs spread from -400 to near 0 and margins up to
// ~1e3 beta, so every block mixes ordinary and extreme pairs.
template <class T>
batch_data<T> large_batch(std::size_t n, std::uint64_t seed) {
    prefrl::generator rng(seed);
    batch_data<T> d;
    for (std::size_t i = 0; i < n; ++i) {
        const double spread = i % 97 == 0 ? 150.0 : 8.0;
        auto logp = [&](double centre) { return static_cast<T>(std::min(-1e-3, centre + spread * prefrl::normal<double>(rng))); };
        d.chosen.push_back(logp(-40.0));
        d.rejected.push_back(logp(-45.0));
        d.ref_chosen.push_back(logp(-40.0));
        d.ref_rejected.push_back(logp(-45.0));
        d.chosen_length.push_back(static_cast<T>(1 + prefrl::uniform_index(200, rng)));
        d.rejected_length.push_back(static_cast<T>(1 + prefrl::uniform_index(200, rng)));
        d.anchor_chosen.push_back(static_cast<T>(static_cast<double>(d.chosen.back()) + prefrl::normal<double>(rng)));
        d.anchor_rejected.push_back(static_cast<T>(static_cast<double>(d.rejected.back()) + prefrl::normal<double>(rng)));
        d.win_chosen.push_back(static_cast<T>(prefrl::uniform01<double>(rng)));
        d.win_rejected.push_back(static_cast<T>(prefrl::uniform01<double>(rng)));
        d.target.push_back(static_cast<T>(prefrl::uniform01<double>(rng)));
    }
    return d;
}

// Pair i alone, in double (a batch of one runs Eigen's scalar path, not the SIMD one).
template <class T>
batch_data<double> single_pair(const batch_data<T>& d, std::size_t i) {
    auto at = [&](const std::vector<T>& v) { return std::vector<double>{static_cast<double>(v[i])}; };
    return {at(d.chosen),        at(d.rejected),        at(d.ref_chosen),    at(d.ref_rejected),
            at(d.chosen_length), at(d.rejected_length), at(d.anchor_chosen), at(d.anchor_rejected),
            at(d.win_chosen),    at(d.win_rejected),    at(d.target)};
}

}  // namespace

TEMPLATE_TEST_CASE("large batches equal the mean of their pairs evaluated one at a time", "[preference][blocks]", float,
                   double) {
    using T = TestType;
    const std::size_t n = 2 * 4096 + 300 + 37;  // two full parallel tasks, then a partial one with a ragged block
    const auto data = large_batch<T>(n, 11);
    const nlohmann::json params = {{"beta", 0.1}, {"label_smoothing", 0.1}, {"delta", 0.05}, {"tau", 0.05}, {"eta", 0.1}};
    const auto losses = losses_for<T>(params);
    const auto reference = losses_for<double>(params);
    for (const auto& [name, loss] : losses) {
        if (name.rfind("aot", 0) == 0) continue;  // AOT couples pairs through its sort
        INFO("loss " << name);
        const auto r = loss(data.view());
        std::vector<double> d_chosen(n), d_rejected(n);
        double value = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto one = reference.at(name)(single_pair(data, i).view());
            value += one.value;
            d_chosen[i] = one.d_chosen[0] / static_cast<double>(n);
            d_rejected[i] = one.d_rejected[0] / static_cast<double>(n);
        }
        prefrl::test::require_close<T>(std::vector<T>{r.value}, std::vector<double>{value / static_cast<double>(n)});
        prefrl::test::require_close<T>(r.d_chosen, d_chosen);
        prefrl::test::require_close<T>(r.d_rejected, d_rejected);
    }
}

TEMPLATE_TEST_CASE("the caller-buffer overloads write what the allocating ones return", "[preference][blocks]", float,
                   double) {
    using T = TestType;
    const std::size_t n = 1000;
    const auto data = large_batch<T>(n, 12);
    for (const auto& [name, loss] : losses_for<T>({{"beta", 0.1}})) {
        INFO("loss " << name);
        const auto expected = loss(data.view());
        std::vector<T> d_chosen(n, T(7)), d_rejected(n, T(7));
        auto call = [&](const auto& typed_loss) -> pref::pair_loss_metrics<T> {
            return typed_loss(data.view(), std::span<T>(d_chosen), std::span<T>(d_rejected));
        };
        // the table erases the type; rebuild the two most used losses and check them exactly
        if (name == "sigmoid") {
            const auto m = call(pref::dpo{.beta = 0.1});
            CHECK(m.value == expected.value);
            CHECK(m.rewards_accuracies == expected.rewards_accuracies);
            CHECK(prefrl::as_eigen<T>(d_chosen) == expected.d_chosen);
            CHECK(prefrl::as_eigen<T>(d_rejected) == expected.d_rejected);
        }
        if (name == "simpo") {
            const auto m = call(pref::simpo{.beta = 0.1});
            CHECK(m.value == expected.value);
            CHECK(prefrl::as_eigen<T>(d_chosen) == expected.d_chosen);
        }
    }
    std::vector<T> short_buffer(n - 1), d_rejected(n);
    REQUIRE_THROWS_WITH(pref::dpo{}(data.view(), std::span<T>(short_buffer), std::span<T>(d_rejected)),
                        "prefrl::preference::dpo: d_chosen has 999 entries but chosen has 1000");
}

TEMPLATE_TEST_CASE("a bad value deep in a large batch is reported by its index", "[preference][blocks]", float, double) {
    using T = TestType;
    auto data = large_batch<T>(9000, 13);
    data.ref_rejected[8765] = std::numeric_limits<T>::infinity();
    REQUIRE_THROWS_WITH(pref::ipo{}(data.view()), "prefrl::preference::ipo: ref_rejected[8765] must be finite, got inf");
    data.ref_rejected[8765] = T(-3);
    data.rejected_length[5000] = T(-2);
    REQUIRE_THROWS_WITH(pref::ipo{}(data.view()), "prefrl::preference::ipo: rejected_length[5000] must be > 0, got -2");
    REQUIRE_NOTHROW(pref::dpo{}(data.view()));  // dpo does not read the lengths
    data.win_chosen[4097] = T(1.25);
    REQUIRE_THROWS_WITH(pref::sppo{}(data.view()), "prefrl::preference::sppo: win_chosen[4097] must be a probability in [0, 1], got 1.25");
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("pair losses give bitwise identical results on 1 and 2 threads", "[preference][threads]", float, double) {
    using T = TestType;
    const auto data = large_batch<T>(70000, 14);  // above the parallel threshold
    for (const auto& [name, loss] : losses_for<T>({{"beta", 0.1}})) {
        INFO("loss " << name);
        omp_set_num_threads(1);
        const auto one = loss(data.view());
        omp_set_num_threads(2);
        const auto two = loss(data.view());
        CHECK(one.value == two.value);
        CHECK(one.rewards_chosen == two.rewards_chosen);
        CHECK(one.d_chosen == two.d_chosen);
        CHECK(one.d_rejected == two.d_rejected);
    }
}
#endif

TEST_CASE("AOT's radix sort orders like a stable sort, ties and signed zeros included") {
    prefrl::generator rng(15);
    std::vector<double> values;
    for (int i = 0; i < 5000; ++i) {
        const double v = i % 5 == 0 ? std::round(prefrl::normal<double>(rng)) : 1e3 * prefrl::normal<double>(rng);
        values.push_back(i % 7 == 0 ? -0.0 : v);  // many ties: integers and both zeros
    }
    values.push_back(std::numeric_limits<double>::max());
    values.push_back(-std::numeric_limits<double>::denorm_min());
    std::vector<std::size_t> expected(values.size());
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = i;
    std::stable_sort(expected.begin(), expected.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    const auto order = prefrl::detail::sorting_permutation(values);
    REQUIRE(order.size() == expected.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        INFO("rank " << k);
        REQUIRE(order[k] == expected[k]);
    }
}
