// Preference games and the Nash-learning dynamics, on reference instances
// (Swamy et al. 2024, Munos et al. 2023, Zhang et al. 2025; reference numbers computed in float64).

#include <catch2/catch.hpp>

#include <prefrl/preference.hpp>

#include <cmath>
#include <vector>

namespace pref = prefrl::preference;

namespace {

pref::preference_matrix p3() {
    pref::preference_matrix p(3, 3);
    p << 0.5, 0.6, 0.3, 0.4, 0.5, 0.8, 0.7, 0.2, 0.5;
    return p;
}

pref::preference_matrix p6() {
    pref::preference_matrix p(6, 6);
    p << 0.500, 0.574, 0.647, 0.212, 0.592, 0.837,  //
        0.426, 0.500, 0.821, 0.623, 0.288, 0.620,   //
        0.353, 0.179, 0.500, 0.639, 0.305, 0.279,   //
        0.788, 0.377, 0.361, 0.500, 0.458, 0.150,   //
        0.408, 0.712, 0.695, 0.542, 0.500, 0.284,   //
        0.163, 0.380, 0.721, 0.850, 0.716, 0.500;
    return p;
}

Eigen::VectorXd uniform_log(Eigen::Index k) { return Eigen::VectorXd::Constant(k, -std::log(double(k))); }

}  // namespace

TEST_CASE("Bradley-Terry win rates of a transitive instance") {
    const Eigen::VectorXd s{{0.0, 0.05, 0.2, 0.3, 0.45}};
    const Eigen::VectorXd pi_ref{{0.35, 0.25, 0.2, 0.12, 0.08}};
    const auto p = pref::bradley_terry(s);
    const Eigen::VectorXd expected{{0.4691246107, 0.4815319268, 0.5188277378, 0.5436004560, 0.5803225285}};
    CHECK((pref::win_rates(p, pi_ref) - expected).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("DPO and IPO, trained on the population loss, reach their closed forms") {
    const Eigen::VectorXd s{{0.0, 0.05, 0.2, 0.3, 0.45}};
    const Eigen::VectorXd pi_ref{{0.35, 0.25, 0.2, 0.12, 0.08}};
    const auto p = pref::bradley_terry(s);
    const double beta = 0.1;
    // DPO: pi* ∝ pi_ref exp(s / beta); GD with lr 10/beta^2 is within 1e-4 after 16 steps.
    double value = 0;
    const auto pi_dpo = pref::train_on_population(pref::dpo{.beta = beta}, p, pi_ref, 10 / (beta * beta), 16, &value);
    const Eigen::VectorXd dpo_star{{0.0295318116, 0.0347783757, 0.1246926929, 0.2033699287, 0.6076271912}};
    CHECK((pi_dpo - dpo_star).cwiseAbs().maxCoeff() < 1e-4);
    CHECK(value == Approx(0.6881874230).epsilon(1e-6));
    double start = 0;
    pref::train_on_population(pref::dpo{.beta = beta}, p, pi_ref, 0.0, 0, &start);
    CHECK(start == Approx(std::log(2.0)).epsilon(1e-12));  // L(pi_ref) = ln 2
    // IPO (summed form, |y| = 1): pi_IPO ∝ pi_ref exp(P(y > pi_ref) / beta); lr 1, 16 steps.
    const auto pi_ipo = pref::train_on_population(pref::ipo{.beta = beta, .length_normalize = false}, p, pi_ref, 1.0, 16, &value);
    const Eigen::VectorXd ipo_star{{0.2400988431, 0.1941539904, 0.2255329276, 0.1733595439, 0.1668546950}};
    CHECK((pi_ipo - ipo_star).cwiseAbs().maxCoeff() < 1e-4);
    CHECK(value == Approx(0.2475318556 / (beta * beta)).epsilon(1e-6));
}

TEST_CASE("minimax winners: exploitability 0 at known Nash equilibria, > 0.05 for DPO's answer") {
    const Eigen::VectorXd x3{{0.5, 1.0 / 3.0, 1.0 / 6.0}};
    CHECK(std::abs(pref::exploitability(p3(), x3)) < 1e-12);
    CHECK(pref::exploitability(p3(), Eigen::VectorXd::Constant(3, 1.0 / 3)) == Approx(1.0 / 15).epsilon(1e-12));
    const Eigen::VectorXd x6 = Eigen::VectorXd{{105808, 80254, 0, 98468, 50111, 52848}} / 387489.0;
    CHECK(std::abs(pref::exploitability(p6(), x6)) < 1e-6);  // P6 is given to 3 decimals
    CHECK(pref::win_rates(p6(), x6)[2] == Approx(0.3733401180).epsilon(1e-8));
    // DPO on P3 at beta 0.1: pi ∝ (1, 1.5^(1/beta), 1), exploitability 0.0933 (not Nash)
    Eigen::VectorXd dpo{{1.0, std::pow(1.5, 10.0), 1.0}};
    dpo /= dpo.sum();
    CHECK(pref::exploitability(p3(), dpo) == Approx(0.0932959065).epsilon(1e-8));
}

TEST_CASE("Hedge (SPO / SPPO / DNO): the average iterate converges, the last one cycles") {
    Eigen::VectorXd lp = uniform_log(3), sum = Eigen::VectorXd::Zero(3);
    for (int t = 0; t < 100; ++t) {
        sum += lp.array().exp().matrix();
        pref::hedge_step(lp, p3(), 1.0);
    }
    CHECK(pref::exploitability(p3(), sum / 100.0) == Approx(0.0067486983).epsilon(1e-6));
    CHECK(pref::exploitability(p3(), lp.array().exp().matrix()) == Approx(0.0339443007).epsilon(1e-6));
}

TEST_CASE("optimistic Hedge and INPO converge in the last iterate") {
    for (const auto& [p, expected] : {std::pair{p3(), 5.9e-11}, std::pair{p6(), 1.1397e-4}}) {
        Eigen::VectorXd lp = uniform_log(p.rows());
        Eigen::VectorXd previous = p * lp.array().exp().matrix();  // r_{-1} = r_0
        for (int t = 0; t < 1000; ++t) pref::optimistic_hedge_step(lp, previous, p, 2.0);
        const double expl = pref::exploitability(p, lp.array().exp().matrix());
        if (expected < 1e-9) {
            CHECK(expl < 1e-9);
        } else {
            CHECK(expl == Approx(expected).epsilon(1e-3));
        }
    }
    // INPO at tau/eta = 1/3 (tau = 1/3, eta = 1): the regularized equilibrium, to 1e-10 by t = 52
    const Eigen::VectorXd pi_tau{{0.3191909908, 0.3953140627, 0.2854949464}};
    Eigen::VectorXd lp = uniform_log(3);
    const Eigen::VectorXd log_ref = uniform_log(3);
    for (int t = 0; t < 52; ++t) pref::inpo_step(lp, p3(), log_ref, 1.0, 1.0 / 3.0);
    const Eigen::VectorXd pi = lp.array().exp().matrix();
    CHECK((pi - pi_tau).cwiseAbs().maxCoeff() < 1e-9);
    CHECK(pref::exploitability(p3(), pi) == Approx(0.0537293848).epsilon(1e-7));
    CHECK(pref::regularized_exploitability(p3(), pi, log_ref.array().exp().matrix(), 1.0 / 3.0) < 1e-9);
}

TEST_CASE("KL-regularized exploitability: reference values and its zero at pi_tau") {
    const Eigen::VectorXd pi_ref{{0.2, 0.3, 0.5}};
    const double tau = 0.1;
    CHECK(pref::regularized_exploitability(p3(), Eigen::VectorXd::Constant(3, 1.0 / 3), pi_ref, tau) ==
          Approx(0.0152642232).epsilon(1e-8));
    CHECK(pref::regularized_exploitability(p3(), pi_ref, pi_ref, tau) == Approx(0.0407710180).epsilon(1e-8));
    const Eigen::VectorXd x3{{0.5, 1.0 / 3.0, 1.0 / 6.0}};
    CHECK(pref::regularized_exploitability(p3(), x3, pi_ref, tau) == Approx(0.0310163490).epsilon(1e-8));
    // the INPO map with eta = 2 tau reaches pi_tau to 1e-10 in 64 iterations
    Eigen::VectorXd lp = uniform_log(3);
    const Eigen::VectorXd log_ref = pi_ref.array().log().matrix();
    for (int t = 0; t < 64; ++t) pref::inpo_step(lp, p3(), log_ref, 2 * tau, tau);
    const Eigen::VectorXd expected{{0.2647940193, 0.5227563051, 0.2124496756}};
    CHECK((lp.array().exp().matrix() - expected).cwiseAbs().maxCoeff() < 1e-9);
    CHECK(pref::regularized_exploitability(p3(), lp.array().exp().matrix(), pi_ref, tau) < 1e-10);
}

TEST_CASE("preference games reject bad input") {
    pref::preference_matrix bad = p3();
    bad(0, 1) = 0.7;
    REQUIRE_THROWS_WITH(pref::exploitability(bad, Eigen::VectorXd::Constant(3, 1.0 / 3)),
                        "prefrl::preference::exploitability: P(0, 1) + P(1, 0) must be 1, got 1.1");
    REQUIRE_THROWS_WITH(pref::exploitability(p3(), Eigen::VectorXd::Constant(3, 0.5)),
                        "prefrl::preference::exploitability: pi must sum to 1, got sum 1.5");
    REQUIRE_THROWS_WITH(pref::exploitability(p3(), Eigen::VectorXd::Constant(2, 0.5)),
                        "prefrl::preference::exploitability: pi has 2 entries but P is 3 x 3");
    REQUIRE_THROWS_WITH(pref::regularized_exploitability(p3(), Eigen::VectorXd::Constant(3, 1.0 / 3),
                                                         Eigen::VectorXd::Constant(3, 1.0 / 3), 0.0),
                        "prefrl::preference::regularized_exploitability: tau must be > 0, got 0");
    prefrl::generator rng(1);
    REQUIRE_THROWS_WITH(pref::sample_preference(p3(), 3, 0, rng),
                        "prefrl::preference::sample_preference: i must be in [0, 3), got 3");
    int wins = 0;
    for (int t = 0; t < 20000; ++t) wins += pref::sample_preference(p3(), 1, 2, rng);
    CHECK(std::abs(wins - 16000) < 5 * std::sqrt(20000 * 0.8 * 0.2));
}

TEST_CASE("the exact Nash equilibrium: the known x3 and x6, a Condorcet winner, random games") {
    const Eigen::VectorXd x3{{0.5, 1.0 / 3.0, 1.0 / 6.0}};
    CHECK((pref::nash_equilibrium(p3()) - x3).cwiseAbs().maxCoeff() < 1e-12);
    const Eigen::VectorXd x6 = Eigen::VectorXd{{105808, 80254, 0, 98468, 50111, 52848}} / 387489.0;
    const Eigen::VectorXd found6 = pref::nash_equilibrium(p6());
    CHECK((found6 - x6).cwiseAbs().maxCoeff() < 1e-12);  // the exact rational answer (LP, highs)
    CHECK(found6[2] == 0.0);                               // the unplayed response
    // transitive Bradley-Terry: the best-scored response wins outright
    const pref::preference_matrix bt = pref::bradley_terry(Eigen::VectorXd{{0.0, 0.05, 0.2, 0.3, 0.45}});
    CHECK((pref::nash_equilibrium(bt) - Eigen::VectorXd::Unit(5, 4)).cwiseAbs().maxCoeff() == 0.0);
    // seeded random intransitive games, K = 8: the answer is a distribution nobody beats
    prefrl::generator rng(31);
    for (int game = 0; game < 20; ++game) {
        pref::preference_matrix p = pref::preference_matrix::Constant(8, 8, 0.5);
        for (Eigen::Index i = 0; i < 8; ++i)
            for (Eigen::Index j = i + 1; j < 8; ++j) {
                p(i, j) = prefrl::uniform01<double>(rng);
                p(j, i) = 1.0 - p(i, j);
            }
        const Eigen::VectorXd x = pref::nash_equilibrium(p);
        INFO("game " << game);
        CHECK(x.minCoeff() >= 0.0);
        CHECK(std::abs(x.sum() - 1.0) < 1e-12);
        CHECK(pref::exploitability(p, x) < 1e-10);
    }
    REQUIRE_THROWS_WITH(pref::nash_equilibrium(pref::preference_matrix::Constant(17, 17, 0.5)),
                        "prefrl::preference::nash_equilibrium: K = 17 responses is more than 16 (support enumeration "
                        "is 2^K): use hedge_step's average iterate");
}
