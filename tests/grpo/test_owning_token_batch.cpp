// owning_token_batch: built from temporaries, copied, moved and reassigned, it still views its
// own arrays (the sanitize preset reports any view left pointing at freed memory), and the
// GRPO-family loss gives the same result on it as on a token_batch over the same values.

#include <catch2/catch.hpp>

#include <utility>
#include <vector>

#include <prefrl/grpo.hpp>

namespace grpo = prefrl::grpo;

namespace {

grpo::owning_token_batch<double> make_batch() {
    // every array a temporary: the batch owns them
    return grpo::owning_token_batch<double>({.completions = 2,
                                             .steps = 3,
                                             .logps = {-0.5, -1.0, -0.2, -2.0, -0.1, 0.0},
                                             .mask = {1, 1, 1, 1, 1, 0},
                                             .advantages = {0.7, -0.7},
                                             .old_logps = {-0.6, -1.0, -0.4, -1.7, -0.2, 0.0},
                                             .ref_logps = {-0.5, -0.9, -0.3, -1.8, -0.1, 0.0}});
}

}  // namespace

TEST_CASE("an owning token batch built from temporaries outlives them and equals the view", "[grpo][batch]") {
    const auto owned = make_batch();
    const std::vector<double> logps{-0.5, -1.0, -0.2, -2.0, -0.1, 0.0}, mask{1, 1, 1, 1, 1, 0}, advantages{0.7, -0.7},
        old_logps{-0.6, -1.0, -0.4, -1.7, -0.2, 0.0}, ref_logps{-0.5, -0.9, -0.3, -1.8, -0.1, 0.0};
    const grpo::token_batch<double> view{.completions = 2, .steps = 3, .logps = logps, .mask = mask, .advantages = advantages,
                                         .old_logps = old_logps, .ref_logps = ref_logps};
    REQUIRE(owned.logps.data() == owned.data().logps.data());
    REQUIRE(owned.completions == 2);
    REQUIRE(owned.steps == 3);
    for (const auto type : {grpo::loss_type::grpo, grpo::loss_type::dapo, grpo::loss_type::cispo}) {
        const grpo::policy_loss loss{.loss = type, .beta = 0.04};
        const auto a = loss(owned), b = loss(view);
        CHECK(a.value == b.value);
        CHECK(a.d_logps == b.d_logps);
        CHECK(a.kl == b.kl);
    }
}

TEST_CASE("copies and moves of an owning token batch view their own arrays", "[grpo][batch]") {
    auto original = make_batch();
    const double expected = grpo::policy_loss{}(original).value;

    const auto copy = original;
    CHECK(copy.logps.data() == copy.data().logps.data());
    CHECK(copy.logps.data() != original.logps.data());
    CHECK(grpo::policy_loss{}(copy).value == expected);

    auto moved = std::move(original);
    CHECK(moved.mask.data() == moved.data().mask.data());
    CHECK(grpo::policy_loss{}(moved).value == expected);
    CHECK(original.logps.data() == original.data().logps.data());  // the moved-from batch views its own (empty) arrays

    grpo::owning_token_batch<double> assigned;
    assigned = copy;
    CHECK(assigned.ref_logps.data() == assigned.data().ref_logps.data());
    CHECK(grpo::policy_loss{}(assigned).value == expected);
    assigned = make_batch();  // move-assigned from a temporary
    CHECK(assigned.old_logps.data() == assigned.data().old_logps.data());
    CHECK(grpo::policy_loss{}(assigned).value == expected);
}
