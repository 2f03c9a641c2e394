// Off-policy estimators: hand values, the numpy reference of OBP's formulas
// (tests/data/ope_reference.json), bias / RMSE / variance / coverage on simulated logs,
// bootstrap intervals, bad input.

#include <catch2/catch.hpp>

#include <cmath>
#include <array>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <prefrl/env/bandits.hpp>
#include <prefrl/ope.hpp>

#include "support/compare.hpp"
#include "support/data_dir.hpp"

using prefrl::index_t;
using prefrl::row_matrix;
namespace ope = prefrl::ope;

namespace {

// log() views the data's vectors: callable on an lvalue, refused on a temporary (it would dangle)
template <class D>
concept log_callable = requires(D&& d) { std::forward<D>(d).log(); };
static_assert(log_callable<prefrl::env::logged_bandit_data<double>&>);
static_assert(log_callable<const prefrl::env::logged_bandit_data<double>&>);
static_assert(!log_callable<prefrl::env::logged_bandit_data<double>>);
static_assert(!log_callable<const prefrl::env::logged_bandit_data<double>&&>);
static_assert(log_callable<ope::bandit_log_recorder<double>&>);
static_assert(!log_callable<ope::bandit_log_recorder<double>>);
nlohmann::json load_reference() {
    std::ifstream in(prefrl::test::data_dir() + "/ope_reference.json");
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

template <class T>
row_matrix<T> matrix_from(const std::vector<double>& flat, index_t cols) {
    const auto rows = static_cast<index_t>(flat.size()) / cols;
    row_matrix<T> m(rows, cols);
    for (index_t i = 0; i < rows; ++i)
        for (index_t j = 0; j < cols; ++j) m(i, j) = static_cast<T>(flat[static_cast<std::size_t>(i * cols + j)]);
    return m;
}

template <class T>
void check_estimate(const ope::policy_value_estimate<T>& got, const nlohmann::json& want) {
    const double tol = std::is_same_v<T, double> ? 1e-12 : 2e-5;
    CHECK(static_cast<double>(got.value) == Approx(want["value"].get<double>()).epsilon(tol));
    CHECK(static_cast<double>(got.standard_error) == Approx(want["standard_error"].get<double>()).epsilon(10 * tol));
    CHECK(static_cast<double>(got.ci_lower) == Approx(want["ci_lower"].get<double>()).epsilon(10 * tol));
    CHECK(static_cast<double>(got.ci_upper) == Approx(want["ci_upper"].get<double>()).epsilon(10 * tol));
    prefrl::test::require_close<T>(got.per_round, want["per_round"].get<std::vector<double>>());
}

// pi_e = epsilon-greedy(0.1) on the true q, as the OPE instance of the examples.
template <class T>
row_matrix<T> epsilon_greedy_on(const row_matrix<T>& q, double epsilon) {
    row_matrix<T> p = row_matrix<T>::Constant(q.rows(), q.cols(), static_cast<T>(epsilon / q.cols()));
    for (index_t i = 0; i < q.rows(); ++i) {
        Eigen::Index best = 0;
        q.row(i).maxCoeff(&best);
        p(i, best) += static_cast<T>(1 - epsilon);
    }
    return p;
}
}  // namespace

TEMPLATE_TEST_CASE("OPE: hand-computed values on three rounds", "[ope]", float, double) {
    using T = TestType;
    const std::vector<T> reward{T(1), T(0), T(1)};
    const std::vector<std::int64_t> action{0, 1, 1};
    const std::vector<T> pscore{T(0.5), T(0.25), T(0.5)};
    const ope::bandit_log<T> log{reward, action, pscore};
    row_matrix<T> pi(3, 2);
    pi << T(1), T(0), T(0.5), T(0.5), T(0.25), T(0.75);
    row_matrix<T> q(3, 2);
    q << T(0.5), T(0.5), T(0), T(1), T(0.5), T(0.5);
    // w = (2, 2, 1.5); c_ips = (2, 0, 1.5)
    const auto v_ips = ope::ips{}(log, pi);
    CHECK(v_ips.value == Approx(3.5 / 3));
    const double sd = std::sqrt(((2 - 3.5 / 3) * (2 - 3.5 / 3) + (3.5 / 3) * (3.5 / 3) + (1.5 - 3.5 / 3) * (1.5 - 3.5 / 3)) / 2);
    CHECK(v_ips.standard_error == Approx(sd / std::sqrt(3.0)));
    CHECK(v_ips.ci_upper - v_ips.value == Approx(1.959963984540054 * sd / std::sqrt(3.0)));
    CHECK(ope::clipped_ips{.lambda_ = 1.5}(log, pi).value == Approx((1.5 + 0 + 1.5) / 3));
    CHECK(ope::snips{}(log, pi).value == Approx(3.5 / 5.5));  // sum w r / sum w
    // dm = (0.5, 0.5, 0.5); residuals r - q(a) = (0.5, -1, 0.5)
    CHECK(ope::dm{}(log, pi, q).value == Approx(0.5));
    CHECK(ope::dr{}(log, pi, q).value == Approx(0.5 + (2 * 0.5 + 2 * -1 + 1.5 * 0.5) / 3));
    CHECK(ope::switch_dr{.tau = 1.8}(log, pi, q).value == Approx(0.5 + 1.5 * 0.5 / 3));
    CHECK(ope::dr_os{.lambda_ = 0}(log, pi, q).value == Approx(0.5));
    CHECK(ope::sndr{}(log, pi, q).value == Approx(0.5 + (2 * 0.5 + 2 * -1 + 1.5 * 0.5) / 5.5));
    CHECK(ope::policy_value(pi, q) == Approx(0.5));  // every row: 0.5
}

TEMPLATE_TEST_CASE("OPE: every estimator equals the numpy reference of OBP's formulas", "[ope][reference]", float, double) {
    using T = TestType;
    const auto ref = load_reference();
    const auto k = ref["actions"].get<index_t>();
    std::vector<T> reward, pscore;
    for (double r : ref["reward"].get<std::vector<double>>()) reward.push_back(static_cast<T>(r));
    for (double p : ref["pscore"].get<std::vector<double>>()) pscore.push_back(static_cast<T>(p));
    const auto action = ref["action"].get<std::vector<std::int64_t>>();
    const ope::bandit_log<T> log{reward, action, pscore};
    const auto pi = matrix_from<T>(ref["action_dist"].get<std::vector<double>>(), k);
    const auto q = matrix_from<T>(ref["q_hat"].get<std::vector<double>>(), k);
    const auto& e = ref["estimates"];
    const auto& p = ref["params"];
    check_estimate(ope::ips{}(log, pi), e["ips"]);
    check_estimate(ope::clipped_ips{.lambda_ = p["clipped_ips_lambda"].get<double>()}(log, pi), e["clipped_ips"]);
    check_estimate(ope::snips{}(log, pi), e["snips"]);
    check_estimate(ope::dm{}(log, pi, q), e["dm"]);
    check_estimate(ope::dr{}(log, pi, q), e["dr"]);
    check_estimate(ope::dr{.lambda_ = p["dr_lambda"].get<double>()}(log, pi, q), e["dr_clipped"]);
    check_estimate(ope::sndr{}(log, pi, q), e["sndr"]);
    check_estimate(ope::switch_dr{.tau = p["switch_dr_tau"].get<double>()}(log, pi, q), e["switch_dr"]);
    check_estimate(ope::dr_os{.lambda_ = p["dr_os_lambda"].get<double>()}(log, pi, q), e["dr_os"]);
}

TEST_CASE("OPE on simulated logs: unbiased, RMSE shrinks with n, DR beats IPS, intervals cover", "[ope][learning]") {
    prefrl::generator rng(2024);
    const prefrl::env::synthetic_logged_bandit<double> simulator(10, 5, 3.0, rng);
    struct stats {
        std::vector<double> error;
        int covered = 0;
        double mean_se = 0.0;
    };
    const auto run = [&](index_t n, int replicates) {
        std::map<std::string, stats> s;
        for (int rep = 0; rep < replicates; ++rep) {
            const auto data = simulator.sample(n, rng);
            const auto pi = epsilon_greedy_on(data.expected_reward, 0.1);
            const double truth = ope::policy_value(pi, data.expected_reward);
            const auto add = [&](const std::string& name, const ope::policy_value_estimate<double>& v) {
                auto& e = s[name];
                e.error.push_back(v.value - truth);
                e.covered += (v.ci_lower <= truth && truth <= v.ci_upper) ? 1 : 0;
                e.mean_se += v.standard_error / replicates;
            };
            add("ips", ope::ips{}(data.log(), pi));
            add("snips", ope::snips{}(data.log(), pi));
            add("dr", ope::dr{}(data.log(), pi, data.expected_reward));
            const row_matrix<double> biased = data.expected_reward.array() + 0.1;
            add("dr_biased_q", ope::dr{}(data.log(), pi, biased));
            add("sndr", ope::sndr{}(data.log(), pi, biased));
            add("dm_biased_q", ope::dm{}(data.log(), pi, biased));
            add("switch_dr", ope::switch_dr{.tau = 5}(data.log(), pi, data.expected_reward));
        }
        return s;
    };
    const auto moments = [](const std::vector<double>& e) {
        double m = 0.0, ss = 0.0;
        for (double x : e) m += x / static_cast<double>(e.size());
        for (double x : e) ss += (x - m) * (x - m);
        const double var = ss / static_cast<double>(e.size() - 1);
        return std::array<double, 3>{m, std::sqrt(var / static_cast<double>(e.size())), std::sqrt(m * m + var)};  // bias, se of mean, RMSE
    };
    const auto small = run(1000, 200);
    const auto large = run(10000, 40);
    for (const char* name : {"ips", "snips", "dr", "dr_biased_q", "sndr", "switch_dr"}) {
        const auto [bias, se_mean, rmse] = moments(small.at(name).error);
        const auto [bias_l, se_l, rmse_l] = moments(large.at(name).error);
        INFO(name << ": bias " << bias << " (se " << se_mean << "), RMSE 1e3 " << rmse << ", RMSE 1e4 " << rmse_l
                  << ", coverage " << small.at(name).covered / 200.0);
        CHECK(std::abs(bias) < 3 * se_mean);
        CHECK(rmse_l < 0.5 * rmse);
        if (std::string(name) != "switch_dr") CHECK(small.at(name).covered / 200.0 >= 0.88);
    }
    CHECK(moments(small.at("dm_biased_q").error)[0] == Approx(0.1).margin(0.01));  // DM inherits the model's bias
    CHECK(moments(small.at("dr").error)[2] < moments(small.at("ips").error)[2]);
    const auto sd = [&](const char* name) { return moments(small.at(name).error)[1]; };
    CHECK(sd("dr") < sd("ips"));
    CHECK(sd("snips") < sd("ips"));
}

TEST_CASE("OPE: bootstrap intervals agree with the normal interval on a large log", "[ope][bootstrap]") {
    prefrl::generator rng(3);
    const prefrl::env::synthetic_logged_bandit<double> simulator(5, 4, 1.0, rng);
    const auto data = simulator.sample(3000, rng);
    const auto pi = epsilon_greedy_on(data.expected_reward, 0.2);
    const auto v = ope::ips{}(data.log(), pi);
    const auto b = ope::bootstrap_confidence_interval(v.per_round, rng, {.resamples = 2000});
    CHECK(b.mean == Approx(v.value).margin(0.2 * v.standard_error));
    CHECK(b.lower == Approx(v.ci_lower).margin(0.25 * v.standard_error));
    CHECK(b.upper == Approx(v.ci_upper).margin(0.25 * v.standard_error));
    // percentiles interpolate linearly: constant terms give a point
    const std::vector<double> constant(10, 0.25);
    const auto c = ope::bootstrap_confidence_interval<double>(constant, rng, {.resamples = 50});
    CHECK(c.lower == 0.25);
    CHECK(c.upper == 0.25);
    // the same seed gives the same interval
    prefrl::generator a(9), bb(9);
    CHECK(ope::bootstrap_confidence_interval(v.per_round, a, {.resamples = 100}).lower ==
          ope::bootstrap_confidence_interval(v.per_round, bb, {.resamples = 100}).lower);
}

TEST_CASE("OPE: a recorder logs any bandit's decisions for the estimators", "[ope]") {
    ope::bandit_log_recorder<double> recorder;
    recorder.record(prefrl::decision<double>{1, 0.5}, 1.0);
    recorder.record(0, 0.25, 0.0);
    REQUIRE(recorder.size() == 2);
    row_matrix<double> pi(2, 2);
    pi << 0.0, 1.0, 1.0, 0.0;
    CHECK(ope::ips{}(recorder.log(), pi).value == Approx((2.0 * 1.0 + 4.0 * 0.0) / 2));
    REQUIRE_THROWS_WITH(recorder.record(0, 1.5, 0.0), Catch::Contains("propensity must be in (0, 1], got 1.5"));
}

TEST_CASE("OPE: bad input names the function, the argument and the value", "[ope][errors]") {
    const std::vector<double> reward{1.0, 0.0};
    const std::vector<std::int64_t> action{0, 1}, bad_action{0, 2};
    const std::vector<double> pscore{0.5, 0.5}, zero{0.5, 0.0}, nan{0.5, std::nan("")}, above{0.5, 1.5};
    row_matrix<double> pi(2, 2);
    pi << 0.5, 0.5, 0.5, 0.5;
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, action, zero}, pi),
                        Catch::Contains("prefrl::ope::ips") && Catch::Contains("log.pscore[1] must be a probability in (0, 1], got 0"));
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, action, nan}, pi), Catch::Contains("log.pscore[1]"));
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, action, above}, pi), Catch::Contains("got 1.5"));
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, bad_action, pscore}, pi),
                        Catch::Contains("log.action[1] must be in [0, 2), got 2"));
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{{}, {}, {}}, pi), Catch::Contains("log.reward"));
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, std::span<const std::int64_t>(action).first(1), pscore}, pi),
                        Catch::Contains("log.action"));
    row_matrix<double> bad_rows(2, 2);
    bad_rows << 0.5, 0.6, 0.5, 0.5;
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, action, pscore}, bad_rows),
                        Catch::Contains("action_dist row 0 must sum to 1"));
    const row_matrix<double> q3 = row_matrix<double>::Zero(3, 2);
    REQUIRE_THROWS_WITH(ope::dr{}(ope::bandit_log<double>{reward, action, pscore}, pi, q3), Catch::Contains("q_hat is 3 x 2"));
    REQUIRE_THROWS_WITH(ope::clipped_ips{.lambda_ = 0}(ope::bandit_log<double>{reward, action, pscore}, pi),
                        Catch::Contains("lambda_ must be > 0, got 0"));
    row_matrix<double> never(2, 2);
    never << 0.0, 1.0, 1.0, 0.0;
    REQUIRE_THROWS_WITH(ope::snips{}(ope::bandit_log<double>{reward, action, pscore}, never),
                        Catch::Contains("the self-normalized estimate is undefined"));
}
