// TD3+BC and AWR on continuous toy control: the point mass, the quadratic critic's
// features and action gradient, and the claim at small scale — on a 95% random / 5% expert
// dataset both lift behaviour cloning, TD3+BC to near the expert.

#include <catch2/catch.hpp>

#include <prefrl/core.hpp>
#include <prefrl/env.hpp>
#include <prefrl/offline.hpp>

#include <cmath>
#include <vector>

#include "laws/gradient_laws.hpp"

namespace offline = prefrl::offline;
using prefrl::index_t;

static_assert(prefrl::check_environment<prefrl::env::point_mass<double>>());

namespace {

// mean discounted return (gamma 0.9) over 200 episodes of 20 steps, common random numbers
template <class Policy>
double evaluate(const Policy& policy) {
    prefrl::env::point_mass<double> world;
    prefrl::generator rng(9);
    double total = 0.0;
    for (int e = 0; e < 200; ++e) {
        double x = world.reset(rng), discount = 1.0;
        for (int t = 0; t < 20; ++t) {
            const auto step = world.step(policy(x), rng);
            total += discount * step.reward;
            discount *= 0.9;
            x = step.next_state;
        }
    }
    return total / 200.0;
}

auto acting(const offline::tanh_linear_actor<double>& actor) {
    return [actor](double x) { return actor(prefrl::vector<double>::Constant(1, x))[0]; };
}

offline::transition_dataset<double> mixed(int random_episodes, int expert_episodes) {
    prefrl::env::point_mass<double> world;
    prefrl::generator rng(1);
    auto observe = [](double x) { return prefrl::vector<double>::Constant(1, x); };
    auto encode = [](double a) { return prefrl::vector<double>::Constant(1, a); };
    auto random = [](double, prefrl::generator& g) { return 2.0 * prefrl::uniform01<double>(g) - 1.0; };
    auto expert = [&](double x, prefrl::generator&) { return world.best_action(x); };
    return offline::concatenate(offline::collect<double>(world, random, observe, encode, random_episodes, 20, rng),
                                offline::collect<double>(world, expert, observe, encode, expert_episodes, 20, rng));
}

}  // namespace

TEST_CASE("point mass: dynamics, reward, best action", "[offline][continuous]") {
    prefrl::env::point_mass<double> world({.step_size = 0.25, .noise = 0.0});
    prefrl::generator rng(3);
    const double x0 = world.reset(rng);
    REQUIRE(std::abs(x0) <= 1.0);
    const auto step = world.step(2.0, rng);  // clipped to 1
    CHECK(step.next_state == Approx(std::min(x0 + 0.25, 1.0)));
    CHECK(step.reward == Approx(-step.next_state * step.next_state));
    CHECK(world.best_action(0.1) == Approx(-0.4));
    CHECK(world.best_action(-0.9) == 1.0);
    REQUIRE_THROWS_WITH(world.step(std::nan(""), rng), "prefrl::env::point_mass::step: action must be finite, got nan");
}

TEST_CASE("quadratic critic: features by hand, dQ/da against central differences", "[offline][continuous]") {
    Eigen::VectorXd z(2);
    z << 2.0, 3.0;
    Eigen::VectorXd expected(6);
    expected << 1.0, 2.0, 3.0, 4.0, 6.0, 9.0;
    CHECK(offline::quadratic_features(z) == expected);
    // state dims 2, action dims 2: Q = w . phi([s; a]) with random w; dQ/da at random points
    prefrl::generator rng(4);
    Eigen::VectorXd w(1 + 4 + 10);
    for (auto& x : w) x = prefrl::normal<double>(rng);
    Eigen::MatrixXd s(3, 2), a(3, 2);
    for (auto* m : {&s, &a})
        for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = prefrl::normal<double>(rng);
    const Eigen::MatrixXd grad = prefrl::detail::quadratic_action_gradient(w, s, a);
    for (Eigen::Index r = 0; r < 3; ++r) {
        const auto q = [&](const prefrl::vector<double>& action) {
            Eigen::VectorXd zz(4);
            zz << s.row(r).transpose(), action;
            return w.dot(offline::quadratic_features(zz));
        };
        prefrl::laws::check_gradient<double>(q, prefrl::vector<double>(a.row(r).transpose()), prefrl::vector<double>(grad.row(r).transpose()));
    }
}

TEST_CASE("TD3+BC and AWR lift behaviour cloning on a 95% random / 5% expert point-mass dataset", "[offline][continuous][learning]") {
    const auto data = mixed(95, 5);
    prefrl::env::point_mass<double> world;
    prefrl::generator rng(2);
    const double uniform = evaluate([&](double) { return 2.0 * prefrl::uniform01<double>(rng) - 1.0; });
    const double expert = evaluate([&](double x) { return world.best_action(x); });
    const auto score = [&](double r) { return offline::normalized_score(r, uniform, expert); };
    const double bc = score(evaluate(acting(offline::tanh_linear_bc<double>(data))));
    const double td3 = score(evaluate(acting(offline::linear_td3_bc<double>(data).actor)));
    const double awr = score(evaluate(acting(offline::linear_awr<double>(data, {.temperature = 0.1}).actor)));
    INFO("normalized scores: BC " << bc << ", TD3+BC " << td3 << ", AWR " << awr);
    CHECK(td3 > 90);
    CHECK(td3 > bc + 40);
    CHECK(awr > bc + 20);
    // alpha = 0 is behaviour cloning: TD3+BC's actor then fits the data like tanh_linear_bc
    const auto plain = offline::linear_td3_bc<double>(data, {.iterations = 100, .alpha = 0.0});
    CHECK((plain.actor.weights - offline::tanh_linear_bc<double>(data, {.iterations = 100}).weights).cwiseAbs().maxCoeff() < 1e-9);

    auto bad = data;
    bad.actions(2, 0) = 1.5;
    REQUIRE_THROWS_WITH(offline::linear_td3_bc<double>(bad),
                        Catch::Contains("prefrl::offline::linear_td3_bc: actions(2, 0) = 1.5 is outside [-max_action, max_action]"));
    REQUIRE_THROWS_WITH(offline::linear_td3_bc<double>(data, {.alpha = -1.0}), "prefrl::offline::linear_td3_bc: alpha must be >= 0, got -1");
    REQUIRE_THROWS_WITH(offline::linear_awr<double>(data, {.temperature = 0.0}), "prefrl::offline::linear_awr: temperature must be > 0, got 0");
}
