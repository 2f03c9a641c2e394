// Several estimators at once (off_policy_evaluation), the log's diagnosis, contexts in logs,
// owning logs and CSV files of logs.

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <prefrl/env/bandits.hpp>
#include <prefrl/ope.hpp>

using prefrl::index_t;
using prefrl::row_matrix;
namespace ope = prefrl::ope;

namespace {

std::string temp_file(const std::string& name, const std::string& text) {
    const auto path = (std::filesystem::temp_directory_path() / name).string();
    std::ofstream(path) << text;
    return path;
}

// a user's own estimator: the mean reward, whatever the target
struct logged_mean {
    static constexpr std::string_view name = "logged_mean";
    template <std::floating_point T>
    ope::policy_value_estimate<T> operator()(const ope::bandit_log<T>& log, ope::action_matrix<T>) const {
        ope::policy_value_estimate<T> e;
        for (const T r : log.reward) e.value += r / static_cast<T>(log.size());
        return e;
    }
};

static_assert(ope::ModelFreeEstimator<ope::ips, double>);
static_assert(ope::ModelFreeEstimator<ope::clipped_ips, float>);
static_assert(ope::OffPolicyEstimator<ope::dr, double> && !ope::ModelFreeEstimator<ope::dr, double>);
static_assert(ope::ModelFreeEstimator<logged_mean, double>);
static_assert(!ope::OffPolicyEstimator<int, double>);

}  // namespace

TEMPLATE_TEST_CASE("OPE: off_policy_evaluation runs each estimator as a direct call does", "[ope][evaluation]", float, double) {
    using T = TestType;
    prefrl::generator rng(7);
    const prefrl::env::synthetic_logged_bandit<T> simulator(4, 3, 1.0, rng);
    const auto data = simulator.sample(200, rng);
    const auto log = data.log();
    const row_matrix<T> pi = row_matrix<T>::Constant(200, 4, T(0.25));
    const row_matrix<T>& q = data.expected_reward;

    const auto report = ope::off_policy_evaluation(log, pi, q, ope::ips{}, ope::snips{}, ope::dm{}, ope::dr{.lambda_ = 1},
                                                   ope::sndr{}, ope::switch_dr{.tau = 3}, ope::dr_os{.lambda_ = 2},
                                                   ope::clipped_ips{.lambda_ = 2}, logged_mean{});
    REQUIRE(report.estimates.size() == 9);
    CHECK(report.estimates[0].name == "ips");
    CHECK(report.estimates[8].name == "logged_mean");
    // the same bits as the direct calls
    CHECK(report.at("ips").value == ope::ips{}(log, pi).value);
    CHECK(report.at("ips").standard_error == ope::ips{}(log, pi).standard_error);
    CHECK(report.at("snips").value == ope::snips{}(log, pi).value);
    CHECK(report.at("dm").value == ope::dm{}(log, pi, q).value);
    CHECK(report.at("dr").value == ope::dr{.lambda_ = 1}(log, pi, q).value);
    CHECK(report.at("dr").value != ope::dr{}(log, pi, q).value);  // the tuned copy was run
    CHECK(report.at("sndr").ci_upper == ope::sndr{}(log, pi, q).ci_upper);
    CHECK(report.at("switch_dr").value == ope::switch_dr{.tau = 3}(log, pi, q).value);
    CHECK(report.at("dr_os").value == ope::dr_os{.lambda_ = 2}(log, pi, q).value);
    CHECK(report.at("clipped_ips").value == ope::clipped_ips{.lambda_ = 2}(log, pi).value);
    CHECK(report.diagnostics.rounds == 200);

    // model-free estimators without a reward model
    const auto free = ope::off_policy_evaluation(log, pi, ope::ips{}, ope::snips{});
    CHECK(free.at("snips").value == report.at("snips").value);
    REQUIRE_THROWS_WITH(free.at("dr"), Catch::Contains("prefrl::ope::off_policy_report::at") &&
                                           Catch::Contains("no estimator named 'dr'") && Catch::Contains("ips, snips"));
    REQUIRE_THROWS_WITH(ope::off_policy_evaluation(log, pi, ope::ips{}, ope::clipped_ips{.lambda_ = 10}, ope::clipped_ips{}),
                        Catch::Contains("prefrl::ope::off_policy_evaluation") && Catch::Contains("two estimators are named 'clipped_ips'"));
    // the log is checked once, under the name the user called
    REQUIRE_THROWS_WITH(ope::off_policy_evaluation(log, pi.topRows(3), ope::ips{}),
                        Catch::Contains("prefrl::ope::off_policy_evaluation") && Catch::Contains("action_dist has 3 rows"));
    REQUIRE_THROWS_WITH(ope::off_policy_evaluation(log, pi, q.leftCols(2), ope::dr{}),
                        Catch::Contains("prefrl::ope::off_policy_evaluation") && Catch::Contains("q_hat is 200 x 2"));
    // an estimator's own hyperparameters, under its own name
    REQUIRE_THROWS_WITH(ope::off_policy_evaluation(log, pi, q, ope::dr{.lambda_ = -1}),
                        Catch::Contains("prefrl::ope::dr") && Catch::Contains("lambda_ must be > 0, got -1"));
}

TEST_CASE("OPE: diagnose flags deterministic logging, heavy weights and wrong propensities", "[ope][evaluation]") {
    // hand values: w = pi_e(a_i)/pscore_i = (1/0.5, 0/1, 1/1, 0.5/0.5) = (2, 0, 1, 1)
    const std::vector<double> reward{1, 0, 1, 0};
    const std::vector<std::int64_t> action{0, 1, 0, 1};
    const std::vector<double> pscore{0.5, 1.0, 1.0, 0.5};
    row_matrix<double> pi(4, 2);
    pi << 1, 0, 1, 0, 1, 0, 0.5, 0.5;
    const auto d = ope::diagnose(ope::bandit_log<double>{reward, action, pscore}, pi);
    CHECK(d.rounds == 4);
    CHECK(d.deterministic_rounds == 2);
    CHECK(d.deterministic_fraction == 0.5);
    CHECK(d.mean_weight == Approx(1.0));
    CHECK(d.max_weight == 2.0);
    CHECK(d.effective_sample_size == Approx(16.0 / 6.0));  // (sum w)^2 / sum w^2
    const double sd = std::sqrt((1.0 + 1.0 + 0.0 + 0.0) / 3.0);
    CHECK(d.mean_weight_standard_error == Approx(sd / 2.0));
    REQUIRE(d.warnings.size() == 1);  // half the rounds deterministic; the weights are fine
    CHECK_THAT(d.warnings[0], Catch::Contains("2 of 4 rounds were logged with pscore = 1"));

    // a randomized logging policy: no warning
    prefrl::generator rng(3);
    const prefrl::env::synthetic_logged_bandit<double> simulator(3, 2, 0.5, rng);
    const auto data = simulator.sample(2000, rng);
    const auto fine = ope::diagnose(data.log(), data.behavior_policy);
    CHECK(fine.deterministic_rounds == 0);
    CHECK(fine.mean_weight == 1.0);  // the target is the logging policy: every w is 1
    CHECK(fine.effective_sample_size == Approx(2000.0));
    CHECK(fine.warnings.empty());

    // a greedy target far from the logging policy on a large action set: heavy weights
    std::vector<double> r(1000, 1.0), p(1000, 0.01);
    std::vector<std::int64_t> a(1000);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::int64_t>(i % 100);
    row_matrix<double> greedy = row_matrix<double>::Zero(1000, 100);
    greedy.col(0).setOnes();
    const auto heavy = ope::diagnose(ope::bandit_log<double>{r, a, p}, greedy);
    CHECK(heavy.effective_sample_size == Approx(10.0));  // 10 rounds of weight 100
    REQUIRE(heavy.warnings.size() == 1);
    CHECK_THAT(heavy.warnings[0], Catch::Contains("effective sample size is 10 of 1000"));

    // propensities that are too small: the mean weight is far above 1
    std::vector<double> low(1000, 0.25);  // the real pscore of a uniform pi_b over 2 actions is 0.5
    std::vector<std::int64_t> two(1000);
    for (std::size_t i = 0; i < two.size(); ++i) two[i] = static_cast<std::int64_t>(i % 2);
    const row_matrix<double> uniform = row_matrix<double>::Constant(1000, 2, 0.5);
    const auto wrong = ope::diagnose(ope::bandit_log<double>{r, two, low}, uniform);
    CHECK(wrong.mean_weight == Approx(2.0));
    REQUIRE(wrong.warnings.size() == 1);
    CHECK_THAT(wrong.warnings[0], Catch::Contains("mean importance weight is 2"));

    // no support at all
    row_matrix<double> never(4, 2);
    never << 0, 1, 1, 0, 0, 1, 1, 0;
    const auto none = ope::diagnose(ope::bandit_log<double>{reward, action, pscore}, never);
    CHECK(none.effective_sample_size == 0.0);
    CHECK_THAT(none.warnings.back(), Catch::Contains("probability 0 to every logged action"));
    REQUIRE_THROWS_WITH(ope::diagnose(ope::bandit_log<double>{}, never.topRows(0)), Catch::Contains("prefrl::ope::diagnose"));
}

TEST_CASE("OPE: logs keep their contexts, from the recorder, the simulator and an owning log", "[ope][context]") {
    ope::bandit_log_recorder<double> recorder;
    const std::vector<double> x0{1.0, 2.0}, x1{3.0, 4.0};
    recorder.record(prefrl::decision<double>{1, 0.5}, 1.0, x0);
    recorder.record(0, 0.25, 0.0, x1);
    const auto log = recorder.log();
    CHECK(log.context_size == 2);
    CHECK(log.context_of(1)[0] == 3.0);
    CHECK(log.context_of(1)[1] == 4.0);
    REQUIRE_THROWS_WITH(log.context_of(2), Catch::Contains("prefrl::ope::bandit_log::context_of") && Catch::Contains("got 2"));
    REQUIRE_THROWS_WITH(recorder.record(0, 0.5, 1.0, std::vector<double>{1.0}),
                        Catch::Contains("x has 1 features, the first round had 2"));
    REQUIRE_THROWS_WITH(recorder.record(0, 0.5, 1.0), Catch::Contains("pass the round's context"));
    REQUIRE_THROWS_WITH(recorder.record(0, 0.5, 1.0, std::vector<double>{1.0, std::nan("")}), Catch::Contains("x[1] must be finite"));
    CHECK(recorder.size() == 2);  // the refused rounds were not appended
    recorder.clear();
    recorder.record(0, 0.5, 1.0);  // a cleared recorder may switch to no contexts
    REQUIRE_THROWS_WITH(recorder.record(0, 0.5, 1.0, x0), Catch::Contains("recorded without contexts"));
    REQUIRE_THROWS_WITH(ope::bandit_log<double>{}.context_of(0), Catch::Contains("holds no contexts"));

    prefrl::generator rng(1);
    const prefrl::env::synthetic_logged_bandit<double> simulator(3, 4, 1.0, rng);
    const auto data = simulator.sample(5, rng);
    const auto logged = data.log();
    CHECK(logged.context_size == 4);
    CHECK(logged.context_of(2)[3] == data.context(2, 3));

    // validate: the context's shape and values
    const std::vector<double> reward{1, 0}, pscore{0.5, 0.5}, ctx{1, 2, 3}, nan_ctx{1, std::nan("")};
    const std::vector<std::int64_t> action{0, 1};
    const row_matrix<double> pi = row_matrix<double>::Constant(2, 2, 0.5);
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, action, pscore, ctx, 2}, pi),
                        Catch::Contains("prefrl::ope::ips") && Catch::Contains("log.context holds 3 values, expected 2 rounds x 2"));
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, action, pscore, ctx, 0}, pi),
                        Catch::Contains("log.context_size is 0"));
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, action, pscore, nan_ctx, 1}, pi),
                        Catch::Contains("log.context[1] (round 1, feature 0) must be finite"));
    REQUIRE_THROWS_WITH(ope::ips{}(ope::bandit_log<double>{reward, action, pscore, {}, -1}, pi),
                        Catch::Contains("log.context_size must be >= 0, got -1"));

    // an owning log from temporaries: its copies and moves view their own arrays
    ope::owning_bandit_log<double> owned({.reward = {1, 0}, .action = {0, 1}, .pscore = {0.5, 0.5}, .context = {1, 2}, .context_size = 1});
    const auto copy = owned;
    const auto moved = std::move(owned);
    CHECK(copy.reward.data() == copy.data().reward.data());
    CHECK(moved.context.data() == moved.data().context.data());
    CHECK(ope::ips{}(copy, pi).value == Approx(0.5));
    CHECK(owned.size() == 0);  // NOLINT(bugprone-use-after-move): a moved-from log is empty, not dangling
}

TEMPLATE_TEST_CASE("OPE: CSV files of logs round-trip, with and without contexts", "[ope][csv]", float, double) {
    using T = TestType;
    prefrl::generator rng(5);
    const prefrl::env::synthetic_logged_bandit<T> simulator(3, 2, 1.0, rng);
    const auto data = simulator.sample(50, rng);
    const auto path = (std::filesystem::temp_directory_path() / "prefrl_ope_log.csv").string();
    ope::save_csv(data.log(), path);
    const auto loaded = ope::load_csv<T>(path);
    REQUIRE(loaded.size() == 50);
    CHECK(loaded.context_size == 2);
    for (std::size_t i = 0; i < 50; ++i) {
        CHECK(loaded.reward[i] == data.reward[i]);  // 17 digits: exact in float and double
        CHECK(loaded.action[i] == data.action[i]);
        CHECK(loaded.pscore[i] == data.pscore[i]);
        CHECK(loaded.context_of(i)[1] == data.context(static_cast<index_t>(i), 1));
    }
    CHECK(ope::snips{}(loaded, data.behavior_policy).value == ope::snips{}(data.log(), data.behavior_policy).value);

    const std::vector<T> reward{T(1), T(0)}, pscore{T(0.5), T(1)};
    const std::vector<std::int64_t> action{2, 0};
    ope::save_csv(ope::bandit_log<T>{reward, action, pscore}, path);
    std::ifstream in(path);
    std::string header;
    std::getline(in, header);
    CHECK(header == "action,pscore,reward");
    const auto plain = ope::load_csv<T>(path);
    CHECK(plain.context_size == 0);
    CHECK(plain.action[0] == 2);
    CHECK(plain.pscore[1] == T(1));
}

TEST_CASE("OPE: load_csv names the file, the line and the column", "[ope][csv][errors]") {
    const auto load = [](const std::string& name, const std::string& text) { (void)ope::load_csv<double>(temp_file(name, text)); };
    using Catch::Contains;
    REQUIRE_THROWS_WITH(load("prefrl_ope_header.csv", "x_0,action,reward\n1,0,1\n"),
                        Contains("prefrl::ope::load_csv") && Contains("line 1") && Contains("column 2 is 'reward', expected pscore"));
    REQUIRE_THROWS_WITH(load("prefrl_ope_order.csv", "x_1,action,pscore,reward\n"), Contains("column 0 is 'x_1', expected action"));
    REQUIRE_THROWS_WITH(load("prefrl_ope_empty.csv", ""), Contains("is empty (it needs a header)"));
    REQUIRE_THROWS_WITH(load("prefrl_ope_norows.csv", "action,pscore,reward\n"), Contains("has a header but no rounds"));
    REQUIRE_THROWS_WITH(load("prefrl_ope_cells.csv", "action,pscore,reward\n0,0.5\n"), Contains("line 2 has 2 values, the header 3"));
    REQUIRE_THROWS_WITH(load("prefrl_ope_number.csv", "action,pscore,reward\n0,0.5,1\n1,half,0\n"),
                        Contains("line 3: 'half' is not a number"));
    REQUIRE_THROWS_WITH(load("prefrl_ope_pscore.csv", "action,pscore,reward\n0,0,1\n"),
                        Contains("line 2: pscore must be a probability in (0, 1], got 0"));
    REQUIRE_THROWS_WITH(load("prefrl_ope_action.csv", "action,pscore,reward\n1.5,0.5,1\n"),
                        Contains("line 2: action must be a whole number >= 0, got 1.5"));
    REQUIRE_THROWS_WITH(load("prefrl_ope_nan.csv", "action,pscore,reward\n1,0.5,nan\n"), Contains("line 2: 'nan' must be finite"));
    REQUIRE_THROWS_WITH(ope::load_csv<double>("/nonexistent/prefrl.csv"), Contains("cannot open /nonexistent/prefrl.csv"));
    // Windows line endings and blank lines are fine
    const auto crlf = ope::load_csv<double>(temp_file("prefrl_ope_crlf.csv", "x_0,action,pscore,reward\r\n0.5,1,0.25,1\r\n\r\n"));
    CHECK(crlf.context_of(0)[0] == 0.5);
    CHECK(crlf.action[0] == 1);
    // float: a reward finite in double is not finite in float
    REQUIRE_THROWS_WITH(ope::load_csv<float>(temp_file("prefrl_ope_float.csv", "action,pscore,reward\n0,0.5,1e300\n")),
                        Contains("log.reward[0] must be finite"));
    // save_csv checks the log
    const std::vector<double> reward{1}, bad_pscore{0};
    const std::vector<std::int64_t> action{0};
    REQUIRE_THROWS_WITH(ope::save_csv(ope::bandit_log<double>{reward, action, bad_pscore}, temp_file("prefrl_ope_out.csv", "")),
                        Contains("prefrl::ope::save_csv") && Contains("log.pscore[0]"));
    const std::vector<std::int64_t> huge{std::numeric_limits<std::int64_t>::max()};
    const std::vector<double> ok_pscore{0.5};
    REQUIRE_THROWS_WITH(ope::save_csv(ope::bandit_log<double>{reward, huge, ok_pscore}, temp_file("prefrl_ope_out.csv", "")),
                        Contains("log.action[0] must be in [0, 9223372036854775807)"));
}
