// owning_pair_batch: built from temporaries, copied, moved and reassigned, it still views its
// own arrays (the sanitize preset reports any view left pointing at freed memory), and every
// loss gives the same result on it as on a pair_batch over the same values.

#include <catch2/catch.hpp>

#include <utility>
#include <vector>

#include <prefrl/preference.hpp>

namespace pref = prefrl::preference;

namespace {

pref::owning_pair_batch<double> make_batch() {
    // every array a temporary: the batch owns them
    return pref::owning_pair_batch<double>({.chosen = {-1.0, -2.0, -3.0},
                                            .rejected = {-2.0, -1.0, -4.0},
                                            .ref_chosen = {-1.5, -2.0, -2.5},
                                            .ref_rejected = {-1.5, -1.5, -3.0},
                                            .chosen_length = {3.0, 4.0, 5.0},
                                            .rejected_length = {2.0, 6.0, 5.0}});
}

}  // namespace

TEST_CASE("an owning pair batch built from temporaries outlives them and equals the view", "[preference][batch]") {
    const auto owned = make_batch();
    const std::vector<double> chosen{-1.0, -2.0, -3.0}, rejected{-2.0, -1.0, -4.0}, ref_chosen{-1.5, -2.0, -2.5},
        ref_rejected{-1.5, -1.5, -3.0}, chosen_length{3.0, 4.0, 5.0}, rejected_length{2.0, 6.0, 5.0};
    const pref::pair_batch<double> view{chosen, rejected, ref_chosen, ref_rejected, chosen_length, rejected_length};
    REQUIRE(owned.chosen.data() == owned.data().chosen.data());
    REQUIRE(owned.anchor_chosen.empty());
    for (const auto& [a, b] : {std::pair{pref::dpo{}(owned).value, pref::dpo{}(view).value},
                               std::pair{pref::ipo{}(owned).value, pref::ipo{}(view).value},
                               std::pair{pref::simpo{}(owned).value, pref::simpo{}(view).value},
                               std::pair{pref::dpo_norm{}(owned).value, pref::dpo_norm{}(view).value}})
        CHECK(a == b);
    CHECK(pref::dpo{}(owned).d_chosen == pref::dpo{}(view).d_chosen);
}

TEST_CASE("copies and moves of an owning pair batch view their own arrays", "[preference][batch]") {
    auto original = make_batch();
    const double expected = pref::dpo{}(original).value;

    const auto copy = original;  // a copy views the copy's arrays, not the original's
    CHECK(copy.chosen.data() == copy.data().chosen.data());
    CHECK(copy.chosen.data() != original.chosen.data());
    CHECK(pref::dpo{}(copy).value == expected);

    auto moved = std::move(original);
    CHECK(moved.chosen.data() == moved.data().chosen.data());
    CHECK(pref::dpo{}(moved).value == expected);
    CHECK(original.chosen.data() == original.data().chosen.data());  // the moved-from batch views its own (empty) arrays

    pref::owning_pair_batch<double> assigned;
    assigned = copy;
    CHECK(assigned.ref_rejected.data() == assigned.data().ref_rejected.data());
    CHECK(pref::dpo{}(assigned).value == expected);
    {
        auto scoped = make_batch();
        assigned = std::move(scoped);
    }  // scoped is gone; assigned holds the arrays
    CHECK(pref::dpo{}(assigned).value == expected);

    std::vector<pref::owning_pair_batch<double>> many;
    for (int i = 0; i < 20; ++i) many.push_back(make_batch());  // reallocations move every element
    for (const auto& b : many) CHECK(pref::dpo{}(b).value == expected);
}
