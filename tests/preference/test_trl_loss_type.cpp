// Pair losses chosen at run time by TRL's loss_type strings: each name gives the loss TRL's
// DPOTrainer computes, with the config's hyperparameters; lists are weighted sums (MPO).

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <prefrl/preference.hpp>

namespace pref = prefrl::preference;

namespace {

// Configs are built here, outside the test templates, as a user's code would fill them: GCC 12
// hits an internal compiler error on a designated-initializer temporary of this struct (its
// members are strings and vectors with default initializers) inside a function template.
pref::trl_dpo_config with_divergence(std::string name) {
    pref::trl_dpo_config c;
    c.f_divergence_type = std::move(name);
    return c;
}

pref::trl_dpo_config with_losses(std::vector<std::string> names, std::vector<double> weights = {}, double beta = 0.1) {
    pref::trl_dpo_config c;
    c.loss_type = std::move(names);
    c.loss_weights = std::move(weights);
    c.beta = beta;
    return c;
}

pref::trl_dpo_config with_beta(double beta) {
    pref::trl_dpo_config c;
    c.beta = beta;
    return c;
}

template <class T>
pref::owning_pair_batch<T> sample_batch() {
    return pref::owning_pair_batch<T>({.chosen = {T(-1.0), T(-2.5), T(-0.7), T(-3.0)},
                                       .rejected = {T(-2.0), T(-1.5), T(-0.9), T(-2.2)},
                                       .ref_chosen = {T(-1.2), T(-2.1), T(-0.8), T(-2.6)},
                                       .ref_rejected = {T(-1.9), T(-1.4), T(-1.1), T(-2.0)},
                                       .chosen_length = {T(3), T(5), T(2), T(7)},
                                       .rejected_length = {T(4), T(3), T(2), T(6)}});
}

template <class Loss, class T>
void check_same(const pref::any_pair_loss& chosen, const Loss& direct, const pref::pair_batch<T>& batch) {
    REQUIRE(std::holds_alternative<Loss>(chosen));
    const auto got = std::visit([&](const auto& l) { return l(batch); }, chosen);
    const auto want = direct(batch);
    CHECK(got.value == want.value);
    CHECK(got.d_chosen == want.d_chosen);
    CHECK(got.d_rejected == want.d_rejected);
}

}  // namespace

TEMPLATE_TEST_CASE("TRL loss_type names give TRL's losses with the config's hyperparameters", "[preference][trl]", float, double) {
    using T = TestType;
    const auto batch = sample_batch<T>();
    pref::trl_dpo_config c;
    c.beta = 0.3;
    c.label_smoothing = 0.1;
    c.discopop_tau = 0.07;
    check_same(pref::pair_loss_from_trl("sigmoid", c), pref::dpo{.beta = 0.3, .label_smoothing = 0.1}, batch);
    check_same(pref::pair_loss_from_trl("hinge", c), pref::hinge{.beta = 0.3}, batch);
    check_same(pref::pair_loss_from_trl("ipo", c), pref::ipo{.beta = 0.3}, batch);
    check_same(pref::pair_loss_from_trl("exo_pair", c), pref::exo{.beta = 0.3, .label_smoothing = 0.1}, batch);
    check_same(pref::pair_loss_from_trl("nca_pair", c), pref::nca{.beta = 0.3}, batch);
    check_same(pref::pair_loss_from_trl("robust", c), pref::robust_dpo{.beta = 0.3, .label_smoothing = 0.1}, batch);
    check_same(pref::pair_loss_from_trl("bco_pair", c), pref::bco{.beta = 0.3}, batch);
    check_same(pref::pair_loss_from_trl("sppo_hard", c), pref::sppo_hard{.beta = 0.3}, batch);
    check_same(pref::pair_loss_from_trl("aot", c), pref::aot{.beta = 0.3, .label_smoothing = 0.1}, batch);
    check_same(pref::pair_loss_from_trl("aot_unpaired", c), pref::aot_unpaired{.beta = 0.3, .label_smoothing = 0.1}, batch);
    check_same(pref::pair_loss_from_trl("apo_zero", c), pref::apo_zero{.beta = 0.3}, batch);
    check_same(pref::pair_loss_from_trl("apo_down", c), pref::apo_down{.beta = 0.3}, batch);
    check_same(pref::pair_loss_from_trl("discopop", c), pref::discopop{.beta = 0.3, .tau = 0.07}, batch);
    check_same(pref::pair_loss_from_trl("sigmoid_norm", c), pref::dpo_norm{.beta = 0.3}, batch);
    // f-DPO through f_divergence_type, with TRL's alpha default 0.5
    check_same(pref::pair_loss_from_trl("sigmoid", with_divergence("alpha_divergence")),
               pref::dpo{.divergence = pref::f_divergence::alpha_divergence, .alpha = 0.5}, batch);
    check_same(pref::pair_loss_from_trl("sigmoid", with_divergence("js_divergence")),
               pref::dpo{.divergence = pref::f_divergence::js_divergence}, batch);
}

TEMPLATE_TEST_CASE("trl_pair_loss: a loss_type list with loss_weights is the weighted sum", "[preference][trl]", float, double) {
    using T = TestType;
    const auto batch = sample_batch<T>();
    // MPO's combination, as TRL's docs give it
    const pref::trl_pair_loss mpo(with_losses({"sigmoid", "bco_pair", "apo_zero"}, {0.8, 0.2, 1.0}));
    const auto got = mpo(batch);
    const auto want = pref::weighted_sum{std::pair{0.8, pref::dpo{}}, std::pair{0.2, pref::bco{}}, std::pair{1.0, pref::apo_zero{}}}(batch);
    CHECK(got.value == want.value);
    CHECK(got.d_chosen == want.d_chosen);
    CHECK(got.d_rejected == want.d_rejected);
    CHECK(got.rewards_margins == want.rewards_margins);  // the first term's metrics
    REQUIRE(mpo.terms().size() == 3);
    CHECK(mpo.terms()[1].first == 0.2);

    // one name, weight 1: exactly the loss
    const pref::trl_pair_loss ipo(with_losses({"ipo"}, {}, 0.5));
    CHECK(ipo(batch).value == pref::ipo{.beta = 0.5}(batch).value);
    // no weights: every weight 1
    const pref::trl_pair_loss both(with_losses({"sigmoid", "hinge"}));
    CHECK(static_cast<double>(both(batch).value) ==
          Approx(static_cast<double>(pref::dpo{}(batch).value) + static_cast<double>(pref::hinge{}(batch).value)));

    // BCO's delta, set from the running mean as TRL keeps it
    pref::trl_pair_loss bco(with_losses({"bco_pair"}));
    bco.set_bco_delta(0.25);
    CHECK(bco(batch).value == pref::bco{.delta = 0.25}(batch).value);

    // it is a pair loss like any other: from_logits takes it
    const prefrl::index_t steps = 2, vocab = 3;
    prefrl::row_matrix<T> logits(2 * 2 * steps, vocab);
    for (Eigen::Index i = 0; i < logits.size(); ++i) logits.data()[i] = static_cast<T>(0.1 * static_cast<double>(i % 7) - 0.3);
    const std::vector<prefrl::index_t> labels{0, 1, 2, 0, 1, 2, 0, 1};
    const std::vector<T> mask(8, T(1)), ref{T(-2), T(-2.5), T(-2.2), T(-2.4)};
    const std::span<const T> r(ref);
    const auto a = pref::from_logits(ipo, logits, labels, mask, r.first(2), r.last(2), steps);
    const auto b = pref::from_logits(pref::ipo{.beta = 0.5}, logits, labels, mask, r.first(2), r.last(2), steps);
    CHECK(a.value == b.value);
    CHECK(a.d_logits == b.d_logits);
    // and from_hidden (the two-pass path: its terms are known only at run time)
    const prefrl::index_t hidden_size = 2;
    prefrl::row_matrix<T> hidden(8, hidden_size), weight(vocab, hidden_size);
    for (Eigen::Index i = 0; i < hidden.size(); ++i) hidden.data()[i] = static_cast<T>(0.05 * static_cast<double>(i % 5) - 0.1);
    for (Eigen::Index i = 0; i < weight.size(); ++i) weight.data()[i] = static_cast<T>(0.2 * static_cast<double>(i % 3) - 0.2);
    prefrl::row_matrix<T> dh_a(8, hidden_size), dw_a(vocab, hidden_size), dh_b(8, hidden_size), dw_b(vocab, hidden_size);
    const auto ha = pref::from_hidden(ipo, hidden, weight, labels, mask, r.first(2), r.last(2), steps, dh_a, dw_a);
    const auto hb = pref::from_hidden(pref::ipo{.beta = 0.5}, hidden, weight, labels, mask, r.first(2), r.last(2), steps, dh_b, dw_b);
    CHECK(static_cast<double>(ha.value) == Approx(static_cast<double>(hb.value)).epsilon(1e-5));
    CHECK((dh_a - dh_b).cwiseAbs().maxCoeff() <= T(1e-5) * (T(1) + dh_b.cwiseAbs().maxCoeff()));
}

TEST_CASE("TRL loss_type: bad names and configs are refused by name", "[preference][trl][errors]") {
    using Catch::Contains;
    REQUIRE_THROWS_WITH(pref::pair_loss_from_trl("sigmoidd"), Contains("prefrl::preference::pair_loss_from_trl") &&
                                                                  Contains("unknown loss_type 'sigmoidd'") && Contains("sigmoid_norm"));
    REQUIRE_THROWS_WITH(pref::pair_loss_from_trl("sft"), Contains("not a pair loss"));
    REQUIRE_THROWS_WITH(pref::pair_loss_from_trl("exo_pair"), Contains("label_smoothing must be > 0 with loss_type 'exo_pair'"));
    REQUIRE_THROWS_WITH(pref::pair_loss_from_trl("sigmoid", with_divergence("kl")),
                        Contains("f_divergence_type must be one of") && Contains("got 'kl'"));
    REQUIRE_THROWS_WITH(pref::pair_loss_from_trl("ipo", with_beta(0)), Contains("beta") && Contains("got 0"));
    REQUIRE_THROWS_WITH(pref::pair_loss_from_trl("ipo", with_beta(std::numeric_limits<double>::infinity())), Contains("beta"));
    REQUIRE_THROWS_WITH(pref::trl_pair_loss(with_losses({})), Contains("prefrl::preference::trl_pair_loss") && Contains("loss_type is empty"));
    REQUIRE_THROWS_WITH(pref::trl_pair_loss(with_losses({"sigmoid", "hinge"}, {1.0})),
                        Contains("loss_weights has 1 entries but loss_type has 2"));
    REQUIRE_THROWS_WITH(pref::trl_pair_loss(with_losses({"sigmoid"}, {std::nan("")})),
                        Contains("loss_weights[0] must be finite"));
    REQUIRE_THROWS_WITH(pref::trl_pair_loss(with_losses({"sigmoid", "nope"})),
                        Contains("prefrl::preference::trl_pair_loss") && Contains("unknown loss_type 'nope'"));
    pref::trl_pair_loss bco(with_losses({"bco_pair"}));
    REQUIRE_THROWS_WITH(bco.set_bco_delta(std::nan("")), Contains("set_bco_delta") && Contains("delta"));
}
