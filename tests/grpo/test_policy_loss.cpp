// The GRPO-family policy losses: TRL's formulas in PyTorch float64 autograd (tests/data/grpo.json),
// an independent scalar long-double reference of the same formulas, central differences, the
// hand facts of the losses (on-policy gradient, dapo == bnpo, GSPO with length-1 rows, A = 0),
// extremes, padding that holds garbage, bad input, and 1 vs 2 threads.

#include <catch2/catch.hpp>

#include <prefrl/core/random.hpp>
#include <prefrl/grpo.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "laws/gradient_laws.hpp"
#include "support/compare.hpp"
#include "support/golden.hpp"

namespace {

namespace grpo = prefrl::grpo;
using Catch::Matchers::Contains;

grpo::loss_type loss_named(const std::string& name) {
    if (name == "grpo") return grpo::loss_type::grpo;
    if (name == "bnpo") return grpo::loss_type::bnpo;
    if (name == "dr_grpo") return grpo::loss_type::dr_grpo;
    if (name == "dapo") return grpo::loss_type::dapo;
    if (name == "cispo") return grpo::loss_type::cispo;
    if (name == "sapo") return grpo::loss_type::sapo;
    throw std::runtime_error("unknown loss " + name);
}

grpo::policy_loss loss_of(const nlohmann::json& c) {
    return {.loss = loss_named(c["loss"]),
            .epsilon = c["epsilon"],
            .epsilon_high = c["epsilon_high"],
            .delta = c["delta"],
            .beta = c["beta"],
            .level = c["level"] == "sequence" ? grpo::importance_sampling::sequence : grpo::importance_sampling::token,
            .max_completion_length = c["max_completion_length"],
            .sapo_temperature_pos = c["sapo_temperature_pos"],
            .sapo_temperature_neg = c["sapo_temperature_neg"]};
}

// A token batch that owns its arrays.
template <class T>
struct owned_batch {
    prefrl::index_t completions = 0, steps = 0;
    std::vector<T> logps, mask, advantages, old_logps, ref_logps;
    grpo::token_batch<T> view() const { return {completions, steps, logps, mask, advantages, old_logps, ref_logps}; }
    grpo::token_batch<T> view_with(const std::vector<T>& lp) const {
        return {completions, steps, lp, mask, advantages, old_logps, ref_logps};
    }
};

template <class T>
owned_batch<T> golden_batch(const nlohmann::json& c) {
    using prefrl::test::as_vector;
    return {c["completions"], c["steps"],         as_vector<T>(c["logps"]),    as_vector<T>(c["mask"]),
            as_vector<T>(c["advantages"]),        as_vector<T>(c["old_logps"]), as_vector<T>(c["ref_logps"])};
}

// TRL's formulas written out in long double, token by token (no blocks, no masks tricks):
// the value and the metrics, to check the library on inputs the golden file does not cover.
struct reference_result {
    long double value = 0, kl = 0, low = 0, high = 0;
};

template <class T>
reference_result reference_loss(const grpo::policy_loss& cfg, const owned_batch<T>& b) {
    using L = long double;
    const auto B = static_cast<std::size_t>(b.completions), S = static_cast<std::size_t>(b.steps);
    const bool per_token_a = b.advantages.size() == B * S;
    std::vector<L> n(B, 0);
    L total = 0;
    for (std::size_t i = 0; i < B; ++i) {
        for (std::size_t t = 0; t < S; ++t) n[i] += b.mask[i * S + t];
        total += n[i];
    }
    reference_result out;
    L flags_low = 0, flags_high = 0;
    for (std::size_t i = 0; i < B; ++i) {
        L seq = 0;
        for (std::size_t t = 0; t < S; ++t) {
            const std::size_t k = i * S + t;
            if (b.mask[k] != 0 && !b.old_logps.empty()) seq += L(b.logps[k]) - L(b.old_logps[k]);
        }
        seq /= std::max(L(1), n[i]);
        L row = 0;
        for (std::size_t t = 0; t < S; ++t) {
            const std::size_t k = i * S + t;
            if (b.mask[k] == 0) continue;
            const L lp = b.logps[k];
            const L a = per_token_a ? L(b.advantages[k]) : L(b.advantages[i]);
            const L log_w = cfg.level == grpo::importance_sampling::sequence ? seq
                            : b.old_logps.empty()                            ? L(0)
                                                                             : lp - L(b.old_logps[k]);
            const L w = std::exp(log_w);
            L l = 0;
            if (cfg.loss == grpo::loss_type::cispo) {
                l = -std::min(w, L(cfg.epsilon_high)) * a * lp;
            } else if (cfg.loss == grpo::loss_type::sapo) {
                const L tau = a > 0 ? L(cfg.sapo_temperature_pos) : L(cfg.sapo_temperature_neg);
                l = -(4 / tau) / (1 + std::exp(-tau * (w - 1))) * a;
            } else {
                const L w1 = cfg.delta > 0 ? std::min(w, L(cfg.delta)) : w;
                const L wc = std::clamp(w, L(1 - cfg.epsilon), L(1 + cfg.epsilon_high));
                l = -std::min(w1 * a, wc * a);
                if (cfg.dual_clip > 0 && a < 0) l = std::min(l, -L(cfg.dual_clip) * a);
            }
            if (cfg.beta != 0) {
                const L x = L(b.ref_logps[k]) - lp;
                const L k3 = std::exp(x) - x - 1;
                l += L(cfg.beta) * k3;
                out.kl += k3;
            }
            if (w < 1 - L(cfg.epsilon) && a < 0) flags_low += 1;
            if (w > 1 + L(cfg.epsilon_high) && a > 0) flags_high += 1;
            row += l;
        }
        switch (cfg.loss) {
            case grpo::loss_type::grpo:
            case grpo::loss_type::sapo: out.value += row / std::max(L(1), n[i]) / L(B); break;
            case grpo::loss_type::bnpo: out.value += row / std::max(L(1), total); break;
            case grpo::loss_type::dr_grpo:
                out.value += row / (L(B) * L(cfg.max_completion_length > 0 ? cfg.max_completion_length : b.steps));
                break;
            default:
                out.value += row / std::max(L(1), cfg.num_items_in_batch > 0 ? L(cfg.num_items_in_batch) : total);
        }
    }
    out.kl /= std::max(L(1), total);
    out.low = flags_low / std::max(L(1), total);
    out.high = flags_high / std::max(L(1), total);
    return out;
}

// Random batches: ragged completions (masks ending early, one row empty), log-ratios that
// stay 2e-2 away from every clip edge (so central differences do not straddle a kink).
template <class T>
owned_batch<T> random_batch(prefrl::index_t B, prefrl::index_t S, std::uint64_t seed, bool off_policy, bool with_ref,
                            bool per_token_advantages = false) {
    prefrl::generator rng(seed);
    owned_batch<T> b{B, S, {}, {}, {}, {}, {}};
    for (prefrl::index_t i = 0; i < B; ++i) {
        const prefrl::index_t length = i == 1 ? 0 : 1 + static_cast<prefrl::index_t>(prefrl::uniform_index(static_cast<std::size_t>(S), rng));
        for (prefrl::index_t t = 0; t < S; ++t) {
            b.mask.push_back(t < length ? T(1) : T(0));
            b.logps.push_back(static_cast<T>(-std::abs(1.5 * prefrl::normal<double>(rng)) - 0.05));
            double log_ratio = 0.4 * prefrl::normal<double>(rng);
            for (double edge : {std::log(0.8), std::log(1.2), std::log(1.28), std::log(1.5), std::log(3.0), std::log(5.0)})
                if (std::abs(log_ratio - edge) < 2e-2) log_ratio = edge + 3e-2;
            if (off_policy) b.old_logps.push_back(static_cast<T>(b.logps.back() - log_ratio));
            if (with_ref) b.ref_logps.push_back(static_cast<T>(b.logps.back() + 0.3 * prefrl::normal<double>(rng)));
        }
    }
    const auto advantages = per_token_advantages ? B * S : B;
    for (prefrl::index_t i = 0; i < advantages; ++i) b.advantages.push_back(static_cast<T>(prefrl::normal<double>(rng)));
    return b;
}

std::vector<grpo::policy_loss> every_configuration() {
    std::vector<grpo::policy_loss> out;
    for (auto level : {grpo::importance_sampling::token, grpo::importance_sampling::sequence}) {
        out.push_back({.loss = grpo::loss_type::grpo, .level = level});
        out.push_back({.loss = grpo::loss_type::bnpo, .epsilon_high = 0.28, .beta = 0.04, .level = level});
        out.push_back({.loss = grpo::loss_type::dr_grpo, .level = level, .max_completion_length = 16});
        out.push_back({.loss = grpo::loss_type::dapo, .epsilon_high = 0.28, .delta = 1.5, .level = level});
        out.push_back({.loss = grpo::loss_type::dapo, .dual_clip = 3.0, .beta = 0.1, .level = level, .num_items_in_batch = 40});
        out.push_back({.loss = grpo::loss_type::cispo, .epsilon_high = 5.0, .beta = 0.04, .level = level});
        out.push_back({.loss = grpo::loss_type::sapo, .level = level});
    }
    return out;
}

std::string describe(const grpo::policy_loss& l) {
    return "loss " + std::to_string(static_cast<int>(l.loss)) + " level " + std::to_string(static_cast<int>(l.level)) +
           " delta " + std::to_string(l.delta) + " dual " + std::to_string(l.dual_clip) + " beta " + std::to_string(l.beta);
}

}  // namespace

TEMPLATE_TEST_CASE("policy losses match TRL's formulas in PyTorch float64 autograd", "[grpo][golden]", float, double) {
    using T = TestType;
    int cases = 0;
    for (const auto& c : prefrl::test::grpo_golden()["policy_losses"]) {
        INFO("case " << c["name"].get<std::string>());
        ++cases;
        const auto b = golden_batch<T>(c);
        const auto r = loss_of(c["config"])(b.view());
        // the value may be a cancellation to ~1e-17 (A sums to 0 in a group): compared on a scale of at least 1e-4
        const double value = c["value"].get<double>();
        CHECK(std::abs(static_cast<double>(r.value) - value) <=
              (std::is_same_v<T, double> ? 1e-9 : 2e-4) * std::max(std::abs(value), 1e-4));
        prefrl::test::require_close<T>(r.d_logps, c["d_logps"].get<std::vector<double>>());
        const double metric_tolerance = std::is_same_v<T, double> ? 1e-12 : 1e-5;
        CHECK(std::abs(r.kl - c["kl"].get<double>()) <= metric_tolerance * std::max(1.0, c["kl"].get<double>()));
        CHECK(std::abs(r.clip_ratio_low - c["clip_ratio_low"].get<double>()) <= metric_tolerance);
        CHECK(std::abs(r.clip_ratio_high - c["clip_ratio_high"].get<double>()) <= metric_tolerance);
        CHECK(std::abs(r.clip_ratio_region - c["clip_ratio_region"].get<double>()) <= metric_tolerance);
    }
    REQUIRE(cases == 36);
}

TEMPLATE_TEST_CASE("policy losses equal a scalar long-double reference of TRL's formulas", "[grpo]", float, double) {
    using T = TestType;
    const double tolerance = std::is_same_v<T, double> ? 1e-12 : 2e-5;
    std::uint64_t seed = 100;
    for (const auto& loss : every_configuration()) {
        // 21 steps: ragged blocks, checked block by block; 544 = 2 * 256 + 32 steps: whole groups
        // of blocks read straight from memory
        for (const auto& [per_token, steps] : {std::pair{false, 21}, std::pair{true, 21}, std::pair{false, 544}, std::pair{true, 544}}) {
            INFO(describe(loss) << " per-token advantages " << per_token << " steps " << steps);
            const auto b = random_batch<T>(6, steps, ++seed, true, true, per_token);
            const auto r = loss(b.view());
            const auto ref = reference_loss(loss, b);
            CHECK(std::abs(static_cast<double>(r.value) - static_cast<double>(ref.value)) <=
                  tolerance * std::max(1.0L, std::abs(ref.value)));
            CHECK(std::abs(static_cast<double>(r.kl) - static_cast<double>(loss.beta != 0 ? ref.kl : 0.0L)) <= tolerance);
            if (loss.level == grpo::importance_sampling::token || per_token) {
                CHECK(std::abs(static_cast<double>(r.clip_ratio_low) - static_cast<double>(ref.low)) <= 1e-6);
                CHECK(std::abs(static_cast<double>(r.clip_ratio_high) - static_cast<double>(ref.high)) <= 1e-6);
            }
            CHECK(r.active_tokens == static_cast<double>(std::count(b.mask.begin(), b.mask.end(), T(1))));
            if (loss.dual_clip == 0.0) CHECK(r.dual_clip_ratio == T(0));  // SAPO once left its flags unset
            if (loss.loss != grpo::loss_type::cispo) CHECK(r.cispo_clip_ratio == T(0));
        }
    }
}

TEMPLATE_TEST_CASE("policy-loss gradients match central differences on every branch", "[grpo][gradient]", float, double) {
    // CISPO is left out: its gradient is that of a stop-gradient surrogate, not of its value
    // (checked against TRL's autograd above and by hand below)
    using T = TestType;
    std::uint64_t seed = 200;
    for (const auto& loss : every_configuration()) {
        if (loss.loss == grpo::loss_type::cispo) continue;
        // 7 steps: ragged blocks; 32: whole blocks (float and double), read straight from memory
        for (const auto& [per_token, steps] : {std::pair{false, 7}, std::pair{true, 7}, std::pair{false, 32}, std::pair{true, 32}}) {
            INFO(describe(loss) << " per-token advantages " << per_token << " steps " << steps);
            const auto b = random_batch<T>(4, steps, ++seed, true, loss.beta != 0, per_token);
            const auto r = loss(b.view());
            prefrl::vector<T> x = Eigen::Map<const prefrl::vector<T>>(b.logps.data(), static_cast<Eigen::Index>(b.logps.size()));
            auto f = [&](const prefrl::vector<T>& lp) {
                const std::vector<T> v(lp.data(), lp.data() + lp.size());
                return loss(b.view_with(v)).value;
            };
            prefrl::laws::check_gradient<T>(f, x, r.d_logps);
            for (std::size_t k = 0; k < b.mask.size(); ++k)
                if (b.mask[k] == T(0)) REQUIRE(r.d_logps[static_cast<Eigen::Index>(k)] == T(0));
        }
    }
}

TEMPLATE_TEST_CASE("policy losses: the hand facts", "[grpo]", float, double) {
    using T = TestType;
    const double tol = std::is_same_v<T, double> ? 1e-12 : 1e-6;
    SECTION("on-policy GRPO: w = 1, nothing clips, d lp = -A_i / |o_i| / B (+ beta (1 - exp(ref - lp)) / |o_i| / B)") {
        for (double beta : {0.0, 0.04}) {
            const auto b = random_batch<T>(5, 9, 7, false, beta != 0.0);
            const auto r = grpo::policy_loss{.loss = grpo::loss_type::grpo, .beta = beta}(b.view());
            CHECK(r.clip_ratio_region == T(0));
            for (prefrl::index_t i = 0; i < 5; ++i) {
                double n = 0;
                for (prefrl::index_t t = 0; t < 9; ++t) n += static_cast<double>(b.mask[static_cast<std::size_t>(i * 9 + t)]);
                for (prefrl::index_t t = 0; t < 9; ++t) {
                    const auto k = static_cast<std::size_t>(i * 9 + t);
                    double expected = 0.0;
                    if (b.mask[k] != T(0)) {
                        expected = -static_cast<double>(b.advantages[static_cast<std::size_t>(i)]);
                        if (beta != 0.0)
                            expected += beta * (1.0 - std::exp(static_cast<double>(b.ref_logps[k]) - static_cast<double>(b.logps[k])));
                        expected /= std::max(1.0, n) * 5.0;
                    }
                    CHECK(std::abs(static_cast<double>(r.d_logps[static_cast<Eigen::Index>(k)]) - expected) <= tol);
                }
            }
        }
    }
    SECTION("cispo: d lp = -min(w, epsilon_high) A / N + beta (1 - exp(ref - lp)) / N, w held constant") {
        const auto b = random_batch<T>(4, 6, 17, true, true);
        const auto r = grpo::policy_loss{.loss = grpo::loss_type::cispo, .epsilon_high = 1.1, .beta = 0.04}(b.view());
        const double n = static_cast<double>(std::count(b.mask.begin(), b.mask.end(), T(1)));
        for (std::size_t k = 0; k < b.mask.size(); ++k) {
            const double lp = static_cast<double>(b.logps[k]);
            const double w = std::exp(lp - static_cast<double>(b.old_logps[k]));
            const double expected = static_cast<double>(b.mask[k]) *
                                    (-std::min(w, 1.1) * static_cast<double>(b.advantages[k / 6]) +
                                     0.04 * (1.0 - std::exp(static_cast<double>(b.ref_logps[k]) - lp))) / n;
            CHECK(std::abs(static_cast<double>(r.d_logps[static_cast<Eigen::Index>(k)]) - expected) <= tol);
        }
    }
    SECTION("dapo == bnpo on one process") {
        const auto b = random_batch<T>(6, 11, 8, true, true);
        const auto dapo = grpo::policy_loss{.loss = grpo::loss_type::dapo, .epsilon_high = 0.28, .beta = 0.04}(b.view());
        const auto bnpo = grpo::policy_loss{.loss = grpo::loss_type::bnpo, .epsilon_high = 0.28, .beta = 0.04}(b.view());
        CHECK(dapo.value == bnpo.value);
        CHECK(dapo.d_logps == bnpo.d_logps);
    }
    SECTION("sequence level with rows of length 1 equals token level") {
        const auto b = random_batch<T>(12, 1, 9, true, true);
        for (auto loss : every_configuration()) {
            INFO(describe(loss));
            loss.level = grpo::importance_sampling::token;
            const auto token = loss(b.view());
            loss.level = grpo::importance_sampling::sequence;
            const auto sequence = loss(b.view());
            CHECK(std::abs(static_cast<double>(token.value - sequence.value)) <= tol);
            CHECK((token.d_logps - sequence.d_logps).cwiseAbs().maxCoeff() <= T(tol));
        }
    }
    SECTION("A = 0 and beta = 0: value 0, gradient 0") {
        auto b = random_batch<T>(4, 6, 10, true, false);
        std::fill(b.advantages.begin(), b.advantages.end(), T(0));
        for (auto loss : every_configuration()) {
            loss.beta = 0.0;
            const auto r = loss(b.view());
            CHECK(r.value == T(0));
            CHECK(r.d_logps.cwiseAbs().maxCoeff() == T(0));
        }
    }
    SECTION("num_items_in_batch: dapo over k micro-batches sums to dapo on their union") {
        const auto whole = random_batch<T>(8, 5, 11, true, false);
        const auto total = static_cast<double>(std::count(whole.mask.begin(), whole.mask.end(), T(1)));
        owned_batch<T> first{4, 5, {}, {}, {}, {}, {}}, second{4, 5, {}, {}, {}, {}, {}};
        for (std::size_t k = 0; k < 40; ++k) {
            auto& half = k < 20 ? first : second;
            half.logps.push_back(whole.logps[k]);
            half.mask.push_back(whole.mask[k]);
            half.old_logps.push_back(whole.old_logps[k]);
        }
        for (std::size_t k = 0; k < 8; ++k) (k < 4 ? first : second).advantages.push_back(whole.advantages[k]);
        const grpo::policy_loss dapo{.loss = grpo::loss_type::dapo, .num_items_in_batch = total};
        const auto a = dapo(first.view()), c = dapo(second.view());
        const auto both = grpo::policy_loss{.loss = grpo::loss_type::dapo}(whole.view());
        CHECK(std::abs(static_cast<double>(a.value + c.value - both.value)) <= tol);
        for (Eigen::Index k = 0; k < 20; ++k) {
            CHECK(std::abs(static_cast<double>(a.d_logps[k] - both.d_logps[k])) <= tol);
            CHECK(std::abs(static_cast<double>(c.d_logps[k] - both.d_logps[k + 20])) <= tol);
        }
    }
    SECTION("dual clip: a negative advantage's loss is capped at -c A, with zero gradient there") {
        owned_batch<T> b{1, 2, {T(-1), T(-1)}, {T(1), T(1)}, {T(-2)}, {T(-1) - T(std::log(5.0)), T(-1) - T(std::log(2.0))}, {}};
        const auto r = grpo::policy_loss{.loss = grpo::loss_type::bnpo, .dual_clip = 3.0}(b.view());
        // token 0: w = 5, l = min(5 * 2, 3 * 2) = 6, gradient 0; token 1: w = 2, l = 4, d = -A w / 2 = 2
        CHECK(std::abs(static_cast<double>(r.value) - 5.0) <= tol * 10);
        CHECK(r.d_logps[0] == T(0));
        CHECK(std::abs(static_cast<double>(r.d_logps[1]) - 2.0) <= tol * 10);
        CHECK(r.dual_clip_ratio == T(0.5));
    }
}

TEST_CASE("policy losses at the extremes: log-ratios of +-30 and log-probs near -50 are exact in double") {
    using T = double;
    owned_batch<T> b{2, 4, {}, {}, {T(1.5), T(-0.7)}, {}, {}};
    const double ratios[] = {30, -30, 12, -12, 29.5, -29.5, 0.01, -0.01};
    for (int k = 0; k < 8; ++k) {
        b.logps.push_back(-50.0 + 0.25 * k);
        b.mask.push_back(1.0);
        b.old_logps.push_back(b.logps.back() - ratios[k]);
        b.ref_logps.push_back(b.logps.back() + (k % 2 == 0 ? 30.0 : -30.0));
    }
    for (auto loss : every_configuration()) {
        loss.beta = 0.04;
        INFO(describe(loss));
        const auto r = loss(b.view());
        const auto ref = reference_loss(loss, b);
        REQUIRE(std::isfinite(r.value));
        REQUIRE(r.d_logps.allFinite());
        CHECK(std::abs(r.value - static_cast<double>(ref.value)) <= 1e-12 * std::max(1.0L, std::abs(ref.value)));
    }
}

TEST_CASE("policy losses in float past exp's range: +-inf, as PyTorch float32 gives") {
    // log-ratio 100 overflows exp in float: an unclipped negative-advantage term is -inf * A = +inf
    owned_batch<float> b{1, 1, {-1.0f}, {1.0f}, {-1.0f}, {-101.0f}, {}};
    const auto r = grpo::policy_loss{.loss = grpo::loss_type::bnpo}(b.view());
    CHECK(std::isinf(r.value));
    CHECK(r.value > 0);
}

TEMPLATE_TEST_CASE("padding may hold anything: -inf, NaN and huge values on masked tokens change nothing", "[grpo]", float, double) {
    using T = TestType;
    const T garbage[] = {-std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN(), T(1e30)};
    // 13 steps: every block checked lane by lane; 48: whole blocks, where a group holding
    // garbage is done again lane by lane and must give the bits of the clean one
    for (const auto& [steps, per_token] : {std::pair<prefrl::index_t, bool>{13, true}, {48, true}, {48, false}}) {
        INFO("steps " << steps << " per-token advantages " << per_token);
        const auto clean = random_batch<T>(5, steps, 12, true, true, per_token);
        auto dirty = clean;
        int j = 0;
        for (std::size_t k = 0; k < dirty.mask.size(); ++k)
            if (dirty.mask[k] == T(0)) {
                dirty.logps[k] = garbage[j++ % 3];
                dirty.old_logps[k] = garbage[j++ % 3];
                dirty.ref_logps[k] = garbage[j++ % 3];
                if (per_token) dirty.advantages[k] = garbage[j++ % 3];
            }
        for (const auto& loss : every_configuration()) {
            INFO(describe(loss));
            const auto a = loss(clean.view()), b = loss(dirty.view());
            CHECK(a.value == b.value);
            CHECK(a.d_logps == b.d_logps);
            CHECK(a.kl == b.kl);
            CHECK(a.clip_ratio_low == b.clip_ratio_low);
            CHECK(a.clip_ratio_high == b.clip_ratio_high);
        }
    }
}

TEMPLATE_TEST_CASE("policy losses refuse bad input, naming the function, the field and the value", "[grpo][errors]", float, double) {
    using T = TestType;
    const auto good = random_batch<T>(4, 3, 13, true, true);
    const grpo::policy_loss dapo{};
    auto throws = [&](const owned_batch<T>& b, const grpo::policy_loss& loss, const std::string& message) {
        INFO("expected: " << message);
        REQUIRE_THROWS_AS(loss(b.view()), prefrl::invalid_argument);
        REQUIRE_THROWS_WITH(loss(b.view()), Contains("prefrl::grpo::policy_loss") && Contains(message));
    };
    REQUIRE_NOTHROW(dapo(good.view()));
    auto b = good;
    b.logps.pop_back();
    throws(b, dapo, "logps has 11 entries but completions * steps = 4 * 3 = 12");
    b = good;
    b.mask[4] = T(0.5);
    throws(b, dapo, "mask[4] must be 0 or 1, got 0.5");
    b = good;
    b.mask[0] = T(1);
    b.logps[0] = std::numeric_limits<T>::quiet_NaN();
    throws(b, dapo, "logps[0] must be finite where mask is 1, got nan");
    b = good;
    b.mask[0] = T(1);
    b.old_logps[0] = std::numeric_limits<T>::infinity();
    throws(b, dapo, "old_logps[0] must be finite where mask is 1, got inf");
    b = good;
    b.mask[0] = T(1);
    b.ref_logps[0] = -std::numeric_limits<T>::infinity();
    throws(b, grpo::policy_loss{.beta = 0.1}, "ref_logps[0] must be finite where mask is 1, got -inf");
    b = good;
    b.advantages[2] = std::numeric_limits<T>::quiet_NaN();
    throws(b, dapo, "advantages[2] must be finite, got nan");
    b = good;
    b.advantages.push_back(T(0));
    throws(b, dapo, "advantages has 5 entries: it needs one per completion (4) or one per token (12)");
    b = good;
    b.ref_logps.clear();
    throws(b, grpo::policy_loss{.beta = 0.1}, "ref_logps is required when beta != 0");
    b = good;
    b.completions = 0;
    throws(b, dapo, "completions must be > 0, got 0");
    b.completions = std::numeric_limits<prefrl::index_t>::max() / 2;
    throws(b, dapo, "completions * steps = ");
    throws(good, grpo::policy_loss{.epsilon = 1.0}, "epsilon must be in (0, 1), got 1");
    throws(good, grpo::policy_loss{.epsilon = 0.0}, "epsilon must be in (0, 1), got 0");
    throws(good, grpo::policy_loss{.epsilon_high = 0.0}, "epsilon_high must be > 0, got 0");
    throws(good, grpo::policy_loss{.epsilon_high = std::numeric_limits<double>::infinity()}, "epsilon_high must be finite, got inf");
    throws(good, grpo::policy_loss{.epsilon_high = 0.28, .delta = 1.2}, "delta must be 0 (off) or > 1 + epsilon_high = 1.28, got 1.2");
    throws(good, grpo::policy_loss{.loss = grpo::loss_type::sapo, .delta = 2.0}, "delta applies to grpo, bnpo, dr_grpo and dapo only");
    throws(good, grpo::policy_loss{.dual_clip = 0.5}, "dual_clip must be 0 (off) or > 1, got 0.5");
    throws(good, grpo::policy_loss{.beta = -0.1}, "beta must be >= 0, got -0.1");
    throws(good, grpo::policy_loss{.beta = std::numeric_limits<double>::infinity()}, "beta must be finite, got inf");
    throws(good, grpo::policy_loss{.beta = std::nan("")}, "beta must be finite, got nan");
    throws(good, grpo::policy_loss{.max_completion_length = -1}, "max_completion_length must be >= 0, got -1");
    throws(good, grpo::policy_loss{.sapo_temperature_neg = 0.0}, "sapo_temperature_neg must be > 0, got 0");
    throws(good, grpo::policy_loss{.num_items_in_batch = -1.0}, "num_items_in_batch must be >= 0, got -1");
    std::vector<T> small(3);
    REQUIRE_THROWS_WITH(dapo(good.view(), std::span<T>(small)), Contains("d_logps has 3 entries"));
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("policy losses give bitwise identical results on 1 and 2 threads", "[grpo][threads]", float, double) {
    using T = TestType;
    const auto b = random_batch<T>(64, 1100, 14, true, true);  // above the parallel threshold
    for (const auto& loss : every_configuration()) {
        INFO(describe(loss));
        omp_set_num_threads(1);
        const auto one = loss(b.view());
        omp_set_num_threads(2);
        const auto two = loss(b.view());
        CHECK(one.value == two.value);
        CHECK(one.kl == two.kl);
        CHECK(one.clip_ratio_region == two.clip_ratio_region);
        CHECK(one.d_logps == two.d_logps);
    }
}
#endif
