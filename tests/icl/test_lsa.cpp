// Linear self-attention does gradient descent: the constructions of von Oswald et al. 2023
// against plain GD on random tasks, float and double.

#include <catch2/catch.hpp>

#include <prefrl/icl.hpp>

#include <cmath>
#include <type_traits>
#include <vector>

namespace icl = prefrl::icl;

namespace {

template <class T>
constexpr double tolerance() {
    return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

}  // namespace

TEMPLATE_TEST_CASE("regression tasks: shapes, targets, a zero query slot, seeded", "[icl]", float, double) {
    using T = TestType;
    const icl::regression_task_distribution dist{.inputs = 4, .context = 7, .half_width = 0.5};
    prefrl::generator rng(1), same(1);
    const auto task = dist.sample<T>(rng);
    REQUIRE(task.tokens.rows() == 5);
    REQUIRE(task.tokens.cols() == 8);
    CHECK(task.tokens(4, 7) == T(0));
    CHECK(task.tokens.topRows(4).cwiseAbs().maxCoeff() <= T(0.5));
    for (int j = 0; j < 7; ++j) CHECK(std::abs(task.tokens(4, j) - task.w.dot(task.tokens.col(j).head(4))) < T(1e-6));
    CHECK(std::abs(task.target - task.w.dot(task.tokens.col(7).head(4))) < T(1e-6));
    CHECK(dist.sample<T>(same).tokens == task.tokens);
    REQUIRE_THROWS_WITH((icl::regression_task_distribution{.context = 0}.sample<T>(rng)),
                        "prefrl::icl::regression_task_distribution::sample: context must be > 0, got 0");
}

TEMPLATE_TEST_CASE("one constructed LSA layer is one step of gradient descent", "[icl]", float, double) {
    using T = TestType;
    const icl::regression_task_distribution dist{};
    prefrl::generator rng(2);
    const auto layer = icl::gd_layer<T>(10, 10, 1.5);
    double worst = 0.0;
    for (int t = 0; t < 200; ++t) {
        const auto task = dist.sample<T>(rng);
        const auto out = icl::lsa_forward(layer, task.tokens);
        const double lsa = icl::lsa_readout(out), gd = icl::gd_prediction(task.tokens, 1.5, 1);
        worst = std::max(worst, std::abs(lsa - gd) / std::max(1.0, std::abs(gd)));
        // the x-slots are untouched; the context targets become the residuals y_i - W_1 x_i
        CHECK(out.topRows(10) == task.tokens.topRows(10));
    }
    INFO("max relative |LSA - GD| " << worst);
    CHECK(worst < tolerance<T>());
}

TEMPLATE_TEST_CASE("K constructed layers are K steps of gradient descent", "[icl]", float, double) {
    using T = TestType;
    const icl::regression_task_distribution dist{};
    prefrl::generator rng(3);
    for (int k = 1; k <= 3; ++k) {
        const std::vector<icl::lsa_layer<T>> layers(static_cast<std::size_t>(k), icl::gd_layer<T>(10, 10, 1.2));
        double worst = 0.0;
        for (int t = 0; t < 100; ++t) {
            const auto task = dist.sample<T>(rng);
            const double lsa = icl::lsa_readout(icl::lsa_forward<T>(layers, task.tokens));
            const double gd = icl::gd_prediction(task.tokens, 1.2, k);
            worst = std::max(worst, std::abs(lsa - gd) / std::max(1.0, std::abs(gd)));
        }
        INFO("K = " << k << ", max relative |LSA - GD| " << worst);
        CHECK(worst < 10 * tolerance<T>());
    }
}

TEMPLATE_TEST_CASE("GD++: inputs preconditioned by (I - gamma X X^T), one layer equals GD", "[icl]", float, double) {
    using T = TestType;
    const icl::regression_task_distribution dist{};
    prefrl::generator rng(4);
    const auto task = dist.sample<T>(rng);
    const auto out = icl::lsa_forward(icl::gd_plus_plus_layer<T>(10, 10, 1.5, 0.04), task.tokens);
    const auto x = task.tokens.topLeftCorner(10, 10);
    const icl::token_matrix<T> expected_x = (icl::weight_matrix<T>::Identity(10, 10) - T(0.04) * x * x.transpose()) * task.tokens.topRows(10);
    CHECK((out.topRows(10) - expected_x).cwiseAbs().maxCoeff() < 10 * tolerance<T>());
    CHECK(std::abs(icl::lsa_readout(out) - icl::gd_prediction(task.tokens, 1.5, 1)) < 10 * tolerance<T>());
    REQUIRE_THROWS_WITH(icl::gd_layer<T>(10, 10, 0.0), "prefrl::icl::gd_layer: eta must be > 0, got 0");
    icl::lsa_layer<T> wrong = icl::gd_layer<T>(3, 10, 1.0);
    REQUIRE_THROWS_WITH(icl::lsa_forward(wrong, task.tokens),
                        "prefrl::icl::lsa_forward: key, query and value must have D = 11 columns, got 4, 4, 4");
}

TEST_CASE("the analytic backward pass of an LSA stack equals central differences", "[icl]") {
    using T = double;
    prefrl::generator rng(5);
    auto random_layer = [&] {
        auto m = [&] {
            icl::weight_matrix<T> w(11, 11);
            for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = 0.15 * prefrl::normal<double>(rng);  // a loss of order 1
            return w;
        };
        return icl::lsa_layer<T>{m(), m(), m(), m()};
    };
    std::vector<icl::lsa_layer<T>> layers{random_layer(), random_layer()};
    layers[1].include_query = true;  // both key/value conventions
    const auto task = icl::regression_task_distribution{}.sample<T>(rng);
    std::vector<icl::lsa_gradients<T>> grads{icl::lsa_gradients<T>::zeros_like(layers[0]),
                                              icl::lsa_gradients<T>::zeros_like(layers[1])};
    const T loss = icl::lsa_query_loss_and_gradients<T>(layers, task, grads);
    CHECK(loss > 0.0);
    auto loss_at = [&](const std::vector<icl::lsa_layer<T>>& probe) {
        const T e = icl::lsa_readout(icl::lsa_forward<T>(probe, task.tokens)) - task.target;
        return 0.5 * e * e;
    };
    const double h = 1e-6;
    double worst = 0.0;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        for (int which = 0; which < 4; ++which) {
            auto member = [&](icl::lsa_layer<T>& layer) -> icl::weight_matrix<T>& {
                return which == 0 ? layer.key : which == 1 ? layer.query : which == 2 ? layer.value : layer.projection;
            };
            const icl::weight_matrix<T>& analytic = which == 0 ? grads[l].key
                                                    : which == 1 ? grads[l].query
                                                    : which == 2 ? grads[l].value
                                                                 : grads[l].projection;
            for (Eigen::Index i = 0; i < analytic.size(); ++i) {
                auto plus = layers, minus = layers;
                member(plus[l]).data()[i] += h;
                member(minus[l]).data()[i] -= h;
                const double numeric = (loss_at(plus) - loss_at(minus)) / (2 * h);
                worst = std::max(worst, std::abs(numeric - analytic.data()[i]) / std::max(1.0, std::abs(numeric)));
            }
        }
    }
    INFO("max relative difference " << worst << ", loss " << loss);
    CHECK(worst < 1e-6);
}
