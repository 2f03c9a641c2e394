// Optimistic online mirror descent: the regret bounds on stochastic,
// alternating, constant and random-sign gradient sequences; the optimistic-Hedge identity.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/QR>

#include <prefrl/bandit/groupwise.hpp>
#include <prefrl/bandit/optimistic_omd.hpp>
#include <prefrl/bandit/regression_oracles.hpp>
#include <prefrl/core/random.hpp>

using prefrl::index_t;
namespace bandit = prefrl::bandit;

namespace {
enum class sequence { stochastic_small, stochastic_large, alternating, constant, random_sign };

Eigen::VectorXd gradient(sequence kind, index_t t, index_t d, const Eigen::VectorXd& mean, prefrl::generator& rng) {
    Eigen::VectorXd g(d);
    switch (kind) {
        case sequence::stochastic_small:
        case sequence::stochastic_large: {
            const double s = kind == sequence::stochastic_small ? 0.05 : 0.3;
            for (index_t j = 0; j < d; ++j) g[j] = mean[j] + s * prefrl::normal<double>(rng);
            break;
        }
        case sequence::alternating: g.setZero(); g[t % 2] = 1.0; break;
        case sequence::constant: g = mean; break;
        case sequence::random_sign: g = mean * (prefrl::uniform01<double>(rng) < 0.5 ? 1.0 : -1.0); break;
    }
    return g;
}

// Linear losses <g_t, x_t>: regret against the best fixed point of the set.
template <class Learner, class Best>
std::pair<double, double> play(Learner& learner, sequence kind, index_t horizon, index_t d, Best best_in_hindsight) {
    prefrl::generator rng(13);
    Eigen::VectorXd mean(d);
    for (index_t j = 0; j < d; ++j) mean[j] = 0.5 + 0.4 * std::sin(1.0 + j);
    Eigen::VectorXd total = Eigen::VectorXd::Zero(d);
    double loss = 0.0;
    for (index_t t = 0; t < horizon; ++t) {
        const Eigen::VectorXd x = learner.predict();
        const Eigen::VectorXd g = gradient(kind, t, d, mean, rng);
        loss += g.dot(x);
        total += g;
        learner.update(std::span<const double>(g.data(), static_cast<std::size_t>(d)));
    }
    return {loss - best_in_hindsight(total), learner.regret_bound()};
}
}  // namespace

TEST_CASE("Optimistic Hedge: regret within ln K / eta + eta S_T / 2 on every sequence, O(1) on constant gradients", "[bandit][omd]") {
    const auto simplex_best = [](const Eigen::VectorXd& total) { return total.minCoeff(); };
    for (auto kind : {sequence::stochastic_small, sequence::stochastic_large, sequence::alternating, sequence::constant}) {
        bandit::optimistic_hedge<double> learner(10, {.eta = 0.2});
        const auto [regret, bound] = play(learner, kind, 10000, 10, simplex_best);
        INFO("sequence " << static_cast<int>(kind) << " regret " << regret << " bound " << bound);
        CHECK(regret <= bound);
        if (kind == sequence::constant) CHECK(bound < 12.0);  // S_T = ||g_1||^2: no growth in T
    }
    // with constant eta, x_t = softmax(-eta (sum_{s<t} g_s + g_{t-1}))
    bandit::optimistic_hedge<double> h(3, {.eta = 0.7});
    const std::vector<double> g1{0.2, 1.0, -0.3}, g2{0.5, 0.1, 0.0};
    h.update(g1);
    h.update(g2);
    Eigen::Vector3d z(-0.7 * (0.2 + 0.5 + 0.5), -0.7 * (1.0 + 0.1 + 0.1), -0.7 * (-0.3 + 0.0 + 0.0));
    const Eigen::Vector3d expected = z.array().exp() / z.array().exp().sum();
    CHECK((h.predict() - expected).norm() < 1e-14);
}

TEST_CASE("Optimistic OGD on a ball: fixed-eta and adaptive bounds hold", "[bandit][omd]") {
    const auto ball_best = [](const Eigen::VectorXd& total) { return -total.norm(); };  // R = 1
    for (auto kind : {sequence::stochastic_small, sequence::alternating, sequence::random_sign}) {
        bandit::optimistic_ball_omd<double> fixed(5, {.radius = 1.0, .eta = 0.05});
        const auto [r1, b1] = play(fixed, kind, 20000, 5, ball_best);
        bandit::optimistic_ball_omd<double> adaptive(5, {.radius = 1.0, .delta = 4.0 * 5.0});
        const auto [r2, b2] = play(adaptive, kind, 20000, 5, ball_best);
        INFO("sequence " << static_cast<int>(kind) << " fixed " << r1 << " <= " << b1 << "  adaptive " << r2 << " <= " << b2);
        CHECK(r1 <= b1);
        CHECK(r2 <= b2);
    }
    bandit::optimistic_ball_omd<double> p(2, {.radius = 1.0, .eta = 1.0});
    const std::vector<double> g{-3.0, -4.0};
    p.update(g);  // xh = P((3, 4)) = (0.6, 0.8); x = P(xh + (3, 4)) = (0.6, 0.8)
    CHECK(p.predict()[0] == Approx(0.6));
    CHECK(p.predict()[1] == Approx(0.8));
    REQUIRE_THROWS_WITH(bandit::optimistic_ball_omd<double>(2, {.eta = 0.0, .delta = 0.0}), Catch::Contains("needs delta > 0"));
    REQUIRE_THROWS_WITH(p.update(std::vector<double>{1.0}), Catch::Contains("the gradient must have 2 entries, got 1"));
}

TEST_CASE("Groupwise regression: regret on every overlapping group below sqrt(T_g ln N), one global model fails the groups", "[bandit][groupwise][learning]") {
    // The instance: groups {all, A = 0, A = 1, B = 0, B = 1}, y = x^T (s_A u + 0.3 s_B v) / 1.2 + noise.
    constexpr index_t horizon = 20000, d = 5, groups = 5;
    prefrl::generator rng(17);
    Eigen::VectorXd u(d), v(d);
    for (index_t j = 0; j < d; ++j) {
        u[j] = prefrl::normal<double>(rng);
        v[j] = prefrl::normal<double>(rng);
    }
    u.normalize();
    v.normalize();
    bandit::groupwise_regression<double> ours(groups, d, {.horizon = horizon});
    CHECK(ours.eta() == Approx(std::sqrt(2 * std::log(5.0) / horizon)));
    bandit::ridge_oracle<double> global(1, d);  // one model for everyone
    std::vector<std::vector<index_t>> members(groups);
    std::vector<Eigen::VectorXd> xs;
    std::vector<double> ys, loss_ours, loss_global;
    for (index_t t = 0; t < horizon; ++t) {
        Eigen::VectorXd x(d);
        for (index_t j = 0; j < d; ++j) x[j] = (2 * prefrl::uniform01<double>(rng) - 1) / std::sqrt(double(d));
        const bool a = prefrl::uniform01<double>(rng) < 0.5, b = prefrl::uniform01<double>(rng) < 0.5;
        const double y = std::clamp(x.dot((a ? 1.0 : -1.0) * u + 0.3 * (b ? 1.0 : -1.0) * v) / 1.2 + 0.1 * prefrl::normal<double>(rng), -1.0, 1.0);
        const std::vector<index_t> awake{0, a ? 2 : 1, b ? 4 : 3};
        const std::span<const double> xsp(x.data(), d);
        const double p = ours.predict(xsp, awake), q = global.predict(xsp)[0];
        loss_ours.push_back((p - y) * (p - y) / 4);
        loss_global.push_back((q - y) * (q - y) / 4);
        ours.update(xsp, awake, y);
        global.fit(xsp, 0, y);
        for (index_t g : awake) members[static_cast<std::size_t>(g)].push_back(t);
        xs.push_back(x);
        ys.push_back(y);
    }
    for (index_t g = 0; g < groups; ++g) {
        const auto& rows = members[static_cast<std::size_t>(g)];
        Eigen::MatrixXd x(static_cast<index_t>(rows.size()), d);
        Eigen::VectorXd y(static_cast<index_t>(rows.size()));
        double ours_total = 0.0, global_total = 0.0;
        for (std::size_t k = 0; k < rows.size(); ++k) {
            x.row(static_cast<index_t>(k)) = xs[static_cast<std::size_t>(rows[k])].transpose();
            y[static_cast<index_t>(k)] = ys[static_cast<std::size_t>(rows[k])];
            ours_total += loss_ours[static_cast<std::size_t>(rows[k])];
            global_total += loss_global[static_cast<std::size_t>(rows[k])];
        }
        const Eigen::VectorXd best = x.colPivHouseholderQr().solve(y);
        const double best_total = (x * best - y).squaredNorm() / 4;
        const double bound = std::sqrt(static_cast<double>(rows.size()) * std::log(double(groups)));
        INFO("group " << g << " (" << rows.size() << " rounds): regret ours " << ours_total - best_total << ", global "
                      << global_total - best_total << ", sqrt(T_g ln N) " << bound);
        CHECK(ours_total - best_total <= bound);
        if (g == 1 || g == 2) CHECK(global_total - best_total > 4 * std::max(ours_total - best_total, 1.0));
    }
    const std::vector<double> x{0.1, 0.2, 0.3, 0.4, 0.5};
    const std::vector<index_t> twice{0, 0}, outside{7};
    REQUIRE_THROWS_WITH(ours.predict(x, twice), Catch::Contains("group 0 is listed twice"));
    REQUIRE_THROWS_WITH(ours.predict(x, outside), Catch::Contains("awake[0] must be a group in [0, 5), got 7"));
    REQUIRE_THROWS_WITH(bandit::groupwise_regression<double>(3, 2), Catch::Contains("give the horizon"));
}
