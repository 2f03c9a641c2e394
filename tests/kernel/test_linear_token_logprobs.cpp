// The fused linear kernels: equal to the materialized path (logits = H W^T, then the token
// kernels, then d_hidden = D W, d_weight = D^T H) for chunk sizes that do and do not divide the
// rows, central differences for d_hidden and d_weight, PyTorch float64 autograd
// (tests/data/linear_logprobs_reference.json), 1 vs 2 threads bitwise, bad input named.

#include <catch2/catch.hpp>

#include <prefrl/core/random.hpp>
#include <prefrl/kernel/linear_token_logprobs.hpp>
#include <prefrl/kernel/token_logprobs.hpp>

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
namespace kernel = prefrl::kernel;
using Catch::Matchers::Contains;
using prefrl::index_t;
using prefrl::row_matrix;

template <class T>
struct linear_case {
    row_matrix<T> hidden, weight;
    std::vector<index_t> labels;
    std::vector<T> mask, upstream;
};

// rows x width hidden states, vocab x width weight; every fourth row masked (label -100)
template <class T>
linear_case<T> make_case(Eigen::Index rows, Eigen::Index width, Eigen::Index vocab, std::uint64_t seed) {
    prefrl::generator rng(seed);
    linear_case<T> c{row_matrix<T>(rows, width), row_matrix<T>(vocab, width), {}, {}, {}};
    for (Eigen::Index i = 0; i < c.hidden.size(); ++i) c.hidden.data()[i] = static_cast<T>(prefrl::normal<double>(rng));
    for (Eigen::Index i = 0; i < c.weight.size(); ++i)
        c.weight.data()[i] = static_cast<T>(0.5 * prefrl::normal<double>(rng));
    for (Eigen::Index r = 0; r < rows; ++r) {
        const bool active = r % 4 != 1;
        c.mask.push_back(active ? T(1) : T(0));
        c.labels.push_back(active ? static_cast<index_t>(prefrl::uniform_index(static_cast<std::size_t>(vocab), rng)) : -100);
        c.upstream.push_back(static_cast<T>(prefrl::normal<double>(rng)));
    }
    return c;
}

}  // namespace

TEMPLATE_TEST_CASE("linear token log-probs equal the materialized path for any chunk size", "[kernel][linear]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(23, 6, 37, 41);
    const row_matrix<T> logits = c.hidden * c.weight.transpose();
    const auto lp = kernel::token_logprobs_forward(logits, c.labels, c.mask);
    const auto d_logits = kernel::token_logprobs_backward(logits, c.labels, c.mask, c.upstream);
    const row_matrix<T> d_hidden_ref = d_logits * c.weight, d_weight_ref = d_logits.transpose() * c.hidden;
    for (const index_t chunk : {0, 1, 4, 5, 17, 23, 100}) {  // 17 of 23 rows: 4 do not divide the active rows
        INFO("chunk_rows = " << chunk);
        const kernel::linear_logprobs_options options{.chunk_rows = chunk};
        const auto forward = kernel::linear_token_logprobs_forward(c.hidden, c.weight, c.labels, c.mask, options);
        prefrl::test::require_near_largest<T>(forward.logprobs, lp.logprobs);
        for (std::size_t r = 0; r < c.mask.size(); ++r) {
            if (c.mask[r] == T(0)) {
                CHECK(forward.logprobs[static_cast<Eigen::Index>(r)] == T(0));
                CHECK(forward.logsumexp[static_cast<Eigen::Index>(r)] == 0.0);
            } else {
                CHECK(forward.logsumexp[static_cast<Eigen::Index>(r)] ==
                      Approx(lp.logsumexp[static_cast<Eigen::Index>(r)]).epsilon(std::is_same_v<T, float> ? 1e-6 : 1e-13));
            }
        }
        // garbage in the output buffers: overwritten, not accumulated
        row_matrix<T> d_hidden = row_matrix<T>::Constant(c.hidden.rows(), c.hidden.cols(), T(7));
        row_matrix<T> d_weight = row_matrix<T>::Constant(c.weight.rows(), c.weight.cols(), T(7));
        const std::vector<double> lse(forward.logsumexp.data(), forward.logsumexp.data() + forward.logsumexp.size());
        kernel::linear_token_logprobs_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream, lse, d_hidden, d_weight,
                                               options);
        prefrl::test::require_near_largest<T>(d_hidden, d_hidden_ref);
        prefrl::test::require_near_largest<T>(d_weight, d_weight_ref);
        {  // the forward's Eigen vector of log-sum-exps passed straight in: the same bits
            row_matrix<T> d_hidden_e(c.hidden.rows(), c.hidden.cols()), d_weight_e(c.weight.rows(), c.weight.cols());
            kernel::linear_token_logprobs_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream, forward.logsumexp,
                                                   d_hidden_e, d_weight_e, options);
            CHECK(d_hidden_e == d_hidden);
            CHECK(d_weight_e == d_weight);
        }
        for (std::size_t r = 0; r < c.mask.size(); ++r)
            if (c.mask[r] == T(0)) CHECK(d_hidden.row(static_cast<Eigen::Index>(r)).isZero(0));
        // one pass: the same log-probs and gradients
        row_matrix<T> d_hidden_1 = d_hidden, d_weight_1 = d_weight;
        const auto lp_1 = kernel::linear_token_logprobs_and_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream,
                                                                     d_hidden_1, d_weight_1, options);
        prefrl::test::require_near_largest<T>(lp_1, forward.logprobs);  // its log-sum-exp sums the stored exponentials: equal to rounding
        prefrl::test::require_near_largest<T>(d_hidden_1, d_hidden_ref);
        prefrl::test::require_near_largest<T>(d_weight_1, d_weight_ref);
    }
}

TEMPLATE_TEST_CASE("linear_cross_entropy is the masked mean token NLL with its gradients", "[kernel][linear]", float, double) {
    using T = TestType;
    auto c = make_case<T>(19, 5, 29, 42);
    c.mask[2] = T(0.5);  // a weighted token
    const row_matrix<T> logits = c.hidden * c.weight.transpose();
    const auto lp = kernel::token_logprobs(logits, c.labels, c.mask);
    double tokens = 0.0, sum = 0.0;
    for (std::size_t r = 0; r < c.mask.size(); ++r) {
        tokens += static_cast<double>(c.mask[r]);
        sum += static_cast<double>(lp[static_cast<Eigen::Index>(r)]);
    }
    const std::vector<T> up(c.mask.size(), static_cast<T>(-1.0 / tokens));
    const auto d_logits = kernel::token_logprobs_backward(logits, c.labels, c.mask, up);
    for (const index_t chunk : {0, 3, 8}) {
        row_matrix<T> d_hidden(c.hidden.rows(), c.hidden.cols()), d_weight(c.weight.rows(), c.weight.cols());
        const auto nll = kernel::linear_cross_entropy(c.hidden, c.weight, c.labels, c.mask, d_hidden, d_weight,
                                                      {.chunk_rows = chunk});
        CHECK(nll.tokens == static_cast<T>(tokens));
        CHECK(nll.value == Approx(-sum / tokens).epsilon(std::is_same_v<T, float> ? 1e-5 : 1e-12));
        prefrl::test::require_near_largest<T>(d_hidden, row_matrix<T>(d_logits * c.weight));
        prefrl::test::require_near_largest<T>(d_weight, row_matrix<T>(d_logits.transpose() * c.hidden));
    }
}

TEMPLATE_TEST_CASE("linear kernels over many vocabulary slices (d_hidden summed in groups) equal the materialized path",
                   "[kernel][linear]", float, double) {
    using T = TestType;
    // 10000 entries: 5 slices of 2048, so d_hidden's 4 groups hold 1, 1, 1 and 2 slices
    auto c = make_case<T>(21, 5, 10000, 46);
    for (const bool all_active : {false, true}) {  // masked rows make a chunk's rows non-consecutive
        INFO("all rows active: " << all_active);
        if (all_active)
            for (std::size_t r = 0; r < c.mask.size(); ++r)
                if (c.mask[r] == T(0)) {
                    c.mask[r] = T(1);
                    c.labels[r] = static_cast<index_t>(r);
                }
        const row_matrix<T> logits = c.hidden * c.weight.transpose();
        const row_matrix<T> d_logits = kernel::token_logprobs_backward(logits, c.labels, c.mask, c.upstream);
        const row_matrix<T> d_hidden_ref = d_logits * c.weight, d_weight_ref = d_logits.transpose() * c.hidden;
        for (const index_t chunk : {0, 8}) {
            INFO("chunk_rows = " << chunk);
            row_matrix<T> d_hidden(c.hidden.rows(), c.hidden.cols()), d_weight(c.weight.rows(), c.weight.cols());
            (void)kernel::linear_token_logprobs_and_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream, d_hidden,
                                                           d_weight, {.chunk_rows = chunk});
            prefrl::test::require_near_largest<T>(d_hidden, d_hidden_ref);
            prefrl::test::require_near_largest<T>(d_weight, d_weight_ref);
        }
    }
}

TEST_CASE("the pair losses' default chunk is a tenth of the batch's logits, between 16 and 64 MiB", "[kernel][linear]") {
    constexpr auto fn = "test";
    const Eigen::Index vocab = 32000;  // a float row: 128000 bytes
    CHECK(prefrl::detail::linear_pair_chunk_rows<float>(fn, 0, 4096, vocab) == 409);                     // 52 MB
    CHECK(prefrl::detail::linear_pair_chunk_rows<float>(fn, 0, 64, vocab) == (16 << 20) / 128000);         // 131
    CHECK(prefrl::detail::linear_pair_chunk_rows<float>(fn, 0, 1 << 20, vocab) == (64 << 20) / 128000);    // 524
    CHECK(prefrl::detail::linear_pair_chunk_rows<float>(fn, 48, 4096, vocab) == 48);                       // the caller's
    CHECK(prefrl::detail::linear_pair_chunk_rows<double>(fn, 0, 4096, vocab) == (64 << 20) / 256000);  // 262: capped
    CHECK(prefrl::detail::linear_chunk_rows<float>(fn, 0, vocab) == 131);  // the other kernels: 16 MiB
}

TEST_CASE("linear kernels' gradients match central differences", "[kernel][linear][gradient]") {
    const auto c = make_case<double>(9, 4, 13, 43);
    row_matrix<double> d_hidden(9, 4), d_weight(13, 4);
    kernel::linear_cross_entropy(c.hidden, c.weight, c.labels, c.mask, d_hidden, d_weight, {.chunk_rows = 4});
    const auto nll_of = [&](const row_matrix<double>& h, const row_matrix<double>& w) {
        row_matrix<double> a(h.rows(), h.cols()), b(w.rows(), w.cols());
        return kernel::linear_cross_entropy(h, w, c.labels, c.mask, a, b, {.chunk_rows = 4}).value;
    };
    prefrl::laws::check_hidden_and_weight_gradients(nll_of, c.hidden, c.weight, d_hidden, d_weight);
    // the backward of sum_r upstream[r] lp[r], with an upstream of both signs
    const auto forward = kernel::linear_token_logprobs_forward(c.hidden, c.weight, c.labels, c.mask);
    const std::vector<double> lse(forward.logsumexp.data(), forward.logsumexp.data() + forward.logsumexp.size());
    kernel::linear_token_logprobs_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream, lse, d_hidden, d_weight,
                                           {.chunk_rows = 2});
    const auto weighted = [&](const row_matrix<double>& h, const row_matrix<double>& w) {
        const auto lp = kernel::linear_token_logprobs_forward(h, w, c.labels, c.mask).logprobs;
        double s = 0.0;
        for (Eigen::Index r = 0; r < lp.size(); ++r) s += c.upstream[static_cast<std::size_t>(r)] * lp[r];
        return s;
    };
    prefrl::laws::check_hidden_and_weight_gradients(weighted, c.hidden, c.weight, d_hidden, d_weight);
}

TEMPLATE_TEST_CASE("linear kernels match PyTorch's F.linear + log_softmax + gather (float64 autograd)", "[kernel][linear][golden]", float, double) {
    using T = TestType;
    const auto& g = prefrl::test::read_data_file("linear_logprobs_reference.json");
    const auto rows = g["hidden"].size() / g["hidden_size"].get<std::size_t>();
    const auto width = g["hidden_size"].get<Eigen::Index>(), vocab = g["vocab"].get<Eigen::Index>();
    const auto hidden_v = prefrl::test::as_vector<T>(g["hidden"]), weight_v = prefrl::test::as_vector<T>(g["weight"]);
    const Eigen::Map<const row_matrix<T>> hidden(hidden_v.data(), static_cast<Eigen::Index>(rows), width);
    const Eigen::Map<const row_matrix<T>> weight(weight_v.data(), vocab, width);
    const auto labels = g["labels"].get<std::vector<index_t>>();
    const auto mask = prefrl::test::as_vector<T>(g["mask"]);
    const auto forward = kernel::linear_token_logprobs_forward(hidden, weight, labels, mask);
    prefrl::test::require_close<T>(forward.logprobs, g["token_logprobs"].get<std::vector<double>>());
    row_matrix<T> d_hidden(hidden.rows(), width), d_weight(vocab, width);
    const auto nll = kernel::linear_cross_entropy(hidden, weight, labels, mask, d_hidden, d_weight, {.chunk_rows = 3});
    prefrl::test::require_close<T>(std::vector<T>{nll.value}, {g["nll"]["value"].get<double>()});
    prefrl::test::require_close<T>(d_hidden.template reshaped<Eigen::RowMajor>(), g["nll"]["d_hidden"].get<std::vector<double>>());
    prefrl::test::require_close<T>(d_weight.template reshaped<Eigen::RowMajor>(), g["nll"]["d_weight"].get<std::vector<double>>());
}

TEMPLATE_TEST_CASE("linear kernels take a block of a larger matrix (an outer stride)", "[kernel][linear]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(12, 5, 21, 44);
    row_matrix<T> wide = row_matrix<T>::Zero(12, 9);
    wide.leftCols(5) = c.hidden;
    const auto from_block = kernel::linear_token_logprobs_forward(wide.leftCols(5), c.weight, c.labels, c.mask);
    const auto from_dense = kernel::linear_token_logprobs_forward(c.hidden, c.weight, c.labels, c.mask);
    CHECK(from_block.logprobs == from_dense.logprobs);
}

#if defined(_OPENMP)
TEMPLATE_TEST_CASE("linear kernels give bitwise identical results on 1 and 2 threads", "[kernel][linear][threads]", float, double) {
    using T = TestType;
    const auto c = make_case<T>(300, 24, 700, 45);  // chunks of 128 x 700 logits: above the parallel threshold
    const auto run = [&](int threads) {
        omp_set_num_threads(threads);
        row_matrix<T> d_hidden(300, 24), d_weight(700, 24), d_hidden_2(300, 24), d_weight_2(700, 24);
        const auto forward = kernel::linear_token_logprobs_forward(c.hidden, c.weight, c.labels, c.mask, {.chunk_rows = 128});
        const std::vector<double> lse(forward.logsumexp.data(), forward.logsumexp.data() + forward.logsumexp.size());
        kernel::linear_token_logprobs_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream, lse, d_hidden, d_weight,
                                               {.chunk_rows = 128});
        const auto nll = kernel::linear_cross_entropy(c.hidden, c.weight, c.labels, c.mask, d_hidden_2, d_weight_2);
        return std::tuple{forward.logprobs, d_hidden, d_weight, nll.value, d_hidden_2, d_weight_2};
    };
    const auto one = run(1);
    const auto two = run(2);
    {  // many vocabulary slices: d_hidden's groups of slices split over the threads
        const auto wide = make_case<T>(40, 6, 9000, 47);
        const auto run_wide = [&](int threads) {
            omp_set_num_threads(threads);
            row_matrix<T> d_hidden(40, 6), d_weight(9000, 6);
            (void)kernel::linear_cross_entropy(wide.hidden, wide.weight, wide.labels, wide.mask, d_hidden, d_weight);
            return std::pair{d_hidden, d_weight};
        };
        const auto wide_one = run_wide(1), wide_two = run_wide(2);
        CHECK(wide_one.first == wide_two.first);
        CHECK(wide_one.second == wide_two.second);
    }
    CHECK(std::get<0>(one) == std::get<0>(two));
    CHECK(std::get<1>(one) == std::get<1>(two));
    CHECK(std::get<2>(one) == std::get<2>(two));
    CHECK(std::get<3>(one) == std::get<3>(two));
    CHECK(std::get<4>(one) == std::get<4>(two));
    CHECK(std::get<5>(one) == std::get<5>(two));
}
#endif

TEST_CASE("linear kernels refuse bad input, naming the function and the argument", "[kernel][linear][errors]") {
    const auto c = make_case<double>(6, 3, 7, 46);
    row_matrix<double> d_hidden(6, 3), d_weight(7, 3);
    const std::vector<double> lse(6, 1.0);
    constexpr auto fwd = "prefrl::kernel::linear_token_logprobs_forward: ";
    const row_matrix<double> narrow_weight(7, 2);
    REQUIRE_THROWS_AS(kernel::linear_token_logprobs_forward(c.hidden, narrow_weight, c.labels, c.mask), prefrl::invalid_argument);
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_forward(c.hidden, narrow_weight, c.labels, c.mask),
                        Contains(std::string(fwd) + "weight is 7 x 2 but hidden is 6 x 3"));
    const std::vector<index_t> short_labels(5, 0);
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_forward(c.hidden, c.weight, short_labels, c.mask),
                        Contains(std::string(fwd) + "labels has 5 entries but hidden has 6 rows"));
    auto labels = c.labels;
    labels[0] = 7;
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_forward(c.hidden, c.weight, labels, c.mask),
                        Contains(std::string(fwd) + "labels[0] must be in [0, 7)"));
    auto mask = c.mask;
    mask[3] = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_forward(c.hidden, c.weight, c.labels, mask),
                        Contains(std::string(fwd) + "mask[3] must be finite"));
    auto bad_hidden = c.hidden;
    bad_hidden(2, 1) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_forward(bad_hidden, c.weight, c.labels, c.mask),
                        Contains(std::string(fwd) + "row 2 of the logits hidden * weight^T has no finite log-sum-exp"));
    auto bad_weight = c.weight;
    bad_weight(4, 0) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_forward(c.hidden, bad_weight, c.labels, c.mask),
                        Contains(std::string(fwd) + "row 0 of the logits"));
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_forward(c.hidden, c.weight, c.labels, c.mask, {.chunk_rows = -1}),
                        Contains(std::string(fwd) + "options.chunk_rows must be >= 0"));
    const row_matrix<double> empty(0, 3);
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_forward(empty, c.weight, std::vector<index_t>{}, std::vector<double>{}),
                        Contains(std::string(fwd) + "hidden must not be empty"));

    constexpr auto bwd = "prefrl::kernel::linear_token_logprobs_backward: ";
    row_matrix<double> wrong_d_hidden(6, 4), wrong_d_weight(6, 3);
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream, lse,
                                                               wrong_d_hidden, d_weight),
                        Contains(std::string(bwd) + "d_hidden is 6 x 4 but hidden is 6 x 3"));
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream, lse,
                                                               d_hidden, wrong_d_weight),
                        Contains(std::string(bwd) + "d_weight is 6 x 3 but weight is 7 x 3"));
    const std::vector<double> short_upstream(5, 1.0), short_lse(5, 1.0);
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_backward(c.hidden, c.weight, c.labels, c.mask, short_upstream, lse,
                                                               d_hidden, d_weight),
                        Contains(std::string(bwd) + "upstream has 5 entries but hidden has 6 rows"));
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream, short_lse,
                                                               d_hidden, d_weight),
                        Contains(std::string(bwd) + "logsumexp has 5 entries but hidden has 6 rows"));
    auto nan_lse = lse;
    nan_lse[0] = std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_WITH(kernel::linear_token_logprobs_backward(c.hidden, c.weight, c.labels, c.mask, c.upstream, nan_lse,
                                                               d_hidden, d_weight),
                        Contains(std::string(bwd) + "logsumexp[0] must be finite"));
    const std::vector<double> none(6, 0.0);
    REQUIRE_THROWS_WITH(kernel::linear_cross_entropy(c.hidden, c.weight, c.labels, none, d_hidden, d_weight),
                        Contains("prefrl::kernel::linear_cross_entropy: mask must sum to a positive number of tokens, got 0"));
}
