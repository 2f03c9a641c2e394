// Kernels against the PyTorch float64 golden vectors (tests/data/golden.json, "kernels").

#include <catch2/catch.hpp>

#include <prefrl/core/math.hpp>
#include <prefrl/kernel/sequence_sums.hpp>
#include <prefrl/kernel/token_logprobs.hpp>

#include <vector>

#include "support/compare.hpp"
#include "support/golden.hpp"

namespace {

template <class T>
prefrl::row_matrix<T> matrix_of(const nlohmann::json& values, Eigen::Index rows, Eigen::Index cols) {
    const std::vector<T> flat = prefrl::test::as_vector<T>(values);
    return Eigen::Map<const prefrl::row_matrix<T>>(flat.data(), rows, cols);
}

}  // namespace

TEMPLATE_TEST_CASE("token_logprobs and its backward match the golden vectors", "[kernel][golden]", float, double) {
    using T = TestType;
    int cases = 0;
    for (const auto& c : prefrl::test::golden()["kernels"]) {
        if (c["kernel"] != "token_logprobs") continue;
        ++cases;
        const auto rows = c["rows"].get<Eigen::Index>();
        const auto vocab = c["vocab"].get<Eigen::Index>();
        INFO("case " << rows << " x " << vocab);
        const auto logits = matrix_of<T>(c["logits"], rows, vocab);
        const auto labels = c["labels"].get<std::vector<prefrl::index_t>>();
        const auto mask = prefrl::test::as_vector<T>(c["mask"]);
        const auto upstream = prefrl::test::as_vector<T>(c["upstream"]);

        const auto lp = prefrl::kernel::token_logprobs(logits, labels, mask);
        prefrl::test::require_close<T>(lp, c["token_logprobs"].get<std::vector<double>>());

        const auto d = prefrl::kernel::token_logprobs_backward(logits, labels, mask, upstream);
        const prefrl::vector<T> flat = d.template reshaped<Eigen::RowMajor>();
        prefrl::test::require_close<T>(flat, c["d_logits"].get<std::vector<double>>());
    }
    REQUIRE(cases == 2);
}

TEMPLATE_TEST_CASE("sequence log-probs and d_logits of a DPO step match the golden case", "[kernel][golden]", float, double) {
    // The kernels' part of DPO from logits: token log-probs, per-sequence sums, and the
    // backward pass with the per-sequence gradient of the sigmoid DPO loss (written out here:
    // L = mean_i -log sigma(beta (c_i - c0_i - r_i + r0_i))).
    using T = TestType;
    const nlohmann::json* found = nullptr;
    for (const auto& c : prefrl::test::golden()["kernels"])
        if (c["kernel"] == "dpo_from_logits") found = &c;
    REQUIRE(found != nullptr);
    const auto& c = *found;
    const auto pairs = c["pairs"].get<Eigen::Index>();
    const auto steps = c["steps"].get<Eigen::Index>();
    const auto vocab = c["vocab"].get<Eigen::Index>();
    const double beta = c["beta"].get<double>();
    const auto logits = matrix_of<T>(c["logits"], 2 * pairs * steps, vocab);
    const auto labels = c["labels"].get<std::vector<prefrl::index_t>>();
    const auto mask = prefrl::test::as_vector<T>(c["mask"]);
    const auto reference = c["reference"].get<std::vector<double>>();

    const auto token_lp = prefrl::kernel::token_logprobs(logits, labels, mask);
    const auto seq = prefrl::kernel::sequence_sums(token_lp, steps);
    prefrl::test::require_close<T>(seq, c["sequence_logprobs"].get<std::vector<double>>());

    std::vector<T> d_sequence(static_cast<std::size_t>(2 * pairs));
    double value = 0;
    for (Eigen::Index i = 0; i < pairs; ++i) {
        const double u = beta * ((double(seq[i]) - reference[std::size_t(i)]) -
                                 (double(seq[pairs + i]) - reference[std::size_t(pairs + i)]));
        value += -prefrl::log_sigmoid(u) / double(pairs);
        const double g = -beta * prefrl::sigmoid(-u) / double(pairs);  // dL/dc; dL/dr = -g
        d_sequence[std::size_t(i)] = static_cast<T>(g);
        d_sequence[std::size_t(pairs + i)] = static_cast<T>(-g);
    }
    CHECK(value == Approx(c["value"].get<double>()).epsilon(std::is_same_v<T, double> ? 1e-12 : 1e-5));

    const auto upstream = prefrl::kernel::sequence_broadcast<T>(d_sequence, steps);
    prefrl::row_matrix<T> d_logits(logits.rows(), logits.cols());
    prefrl::kernel::token_logprobs_backward(logits, labels, mask, prefrl::as_span(upstream), d_logits);
    const prefrl::vector<T> flat = d_logits.template reshaped<Eigen::RowMajor>();
    prefrl::test::require_close<T>(flat, c["d_logits"].get<std::vector<double>>());
}
