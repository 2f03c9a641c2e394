// Adam / AdamW against torch.optim.AdamW (float64) and global-norm clipping against hand values.

#include <catch2/catch.hpp>

#include <prefrl/optim.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

namespace optim = prefrl::optim;

namespace {

// f(p) = sum p^2 + 3 p0 p1 + p3, the objective of the PyTorch reference run
template <class T>
std::vector<T> gradient(const std::vector<T>& p) {
    return {2 * p[0] + 3 * p[1], 2 * p[1] + 3 * p[0], 2 * p[2], 2 * p[3] + 1};
}

}  // namespace

TEMPLATE_TEST_CASE("Adam and AdamW take PyTorch's steps", "[optim]", float, double) {
    using T = TestType;
    // /usr/bin/python3: p = torch.tensor([1, -2, 0.5, 0], float64); torch.optim.AdamW([p], lr=0.1,
    // betas=(0.9, 0.98), eps=1e-8, weight_decay=wd); three steps on f above.
    const std::array<std::array<double, 4>, 3> plain{{{1.0999999997500001, -1.900000001, 0.40000000099999999, -0.09999999900000002},
                                                      {1.199495141230382, -1.8065123023632548, 0.30108312236253598, -0.19891687763746402},
                                                      {1.2980621268899837, -1.7330637179830077, 0.20447471285961302, -0.29552528714038695}}};
    const std::array<std::array<double, 4>, 3> decayed{{{1.0899999997500001, -1.880000001, 0.39500000099999999, -0.09999999900000002},
                                                        {1.178531401310225, -1.7680042578535378, 0.29222883481280992, -0.19791687764746402},
                                                        {1.2651296058923589, -1.677909930659085, 0.193000434715493, -0.29257697892093143}}};
    const double tolerance = std::is_same_v<T, float> ? 1e-6 : 1e-14;
    for (const double decay : {0.0, 0.1}) {
        optim::adam<T> adam(4, {.learning_rate = 0.1, .beta1 = 0.9, .beta2 = 0.98, .epsilon = 1e-8, .weight_decay = decay});
        std::vector<T> p{1, -2, 0.5, 0};
        const auto& expected = decay == 0.0 ? plain : decayed;
        for (int step = 0; step < 3; ++step) {
            const auto g = gradient(p);
            adam.step(p, g);
            for (int i = 0; i < 4; ++i) CHECK(std::abs(p[i] - expected[step][i]) < tolerance);
        }
        CHECK(adam.steps() == 3);
    }
    // the first step moves every parameter by lr * g / (|g| + eps) (bias correction cancels)
    optim::adam<T> first(2, {.learning_rate = 0.5});
    std::vector<T> p{0, 0};
    first.step(p, std::vector<T>{T(4), T(-1e-3)});
    CHECK(p[0] == Approx(-0.5).epsilon(1e-6));
    CHECK(p[1] == Approx(0.5 * 1e-3 / (1e-3 + 1e-8)).epsilon(1e-6));
}

TEMPLATE_TEST_CASE("global-norm clipping scales to the bound and reports the norm", "[optim]", float, double) {
    using T = TestType;
    std::vector<T> g{3, 4, 0, 12};
    CHECK(optim::clip_by_global_norm<T>(g, 26.0) == Approx(13.0));
    CHECK(g == std::vector<T>{3, 4, 0, 12});  // under the bound: unchanged
    CHECK(optim::clip_by_global_norm<T>(g, 1.3) == Approx(13.0));
    CHECK(g[0] == Approx(0.3));
    CHECK(g[3] == Approx(1.2));
    REQUIRE_THROWS_WITH(optim::clip_by_global_norm<T>(g, 0.0), "prefrl::optim::clip_by_global_norm: max_norm must be > 0, got 0");
}

TEST_CASE("Adam rejects bad settings and mismatched spans", "[optim]") {
    REQUIRE_THROWS_WITH(optim::adam<double>(3, {.beta1 = 1.0}), "prefrl::optim::adam: beta1 must be in [0, 1), got 1");
    REQUIRE_THROWS_WITH(optim::adam<double>(0), "prefrl::optim::adam: parameters must not be empty");
    optim::adam<double> adam(3);
    std::vector<double> p(3, 0.0), g(2, 0.0);
    REQUIRE_THROWS_WITH(adam.step(p, g), "prefrl::optim::adam::step: gradients has 2 entries but parameters has 3");
    g = {0.0, std::numeric_limits<double>::quiet_NaN(), 0.0};
    REQUIRE_THROWS_WITH(adam.step(p, g), "prefrl::optim::adam::step: gradients[1] must be finite, got nan");
}
