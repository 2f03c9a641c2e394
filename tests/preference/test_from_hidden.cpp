// preference::from_hidden: every pair loss from hidden states equals the materialized path
// (logits = H W^T, from_logits, then d_hidden = D W, d_weight = D^T H), pair by pair for the
// separable losses (groups of whole pairs; a pair longer than a chunk in several chunks) and
// in two passes for AOT; PyTorch's DPO (float64 autograd); central differences; 1 vs 2
// threads bitwise; bad input named.

#include <catch2/catch.hpp>

#include <prefrl/core/random.hpp>
#include <prefrl/preference.hpp>

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
namespace pref = prefrl::preference;
using Catch::Matchers::Contains;
using prefrl::index_t;
using prefrl::row_matrix;

template <class T>
struct hidden_case {
    index_t pairs, steps;
    row_matrix<T> hidden, weight;
    std::vector<index_t> labels;
    std::vector<T> mask, ref_chosen, ref_rejected;
};

// pairs of sequences of `steps` tokens; the first token of every sequence is a prompt token
// (mask 0) and sequences end with 0 to 2 padding tokens
template <class T>
hidden_case<T> make_case(index_t pairs, index_t steps, Eigen::Index width, Eigen::Index vocab, std::uint64_t seed) {
    prefrl::generator rng(seed);
    const Eigen::Index rows = 2 * pairs * steps;
    hidden_case<T> c{pairs, steps, row_matrix<T>(rows, width), row_matrix<T>(vocab, width), {}, {}, {}, {}};
    for (Eigen::Index i = 0; i < c.hidden.size(); ++i) c.hidden.data()[i] = static_cast<T>(prefrl::normal<double>(rng));
    for (Eigen::Index i = 0; i < c.weight.size(); ++i)
        c.weight.data()[i] = static_cast<T>(0.4 * prefrl::normal<double>(rng));
    for (index_t s = 0; s < 2 * pairs; ++s) {
        const auto padding = static_cast<index_t>(prefrl::uniform_index(3, rng));
        for (index_t t = 0; t < steps; ++t) {
            const bool active = t > 0 && t < steps - padding;
            c.mask.push_back(active ? T(1) : T(0));
            c.labels.push_back(active ? static_cast<index_t>(prefrl::uniform_index(static_cast<std::size_t>(vocab), rng)) : -100);
        }
    }
    for (index_t i = 0; i < pairs; ++i) {
        c.ref_chosen.push_back(static_cast<T>(-3.0 * static_cast<double>(steps) + prefrl::normal<double>(rng)));
        c.ref_rejected.push_back(static_cast<T>(-3.0 * static_cast<double>(steps) + prefrl::normal<double>(rng)));
    }
    return c;
}

template <class T, class Loss>
void check_against_materialized(const Loss& loss, const hidden_case<T>& c, index_t chunk) {
    const row_matrix<T> logits = c.hidden * c.weight.transpose();
    const auto m = pref::from_logits(loss, logits, c.labels, c.mask, c.ref_chosen, c.ref_rejected, c.steps);
    row_matrix<T> d_hidden = row_matrix<T>::Constant(c.hidden.rows(), c.hidden.cols(), T(3));
    row_matrix<T> d_weight = row_matrix<T>::Constant(c.weight.rows(), c.weight.cols(), T(3));
    const auto r = pref::from_hidden(loss, c.hidden, c.weight, c.labels, c.mask, c.ref_chosen, c.ref_rejected, c.steps,
                                     d_hidden, d_weight, {.chunk_rows = chunk});
    const double eps = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    CHECK(r.value == Approx(m.value).epsilon(eps).margin(eps));
    CHECK(r.rewards_chosen == Approx(m.rewards_chosen).epsilon(eps).margin(eps));
    CHECK(r.rewards_margins == Approx(m.rewards_margins).epsilon(eps).margin(eps));
    CHECK(r.rewards_accuracies == Approx(m.rewards_accuracies).epsilon(eps).margin(eps));
    CHECK(r.logps_rejected == Approx(m.logps_rejected).epsilon(eps).margin(eps));
    prefrl::test::require_near_largest<T>(r.sequence_logprobs, m.sequence_logprobs);
    prefrl::test::require_near_largest<T>(r.d_chosen, m.d_chosen);
    prefrl::test::require_near_largest<T>(r.d_rejected, m.d_rejected);
    prefrl::test::require_near_largest<T>(d_hidden, row_matrix<T>(m.d_logits * c.weight));
    prefrl::test::require_near_largest<T>(d_weight, row_matrix<T>(m.d_logits.transpose() * c.hidden));
}

}  // namespace

TEMPLATE_TEST_CASE("from_hidden equals the materialized path for every pair loss and chunk size", "[preference][from_hidden]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(7, 6, 5, 23, 51);
    STATIC_REQUIRE(prefrl::preference::SeparablePairLoss<pref::dpo>);
    STATIC_REQUIRE_FALSE(prefrl::preference::SeparablePairLoss<pref::aot>);
    // chunk rows: 0 (the library's), smaller than a pair (a pair in chunks, the first cut short), not a
    // multiple of the pairs' rows, all rows
    for (const index_t chunk : {0, 1, 3, 4, 13, 30, 1000}) {
        INFO("chunk_rows = " << chunk);
        check_against_materialized(pref::dpo{.beta = 0.3}, c, chunk);
        check_against_materialized(pref::dpo{.beta = 0.3, .label_smoothing = 0.1,
                                             .divergence = pref::f_divergence::js_divergence}, c, chunk);
        check_against_materialized(pref::ipo{.beta = 0.2}, c, chunk);
        check_against_materialized(pref::hinge{.beta = 0.5}, c, chunk);
        check_against_materialized(pref::robust_dpo{.beta = 0.3, .label_smoothing = 0.2}, c, chunk);
        check_against_materialized(pref::exo{.beta = 0.3}, c, chunk);
        check_against_materialized(pref::nca{.beta = 0.3}, c, chunk);
        check_against_materialized(pref::apo_zero{.beta = 0.3}, c, chunk);
        check_against_materialized(pref::apo_down{.beta = 0.3}, c, chunk);
        check_against_materialized(pref::bco{.beta = 0.3, .delta = 0.1}, c, chunk);
        check_against_materialized(pref::discopop{.beta = 0.3}, c, chunk);
        check_against_materialized(pref::dpo_norm{.beta = 0.3}, c, chunk);
        check_against_materialized(pref::simpo{}, c, chunk);
        check_against_materialized(pref::orpo{}, c, chunk);
        check_against_materialized(pref::sppo_hard{}, c, chunk);
        check_against_materialized(pref::weighted_sum{std::pair{0.8, pref::dpo{}}, std::pair{0.2, pref::bco{}}}, c, chunk);
        check_against_materialized(pref::aot{.beta = 0.3}, c, chunk);  // two passes
    }
}

TEMPLATE_TEST_CASE("from_hidden is exact when a chunk of several pairs spans a run of rows out of order", "[preference][from_hidden]", float, double) {
    // no prompt or padding tokens except at the batch's two ends: a chunk of pairs 0..2 visits
    // rows 1-5, 18-23, 6-11, ... (pair by pair), whose first and last rows are as far apart as
    // a contiguous run; the kernel must still gather them (it once read them in place)
    using T = TestType;
    auto c = make_case<T>(3, 6, 5, 17, 52);
    for (std::size_t r = 0; r < c.mask.size(); ++r) {
        c.mask[r] = T(1);
        c.labels[r] = static_cast<index_t>(r % 17);
    }
    c.mask.front() = T(0);
    c.mask.back() = T(0);
    for (const index_t chunk : {0, 1000}) {
        INFO("chunk_rows = " << chunk);
        check_against_materialized(pref::dpo{.beta = 0.3}, c, chunk);
        check_against_materialized(pref::simpo{}, c, chunk);
    }
}

TEMPLATE_TEST_CASE("from_hidden matches PyTorch's DPO through F.linear (float64 autograd)", "[preference][from_hidden][golden]", float, double) {
    using T = TestType;
    const auto& g = prefrl::test::read_data_file("linear_logprobs_reference.json");
    const auto width = g["hidden_size"].get<Eigen::Index>(), vocab = g["vocab"].get<Eigen::Index>();
    const auto hidden_v = prefrl::test::as_vector<T>(g["hidden"]), weight_v = prefrl::test::as_vector<T>(g["weight"]);
    const auto rows = static_cast<Eigen::Index>(hidden_v.size()) / width;
    const Eigen::Map<const row_matrix<T>> hidden(hidden_v.data(), rows, width);
    const Eigen::Map<const row_matrix<T>> weight(weight_v.data(), vocab, width);
    const auto labels = g["labels"].get<std::vector<index_t>>();
    const auto mask = prefrl::test::as_vector<T>(g["mask"]);
    const auto ref_chosen = prefrl::test::as_vector<T>(g["ref_chosen"]), ref_rejected = prefrl::test::as_vector<T>(g["ref_rejected"]);
    for (const index_t chunk : {0, 3}) {
        row_matrix<T> d_hidden(rows, width), d_weight(vocab, width);
        const auto r = pref::from_hidden(pref::dpo{.beta = 0.1}, hidden, weight, labels, mask, ref_chosen, ref_rejected,
                                         g["steps"].get<index_t>(), d_hidden, d_weight, {.chunk_rows = chunk});
        prefrl::test::require_close<T>(std::vector<T>{r.value}, {g["dpo"]["value"].get<double>()});
        prefrl::test::require_close<T>(d_hidden.template reshaped<Eigen::RowMajor>(), g["dpo"]["d_hidden"].get<std::vector<double>>());
        prefrl::test::require_close<T>(d_weight.template reshaped<Eigen::RowMajor>(), g["dpo"]["d_weight"].get<std::vector<double>>());
    }
}

TEST_CASE("from_hidden's gradients match central differences", "[preference][from_hidden][gradient]") {
    const auto c = make_case<double>(3, 4, 3, 7, 52);
    for (const index_t chunk : {0, 2, 5}) {  // 2: a pair in several chunks
        row_matrix<double> d_hidden(c.hidden.rows(), 3), d_weight(7, 3);
        const pref::simpo loss{};
        pref::from_hidden(loss, c.hidden, c.weight, c.labels, c.mask, c.ref_chosen, c.ref_rejected, c.steps, d_hidden,
                          d_weight, {.chunk_rows = chunk});
        const auto value = [&](const row_matrix<double>& h, const row_matrix<double>& w) {
            row_matrix<double> a(h.rows(), h.cols()), b(w.rows(), w.cols());
            return pref::from_hidden(loss, h, w, c.labels, c.mask, c.ref_chosen, c.ref_rejected, c.steps, a, b,
                                     {.chunk_rows = chunk})
                .value;
        };
        prefrl::laws::check_hidden_and_weight_gradients(value, c.hidden, c.weight, d_hidden, d_weight);
    }
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("from_hidden gives bitwise identical results on 1 and 2 threads", "[preference][from_hidden][threads]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(16, 20, 16, 900, 53);  // chunks of about 128 x 900 logits: parallel
    const auto run = [&](int threads, const auto& loss, index_t chunk) {
        omp_set_num_threads(threads);
        row_matrix<T> d_hidden(c.hidden.rows(), c.hidden.cols()), d_weight(c.weight.rows(), c.weight.cols());
        const auto r = pref::from_hidden(loss, c.hidden, c.weight, c.labels, c.mask, c.ref_chosen, c.ref_rejected,
                                         c.steps, d_hidden, d_weight, {.chunk_rows = chunk});
        return std::tuple{r.value, r.d_chosen, d_hidden, d_weight};
    };
    CHECK(run(1, pref::dpo{}, 128) == run(2, pref::dpo{}, 128));
    CHECK(run(1, pref::dpo{}, 16) == run(2, pref::dpo{}, 16));  // each pair in several chunks
    CHECK(run(1, pref::aot{}, 128) == run(2, pref::aot{}, 128));
}
#endif

TEST_CASE("from_hidden refuses bad input, naming itself", "[preference][from_hidden][errors]") {
    const auto c = make_case<double>(2, 4, 4, 5, 54);
    row_matrix<double> d_hidden(16, 4), d_weight(5, 4);
    constexpr auto fn = "prefrl::preference::from_hidden: ";
    const auto call = [&](const auto& loss, const auto& hidden, const auto& weight, const std::vector<index_t>& labels,
                          const std::vector<double>& mask, const std::vector<double>& ref_c, index_t steps,
                          row_matrix<double>& dh, row_matrix<double>& dw) {
        return pref::from_hidden(loss, hidden, weight, labels, mask, ref_c, c.ref_rejected, steps, dh, dw);
    };
    REQUIRE_THROWS_WITH(call(pref::dpo{}, c.hidden, c.weight, c.labels, c.mask, c.ref_chosen, 5, d_hidden, d_weight),
                        Contains(std::string(fn) + "hidden has 16 rows, not a multiple of 2 * steps = 10"));
    REQUIRE_THROWS_WITH(call(pref::dpo{}, c.hidden, c.weight, c.labels, c.mask, c.ref_chosen, 0, d_hidden, d_weight),
                        Contains(std::string(fn) + "steps must be > 0"));
    const std::vector<double> short_ref{-1.0};
    REQUIRE_THROWS_WITH(call(pref::dpo{}, c.hidden, c.weight, c.labels, c.mask, short_ref, 4, d_hidden, d_weight),
                        Contains(std::string(fn) + "ref_chosen has 1"));
    auto nan_ref = c.ref_chosen;
    nan_ref[1] = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_WITH(call(pref::dpo{}, c.hidden, c.weight, c.labels, c.mask, nan_ref, 4, d_hidden, d_weight),
                        Contains(std::string(fn) + "ref_chosen[1] must be finite"));
    auto labels = c.labels;
    std::size_t active = 0;
    while (c.mask[active] == 0.0) ++active;
    labels[active] = 9;
    REQUIRE_THROWS_WITH(call(pref::dpo{}, c.hidden, c.weight, labels, c.mask, c.ref_chosen, 4, d_hidden, d_weight),
                        Contains(std::string(fn) + "labels[" + std::to_string(active) + "] must be in [0, 5)"));
    row_matrix<double> wrong(5, 3);
    REQUIRE_THROWS_WITH(call(pref::dpo{}, c.hidden, c.weight, c.labels, c.mask, c.ref_chosen, 4, d_hidden, wrong),
                        Contains(std::string(fn) + "d_weight is 5 x 3 but weight is 5 x 4"));
    // the loss's own checks, with the pairs of the chunk they refer to
    REQUIRE_THROWS_WITH(call(pref::dpo{.beta = -1.0}, c.hidden, c.weight, c.labels, c.mask, c.ref_chosen, 4, d_hidden, d_weight),
                        Contains("prefrl::preference::dpo: beta must be > 0, got -1"));
    auto no_tokens = c.mask;  // rejected sequence of pair 1 has no completion tokens: simpo needs its length
    for (int t = 0; t < 4; ++t) no_tokens[12 + t] = 0.0;
    REQUIRE_THROWS_WITH(call(pref::simpo{}, c.hidden, c.weight, c.labels, no_tokens, c.ref_chosen, 4, d_hidden, d_weight),
                        Contains(std::string(fn) + "pairs [0, 2)") && Contains("rejected_length[1] must be > 0"));
    // a loss that needs fields from_hidden does not give
    REQUIRE_THROWS_WITH(call(pref::inpo{}, c.hidden, c.weight, c.labels, c.mask, c.ref_chosen, 4, d_hidden, d_weight),
                        Contains("anchor_chosen is required by this loss but was not given"));
}
