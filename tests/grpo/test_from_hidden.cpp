// grpo::from_hidden: equal to the materialized path (logits = H W^T, grpo::from_logits, then
// d_hidden = D W, d_weight = D^T H) for every loss type and chunk size (groups of whole
// completions, a completion longer than a chunk in several chunks), TRL's GRPO loss through F.linear in PyTorch (float64
// autograd), 1 vs 2 threads bitwise, bad input named as the function the user called.

#include <catch2/catch.hpp>

#include <prefrl/core/random.hpp>
#include <prefrl/grpo.hpp>

#include <cmath>
#include <limits>
#include <type_traits>
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
using prefrl::index_t;
using prefrl::row_matrix;

template <class T>
struct hidden_case {
    index_t B, S;
    row_matrix<T> hidden, weight;
    std::vector<index_t> labels;
    std::vector<T> mask, advantages, old_logps, ref_logps;
    grpo::token_batch<T> batch() const { return {B, S, {}, mask, advantages, old_logps, ref_logps}; }
};

template <class T>
hidden_case<T> make_case(index_t B, index_t S, Eigen::Index width, Eigen::Index vocab, std::uint64_t seed) {
    prefrl::generator rng(seed);
    hidden_case<T> c{B, S, row_matrix<T>(B * S, width), row_matrix<T>(vocab, width), {}, {}, {}, {}, {}};
    for (Eigen::Index i = 0; i < c.hidden.size(); ++i) c.hidden.data()[i] = static_cast<T>(prefrl::normal<double>(rng));
    for (Eigen::Index i = 0; i < c.weight.size(); ++i) c.weight.data()[i] = static_cast<T>(0.4 * prefrl::normal<double>(rng));
    for (index_t i = 0; i < B; ++i) {
        const auto length = 1 + static_cast<index_t>(prefrl::uniform_index(static_cast<std::size_t>(S), rng));
        for (index_t t = 0; t < S; ++t) {
            c.mask.push_back(t < length ? T(1) : T(0));
            c.labels.push_back(t < length ? static_cast<index_t>(prefrl::uniform_index(static_cast<std::size_t>(vocab), rng)) : -100);
        }
        c.advantages.push_back(static_cast<T>(prefrl::normal<double>(rng)));
    }
    const row_matrix<T> logits = c.hidden * c.weight.transpose();
    const auto lp = prefrl::kernel::token_logprobs(logits, c.labels, c.mask);
    for (Eigen::Index r = 0; r < lp.size(); ++r) {
        c.old_logps.push_back(lp[r] - static_cast<T>(0.3 * prefrl::normal<double>(rng)));
        c.ref_logps.push_back(lp[r] + static_cast<T>(0.3 * prefrl::normal<double>(rng)));
    }
    return c;
}

}  // namespace

TEMPLATE_TEST_CASE("grpo::from_hidden equals the materialized path", "[grpo][from_hidden]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(5, 6, 4, 19, 61);
    const row_matrix<T> logits = c.hidden * c.weight.transpose();
    for (const auto& loss : {grpo::policy_loss{.loss = grpo::loss_type::grpo, .beta = 0.04},
                             grpo::policy_loss{.loss = grpo::loss_type::dapo, .epsilon_high = 0.28},
                             grpo::policy_loss{.loss = grpo::loss_type::dr_grpo},
                             grpo::policy_loss{.loss = grpo::loss_type::bnpo, .dual_clip = 3.0},
                             grpo::policy_loss{.loss = grpo::loss_type::cispo, .epsilon_high = 1.1, .beta = 0.1},
                             grpo::policy_loss{.loss = grpo::loss_type::sapo},
                             grpo::policy_loss{.loss = grpo::loss_type::dapo, .num_items_in_batch = 40.0},
                             grpo::policy_loss{.loss = grpo::loss_type::grpo, .level = grpo::importance_sampling::sequence}}) {
        const auto m = grpo::from_logits(loss, logits, c.labels, c.batch());
        // chunk rows: the library's, one row (every completion in chunks), completions cut
        // in chunks with the first one short (4 of 5 or 6 rows), whole completions per group
        for (const index_t chunk : {0, 1, 4, 7}) {
            row_matrix<T> d_hidden(c.hidden.rows(), c.hidden.cols()), d_weight(c.weight.rows(), c.weight.cols());
            const auto r = grpo::from_hidden(loss, c.hidden, c.weight, c.labels, c.batch(), d_hidden, d_weight,
                                             {.chunk_rows = chunk});
            const double eps = std::is_same_v<T, float> ? 1e-5 : 1e-12;
            CHECK(r.value == Approx(m.value).epsilon(eps).margin(eps));
            CHECK(r.kl == Approx(m.kl).epsilon(eps).margin(eps));
            CHECK(r.clip_ratio_region == m.clip_ratio_region);
            CHECK(r.clip_ratio_low == m.clip_ratio_low);
            CHECK(r.cispo_clip_ratio == m.cispo_clip_ratio);
            CHECK(r.dual_clip_ratio == m.dual_clip_ratio);
            CHECK(r.active_tokens == m.active_tokens);
            prefrl::test::require_near_largest<T>(r.logps, m.logps);
            prefrl::test::require_near_largest<T>(d_hidden, row_matrix<T>(m.d_logits * c.weight));
            prefrl::test::require_near_largest<T>(d_weight, row_matrix<T>(m.d_logits.transpose() * c.hidden));
        }
    }
}

TEMPLATE_TEST_CASE("grpo::from_hidden matches TRL's GRPO loss through F.linear (PyTorch float64 autograd)", "[grpo][from_hidden][golden]", float, double) {
    using T = TestType;
    const auto& g = prefrl::test::read_data_file("linear_logprobs_reference.json");
    const auto width = g["hidden_size"].get<Eigen::Index>(), vocab = g["vocab"].get<Eigen::Index>();
    const auto hidden_v = prefrl::test::as_vector<T>(g["hidden"]), weight_v = prefrl::test::as_vector<T>(g["weight"]);
    const auto rows = static_cast<Eigen::Index>(hidden_v.size()) / width;
    const Eigen::Map<const row_matrix<T>> hidden(hidden_v.data(), rows, width);
    const Eigen::Map<const row_matrix<T>> weight(weight_v.data(), vocab, width);
    const auto labels = g["labels"].get<std::vector<index_t>>();
    const auto mask = prefrl::test::as_vector<T>(g["mask"]);
    const auto advantages = prefrl::test::as_vector<T>(g["advantages"]);
    const auto steps = g["steps"].get<index_t>();
    const grpo::token_batch<T> batch{rows / steps, steps, {}, mask, advantages};
    row_matrix<T> d_hidden(rows, width), d_weight(vocab, width);
    const auto r = grpo::from_hidden(grpo::policy_loss{.loss = grpo::loss_type::grpo}, hidden, weight, labels, batch,
                                     d_hidden, d_weight, {.chunk_rows = 5});
    prefrl::test::require_close<T>(std::vector<T>{r.value}, {g["grpo"]["value"].get<double>()});
    prefrl::test::require_close<T>(d_hidden.template reshaped<Eigen::RowMajor>(), g["grpo"]["d_hidden"].get<std::vector<double>>());
    prefrl::test::require_close<T>(d_weight.template reshaped<Eigen::RowMajor>(), g["grpo"]["d_weight"].get<std::vector<double>>());
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("grpo::from_hidden gives bitwise identical results on 1 and 2 threads", "[grpo][from_hidden][threads]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(8, 40, 16, 800, 62);
    const grpo::policy_loss loss{.loss = grpo::loss_type::dapo, .beta = 0.04};
    const auto run = [&](int threads, index_t chunk) {
        omp_set_num_threads(threads);
        row_matrix<T> d_hidden(c.hidden.rows(), c.hidden.cols()), d_weight(c.weight.rows(), c.weight.cols());
        const auto r = grpo::from_hidden(loss, c.hidden, c.weight, c.labels, c.batch(), d_hidden, d_weight, {.chunk_rows = chunk});
        return std::tuple{r.value, r.logps, d_hidden, d_weight};
    };
    CHECK(run(1, 100) == run(2, 100));
    CHECK(run(1, 16) == run(2, 16));  // completions in several chunks
}
#endif

TEST_CASE("grpo::from_hidden's gradients match central differences", "[grpo][from_hidden][gradient]") {
    const auto c = make_case<double>(3, 5, 3, 7, 64);
    // smooth losses (no clip kinks): SAPO's gate with the k3 KL, and GSPO through SAPO
    for (const auto& loss : {grpo::policy_loss{.loss = grpo::loss_type::sapo, .beta = 0.1},
                             grpo::policy_loss{.loss = grpo::loss_type::sapo, .level = grpo::importance_sampling::sequence}}) {
        for (const index_t chunk : {0, 2}) {  // 2: completions in several chunks
            row_matrix<double> d_hidden(c.hidden.rows(), 3), d_weight(7, 3);
            grpo::from_hidden(loss, c.hidden, c.weight, c.labels, c.batch(), d_hidden, d_weight, {.chunk_rows = chunk});
            const auto value = [&](const row_matrix<double>& h, const row_matrix<double>& w) {
                row_matrix<double> a(h.rows(), h.cols()), b(w.rows(), w.cols());
                return grpo::from_hidden(loss, h, w, c.labels, c.batch(), a, b, {.chunk_rows = chunk}).value;
            };
            prefrl::laws::check_hidden_and_weight_gradients(value, c.hidden, c.weight, d_hidden, d_weight);
        }
    }
}

TEST_CASE("grpo::from_hidden refuses bad input, naming itself", "[grpo][from_hidden][errors]") {
    const auto c = make_case<double>(2, 3, 4, 5, 63);
    row_matrix<double> d_hidden(6, 4), d_weight(5, 4);
    const grpo::policy_loss loss{};
    constexpr auto fn = "prefrl::grpo::from_hidden: ";
    auto b = c.batch();
    const std::vector<double> some(6, -1.0);
    b.logps = some;
    REQUIRE_THROWS_WITH(grpo::from_hidden(loss, c.hidden, c.weight, c.labels, b, d_hidden, d_weight),
                        Contains(std::string(fn) + "batch.logps must be empty"));
    const row_matrix<double> short_hidden = c.hidden.topRows(5);
    REQUIRE_THROWS_WITH(grpo::from_hidden(loss, short_hidden, c.weight, c.labels, c.batch(), d_hidden, d_weight),
                        Contains(std::string(fn) + "hidden has 5 rows but completions * steps = 2 * 3 = 6"));
    const row_matrix<double> narrow(5, 3);
    REQUIRE_THROWS_WITH(grpo::from_hidden(loss, c.hidden, narrow, c.labels, c.batch(), d_hidden, d_weight),
                        Contains(std::string(fn) + "weight is 5 x 3 but hidden is 6 x 4"));
    row_matrix<double> wrong(6, 3);
    REQUIRE_THROWS_WITH(grpo::from_hidden(loss, c.hidden, c.weight, c.labels, c.batch(), wrong, d_weight),
                        Contains(std::string(fn) + "d_hidden is 6 x 3 but hidden is 6 x 4"));
    auto nan_hidden = c.hidden;
    nan_hidden(0, 2) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_WITH(grpo::from_hidden(loss, nan_hidden, c.weight, c.labels, c.batch(), d_hidden, d_weight),
                        Contains(std::string(fn) + "row 0 of the logits"));
    REQUIRE_THROWS_WITH(grpo::from_hidden(grpo::policy_loss{.epsilon = 2.0}, c.hidden, c.weight, c.labels, c.batch(), d_hidden, d_weight),
                        Contains(std::string(fn) + "epsilon must be in (0, 1), got 2"));
    // values are checked before the completions go group by group: the messages index the
    // whole batch, whatever group the entry falls in (chunk_rows 1: one row per chunk)
    auto old = c.old_logps;
    old[4] = std::numeric_limits<double>::quiet_NaN();
    auto with_old = c.batch();
    with_old.old_logps = old;
    const std::vector<double> all_active(6, 1.0), mask_two = {1, 1, 1, 2, 1, 1};
    with_old.mask = all_active;
    std::vector<prefrl::index_t> labels = {0, 1, 2, 3, 4, 0};
    REQUIRE_THROWS_WITH(grpo::from_hidden(loss, c.hidden, c.weight, labels, with_old, d_hidden, d_weight, {.chunk_rows = 1}),
                        Contains(std::string(fn) + "old_logps[4] must be finite where mask is 1, got nan"));
    auto two = c.batch();
    two.mask = mask_two;
    REQUIRE_THROWS_WITH(grpo::from_hidden(loss, c.hidden, c.weight, labels, two, d_hidden, d_weight, {.chunk_rows = 1}),
                        Contains(std::string(fn) + "mask[3] must be 0 or 1, got 2"));
    auto nan_advantage = c.advantages;
    nan_advantage[1] = std::numeric_limits<double>::quiet_NaN();
    auto bad_advantage = c.batch();
    bad_advantage.advantages = nan_advantage;
    REQUIRE_THROWS_WITH(grpo::from_hidden(loss, c.hidden, c.weight, c.labels, bad_advantage, d_hidden, d_weight),
                        Contains(std::string(fn) + "advantages[1] must be finite, got nan"));
}
