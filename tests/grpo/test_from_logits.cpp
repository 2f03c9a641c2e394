// A GRPO step from logits: equal to the materialized path (token log-probs, the policy loss,
// the kernels' backward), central differences with respect to the logits, the caller's buffer
// and in-place form, bad input named as the function the user called, 1 vs 2 threads.

#include <catch2/catch.hpp>

#include <prefrl/core/random.hpp>
#include <prefrl/grpo.hpp>
#include <prefrl/kernel/token_logprobs.hpp>

#include <cmath>
#include <limits>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "laws/gradient_laws.hpp"

namespace {
namespace grpo = prefrl::grpo;
using Catch::Matchers::Contains;

template <class T>
struct logits_case {
    prefrl::index_t B, S, V;
    prefrl::row_matrix<T> logits;
    std::vector<prefrl::index_t> labels;
    std::vector<T> mask, advantages, old_logps, ref_logps;
    grpo::token_batch<T> batch() const { return {B, S, {}, mask, advantages, old_logps, ref_logps}; }
};

template <class T>
logits_case<T> make_case(prefrl::index_t B, prefrl::index_t S, prefrl::index_t V, std::uint64_t seed) {
    prefrl::generator rng(seed);
    logits_case<T> c{B, S, V, prefrl::row_matrix<T>(B * S, V), {}, {}, {}, {}, {}};
    for (Eigen::Index r = 0; r < c.logits.rows(); ++r)
        for (Eigen::Index v = 0; v < V; ++v) c.logits(r, v) = static_cast<T>(2.0 * prefrl::normal<double>(rng));
    for (prefrl::index_t i = 0; i < B; ++i) {
        const auto length = 1 + static_cast<prefrl::index_t>(prefrl::uniform_index(static_cast<std::size_t>(S), rng));
        for (prefrl::index_t t = 0; t < S; ++t) {
            const bool active = t < length;
            c.mask.push_back(active ? T(1) : T(0));
            c.labels.push_back(active ? static_cast<prefrl::index_t>(prefrl::uniform_index(static_cast<std::size_t>(V), rng)) : -100);
        }
        c.advantages.push_back(static_cast<T>(prefrl::normal<double>(rng)));
    }
    const auto lp = prefrl::kernel::token_logprobs(c.logits, c.labels, c.mask);
    for (Eigen::Index r = 0; r < lp.size(); ++r) {
        c.old_logps.push_back(lp[r] - static_cast<T>(0.3 * prefrl::normal<double>(rng)));
        c.ref_logps.push_back(lp[r] + static_cast<T>(0.3 * prefrl::normal<double>(rng)));
    }
    return c;
}

}  // namespace

TEMPLATE_TEST_CASE("grpo::from_logits equals the materialized path and central differences", "[grpo][from_logits]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(4, 5, 11, 21);
    for (const auto& loss : {grpo::policy_loss{.loss = grpo::loss_type::grpo, .beta = 0.04},
                             grpo::policy_loss{.loss = grpo::loss_type::dapo, .epsilon_high = 0.28},
                             grpo::policy_loss{.loss = grpo::loss_type::cispo, .epsilon_high = 5.0},
                             grpo::policy_loss{.loss = grpo::loss_type::grpo, .level = grpo::importance_sampling::sequence}}) {
        const auto out = grpo::from_logits(loss, c.logits, c.labels, c.batch());
        // the materialized path, step by step
        const auto lp = prefrl::kernel::token_logprobs(c.logits, c.labels, c.mask);
        const std::vector<T> lp_v(lp.data(), lp.data() + lp.size());
        const grpo::token_batch<T> with_logps{c.B, c.S, lp_v, c.mask, c.advantages, c.old_logps, c.ref_logps};
        const auto r = loss(with_logps);
        const std::vector<T> up(r.d_logps.data(), r.d_logps.data() + r.d_logps.size());
        const auto d = prefrl::kernel::token_logprobs_backward(c.logits, c.labels, c.mask, up);
        const double eps = std::is_same_v<T, double> ? 1e-14 : 1e-6;
        // the materialized backward recomputes each row's log-sum-exp: equal to rounding
        CHECK((out.d_logits - d).cwiseAbs().maxCoeff() <= T(std::is_same_v<T, double> ? 1e-15 : 1e-7));
        if (loss.level == grpo::importance_sampling::token) {
            // one pass per row: the log-sum-exp is summed from the exponentials it keeps for the
            // backward, so the log-probs equal the kernel's to rounding ...
            CHECK((out.logps - lp).cwiseAbs().maxCoeff() <= T(eps));
            CHECK(std::abs(static_cast<double>(out.value - r.value)) <= eps * std::max(1.0, std::abs(double(r.value))));
            // ... and the value and metrics are the policy loss's on them, bit for bit
            const std::vector<T> own(out.logps.data(), out.logps.data() + out.logps.size());
            const auto on_own = loss(grpo::token_batch<T>{c.B, c.S, own, c.mask, c.advantages, c.old_logps, c.ref_logps});
            CHECK(out.value == on_own.value);
            CHECK(out.kl == on_own.kl);
            CHECK(out.clip_ratio_region == on_own.clip_ratio_region);
        } else {
            // two passes: the kernel's log-probs, and its backward with the saved log-sum-exp, bit for bit
            CHECK(out.value == r.value);
            CHECK(out.logps == lp);
            CHECK(out.kl == r.kl);
            const auto forward = prefrl::kernel::token_logprobs_forward(c.logits, c.labels, c.mask);
            prefrl::row_matrix<T> d_saved(c.logits.rows(), c.logits.cols());
            prefrl::kernel::token_logprobs_backward(c.logits, c.labels, c.mask, up,
                                                    std::span<const double>(forward.logsumexp.data(), c.mask.size()),
                                                    d_saved);
            CHECK(out.d_logits == d_saved);
        }
        // central differences with respect to a few logits of each row
        if (std::is_same_v<T, double> && loss.loss != grpo::loss_type::cispo) {  // cispo: a stop-gradient surrogate
            for (Eigen::Index row = 0; row < c.logits.rows(); row += 3) {
                for (Eigen::Index v = 0; v < c.V; v += 4) {
                    auto shifted = c.logits;
                    const double h = 1e-6;
                    shifted(row, v) += h;
                    const double plus = grpo::from_logits(loss, shifted, c.labels, c.batch()).value;
                    shifted(row, v) -= 2 * h;
                    const double minus = grpo::from_logits(loss, shifted, c.labels, c.batch()).value;
                    CHECK(out.d_logits(row, v) == Approx((plus - minus) / (2 * h)).margin(1e-8).epsilon(1e-6));
                }
            }
        }
    }
}

TEMPLATE_TEST_CASE("grpo::from_logits writes into the caller's buffer, in place too", "[grpo][from_logits]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(3, 4, 9, 22);
    const grpo::policy_loss loss{.loss = grpo::loss_type::bnpo, .beta = 0.04};
    const auto allocating = grpo::from_logits(loss, c.logits, c.labels, c.batch());
    prefrl::row_matrix<T> buffer(c.logits.rows(), c.logits.cols());
    const auto into = grpo::from_logits(loss, c.logits, c.labels, c.batch(), buffer);
    CHECK(into.d_logits.size() == 0);
    CHECK(buffer == allocating.d_logits);
    auto in_place = c.logits;
    grpo::from_logits(loss, in_place, c.labels, c.batch(), in_place);
    CHECK(in_place == allocating.d_logits);
}

TEST_CASE("grpo::from_logits refuses bad input, naming itself") {
    const auto c = make_case<double>(2, 3, 5, 23);
    const grpo::policy_loss loss{};
    auto b = c.batch();
    const std::vector<double> some(6, -1.0);
    b.logps = some;
    REQUIRE_THROWS_WITH(grpo::from_logits(loss, c.logits, c.labels, b), Contains("prefrl::grpo::from_logits: batch.logps must be empty"));
    const prefrl::row_matrix<double> short_logits = c.logits.topRows(5);
    REQUIRE_THROWS_WITH(grpo::from_logits(loss, short_logits, c.labels, c.batch()),
                        Contains("prefrl::grpo::from_logits: logits has 5 rows but completions * steps = 2 * 3 = 6"));
    auto labels = c.labels;
    labels[0] = 5;
    REQUIRE_THROWS_WITH(grpo::from_logits(loss, c.logits, labels, c.batch()),
                        Contains("prefrl::grpo::from_logits: labels[0] must be in [0, 5)"));
    auto nan_logits = c.logits;
    nan_logits(0, 1) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_WITH(grpo::from_logits(loss, nan_logits, c.labels, c.batch()), Contains("prefrl::grpo::from_logits: row 0 of logits"));
    REQUIRE_THROWS_WITH(grpo::from_logits(grpo::policy_loss{.epsilon = 2.0}, c.logits, c.labels, c.batch()),
                        Contains("prefrl::grpo::from_logits: epsilon must be in (0, 1), got 2"));
    for (const auto& level : {grpo::importance_sampling::token, grpo::importance_sampling::sequence}) {
        auto bad = c;  // the batch's own values, checked on either path
        bad.old_logps[1] = std::numeric_limits<double>::quiet_NaN();
        REQUIRE_THROWS_WITH(grpo::from_logits(grpo::policy_loss{.level = level}, c.logits, c.labels, bad.batch()),
                            Contains("prefrl::grpo::from_logits: old_logps[1] must be finite where mask is 1, got nan"));
        bad = c;
        bad.mask[0] = 0.5;
        REQUIRE_THROWS_WITH(grpo::from_logits(grpo::policy_loss{.level = level}, c.logits, c.labels, bad.batch()),
                            Contains("prefrl::grpo::from_logits: mask[0] must be 0 or 1, got 0.5"));
    }
    prefrl::row_matrix<double> wrong(6, 4);
    REQUIRE_THROWS_WITH(grpo::from_logits(loss, c.logits, c.labels, c.batch(), wrong),
                        Contains("prefrl::grpo::from_logits: d_logits is 6 x 4 but logits is 6 x 5"));
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("grpo::from_logits gives bitwise identical results on 1 and 2 threads", "[grpo][threads]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(8, 64, 300, 24);  // 512 x 300 logits: above the parallel threshold
    const grpo::policy_loss loss{.loss = grpo::loss_type::grpo, .beta = 0.04};
    omp_set_num_threads(1);
    const auto one = grpo::from_logits(loss, c.logits, c.labels, c.batch());
    omp_set_num_threads(2);
    const auto two = grpo::from_logits(loss, c.logits, c.labels, c.batch());
    CHECK(one.value == two.value);
    CHECK(one.d_logits == two.d_logits);
}
#endif
