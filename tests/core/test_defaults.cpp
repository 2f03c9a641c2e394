// A newcomer's program needs no template argument: the scalar is deduced from the data
// (vectors, Eigen vectors, spans), and where nothing fixes it (a bandit built from an arm
// count, an environment factory, a draw from a generator) it is double. Each call is checked
// against the same call with the scalar spelled out.

#include <catch2/catch.hpp>

#include <algorithm>
#include <span>
#include <type_traits>
#include <vector>

#include <prefrl/bandit/lin_ucb.hpp>
#include <prefrl/bandit/ucb1.hpp>
#include <prefrl/core/random.hpp>
#include <prefrl/env/bandits.hpp>
#include <prefrl/env/chains.hpp>
#include <prefrl/env/gridworld.hpp>
#include <prefrl/env/tabular_environment.hpp>
#include <prefrl/mdp/dynamic_programming.hpp>
#include <prefrl/offline/dataset.hpp>
#include <prefrl/offline/trajectory_weighting.hpp>
#include <prefrl/ope/bandit_log.hpp>
#include <prefrl/optim/adam.hpp>
#include <prefrl/value/tabular.hpp>

TEST_CASE("draws from a generator are double unless a scalar is asked for", "[core][defaults]") {
    prefrl::generator a(3), b(3);
    static_assert(std::same_as<decltype(prefrl::normal(a)), double>);
    static_assert(std::same_as<decltype(prefrl::uniform01(a)), double>);
    static_assert(std::same_as<decltype(prefrl::normal<float>(a)), float>);
    CHECK(prefrl::normal(a) == prefrl::normal<double>(b));
    CHECK(prefrl::uniform01(a) == prefrl::uniform01<double>(b));
    CHECK(prefrl::gumbel(a) == prefrl::gumbel<double>(b));

    const std::vector<double> probs{0.1, 0.6, 0.3};
    const prefrl::vector<double> probs_eigen = prefrl::as_eigen(std::span<const double>(probs));
    for (int i = 0; i < 50; ++i) {
        const auto by_vector = prefrl::sample_categorical(probs, a);
        CHECK(by_vector == prefrl::sample_categorical<double>(std::span<const double>(probs), b));
        CHECK(prefrl::sample_categorical(probs_eigen, a) == prefrl::sample_categorical<double>(probs, b));
        CHECK(prefrl::sample_categorical_logits(std::vector<float>{0.0f, 1.0f}, a) ==
              prefrl::sample_categorical_logits<float>(std::vector<float>{0.0f, 1.0f}, b));
    }
    REQUIRE_THROWS_WITH(prefrl::sample_categorical(std::vector<double>{0.5, 0.6}, a),
                        "prefrl::sample_categorical: probs must sum to 1, got sum 1.1");
}

TEST_CASE("bandits, arms, tabular models and environments default to double", "[core][defaults]") {
    prefrl::bandit::ucb1 ucb(3);
    static_assert(std::same_as<decltype(ucb), prefrl::bandit::ucb1<double>>);
    const prefrl::env::bernoulli_arms arms({0.2, 0.5, 0.8});
    static_assert(std::same_as<std::remove_const_t<decltype(arms)>, prefrl::env::bernoulli_arms<double>>);
    prefrl::generator rng(1), rng2(1);
    prefrl::bandit::ucb1<double> spelled(3);
    for (int t = 0; t < 20; ++t) {
        const auto arm = ucb.select(rng).arm;
        REQUIRE(arm == spelled.select(rng2).arm);
        const double reward = arms.pull(arm, rng);
        ucb.update(arm, reward);
        spelled.update(arm, reward);
        (void)arms.pull(arm, rng2);
    }

    const auto chain = prefrl::env::chain();
    static_assert(std::same_as<std::remove_const_t<decltype(chain)>, prefrl::mdp::tabular_mdp<double>>);
    CHECK(chain.rewards == prefrl::env::chain<double>().rewards);
    prefrl::env::tabular_environment world(prefrl::env::cliff_walking());
    static_assert(std::same_as<decltype(world), prefrl::env::tabular_environment<double>>);
    prefrl::value::tabular_q q(4, 2);
    static_assert(std::same_as<decltype(q), prefrl::value::tabular_q<double>>);

    // a policy as a row-major matrix: evaluate_policy deduces the scalar from the model
    const prefrl::row_matrix<double> uniform = prefrl::row_matrix<double>::Constant(chain.states(), chain.actions(), 0.5);
    CHECK(prefrl::mdp::evaluate_policy(chain, uniform) == prefrl::mdp::evaluate_policy<double>(chain, uniform));
}

TEST_CASE("offline collection, sampling and clipping take plain containers", "[core][defaults]") {
    namespace offline = prefrl::offline;
    using prefrl::index_t;
    prefrl::env::tabular_environment world(prefrl::env::chain());
    auto observe = [](index_t s) { return prefrl::vector<double>::Constant(1, static_cast<double>(s)); };  // an Eigen expression
    auto encode = [](index_t a) { return prefrl::vector<double>::Constant(1, static_cast<double>(a)); };
    auto random = [](index_t, prefrl::generator& g) { return prefrl::uniform_index(2, g); };
    prefrl::generator rng(9), rng2(9);
    const auto data = offline::collect(world, random, observe, encode, 3, 10, rng);
    static_assert(std::same_as<std::remove_const_t<decltype(data)>, offline::transition_dataset<double>>);
    const auto spelled = offline::collect<double>(world, random, observe, encode, 3, 10, rng2);
    CHECK(data.rewards == spelled.rewards);
    CHECK(data.observations == spelled.observations);
    // float observations give a float dataset
    auto observe_f = [](index_t s) { return prefrl::vector<float>::Constant(1, static_cast<float>(s)); };
    auto encode_f = [](index_t a) { return prefrl::vector<float>::Constant(1, static_cast<float>(a)); };
    static_assert(std::same_as<decltype(offline::collect(world, random, observe_f, encode_f, 1, 2, rng)), offline::transition_dataset<float>>);

    const auto returns = data.episode_returns();  // an Eigen vector
    const auto lengths = data.episode_lengths();
    const auto p = offline::return_weighted_sampling{}(returns, lengths);
    CHECK(p == offline::return_weighted_sampling{}(std::span<const double>(returns.data(), static_cast<std::size_t>(returns.size())), lengths));
    CHECK(offline::sample_indices(p, 20, rng) == offline::sample_indices<double>(std::span<const double>(p.data(), static_cast<std::size_t>(p.size())), 20, rng2));

    std::vector<double> g{3.0, 4.0}, g_span{3.0, 4.0};
    CHECK(prefrl::optim::clip_by_global_norm(g, 1.0) == 5.0);
    CHECK(prefrl::optim::clip_by_global_norm<double>(std::span<double>(g_span), 1.0) == 5.0);
    CHECK(g == g_span);
    CHECK(g[0] == Approx(0.6));

    prefrl::vector<float> params = prefrl::vector<float>::Zero(2), params_span = prefrl::vector<float>::Zero(2);
    const std::vector<float> grad{1.0f, -1.0f};
    prefrl::optim::adam<float> adam(2), adam_span(2);
    adam.step(params, grad);  // an Eigen vector of parameters, a std::vector of gradients
    adam_span.step(std::span<float>(params_span.data(), 2), std::span<const float>(grad));
    CHECK(params == params_span);
    CHECK(params[0] < 0.0f);
}

TEST_CASE("an Eigen vector is accepted where a class or another argument fixes the scalar", "[core][defaults]") {
    // prefrl::scalar_span<T>: a std::span<const T> that also converts from Eigen vectors
    prefrl::bandit::lin_ucb<double> by_eigen(3, 2), by_vector(3, 2);
    prefrl::ope::bandit_log_recorder<double> log_eigen, log_vector;
    prefrl::generator a(8), b(8);
    for (int t = 0; t < 40; ++t) {
        const std::vector<double> x{prefrl::normal(a), prefrl::normal(a)};
        (void)prefrl::normal(b), (void)prefrl::normal(b);
        const prefrl::vector<double> x_eigen = prefrl::as_eigen(std::span<const double>(x));
        const auto d_eigen = by_eigen.select(x_eigen, a);
        const auto d_vector = by_vector.select(x, b);
        REQUIRE(d_eigen.arm == d_vector.arm);
        const double reward = x[0] * (d_eigen.arm == 1 ? 1.0 : 0.0);
        by_eigen.update(x_eigen, d_eigen.arm, reward);
        by_vector.update(x, d_vector.arm, reward);
        log_eigen.record(d_eigen, reward, x_eigen.head(2));  // a block of a vector is contiguous too
        log_vector.record(d_vector, reward, x);
    }
    CHECK(by_eigen.upper_confidence_bounds(prefrl::vector<double>(prefrl::vector<double>::Ones(2))) ==
          by_vector.upper_confidence_bounds(std::vector<double>{1.0, 1.0}));
    const auto le = log_eigen.log(), lv = log_vector.log();
    CHECK(le.context_size == 2);
    CHECK(std::equal(le.context.begin(), le.context.end(), lv.context.begin(), lv.context.end()));
    static_assert(!std::is_convertible_v<prefrl::vector<float>, prefrl::scalar_span<double>>, "float data for a double model is refused");
    static_assert(!std::is_convertible_v<prefrl::row_matrix<double>, prefrl::scalar_span<double>>, "a matrix is not a vector");
}
