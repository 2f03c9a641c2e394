// The offline terms on batches that cross their block boundaries (512 rows, 1024 entries):
// a batch's value is the mean of its rows' values and each row's gradient is its one-row
// gradient / B (the blocking changes nothing), and float on 10^5 entries agrees with double.

#include <catch2/catch.hpp>

#include <prefrl/core.hpp>
#include <prefrl/offline.hpp>

#include <cmath>
#include <vector>

namespace offline = prefrl::offline;
using prefrl::index_t;
using prefrl::row_matrix;
using prefrl::vector;

namespace {

template <class T>
std::vector<T> normals(index_t n, std::uint64_t seed, double scale = 1.0, double shift = 0.0) {
    prefrl::generator rng(seed);
    std::vector<T> out(static_cast<std::size_t>(n));
    for (auto& x : out) x = static_cast<T>(shift + scale * prefrl::normal<double>(rng));
    return out;
}

template <class T>
row_matrix<T> normal_matrix(index_t rows, index_t cols, std::uint64_t seed, double scale = 1.0) {
    const auto v = normals<T>(rows * cols, seed, scale);
    return Eigen::Map<const row_matrix<T>>(v.data(), rows, cols);
}

template <class T>
std::span<const T> one(const std::vector<T>& v, index_t i) {
    return std::span<const T>(v).subspan(static_cast<std::size_t>(i), 1);
}

}  // namespace

TEST_CASE("Row-wise terms over 2500 rows equal the mean of their one-row results", "[offline][blocks]") {
    const index_t b = 2500;  // crosses the 512-row blocks four times, with a partial last block
    const auto q = normal_matrix<double>(b, 18, 1, 2.0), logd = normal_matrix<double>(b, 18, 2);
    const auto q_data = normals<double>(b, 3, 2.0, 1.0);
    std::vector<index_t> actions(static_cast<std::size_t>(b));
    for (std::size_t i = 0; i < actions.size(); ++i) actions[i] = static_cast<index_t>((i * 7) % 18);
    const auto weights = normals<double>(b, 4, 0.5, 1.0);

    const auto cql = offline::cql{.alpha = 1.5}(prefrl::const_matrix_ref<double>(q), std::span<const index_t>(actions));
    const offline::cql_continuous cc{.alpha = 2.0, .temperature = 0.8, .clip_max = 3.0};
    const auto cont = cc(prefrl::const_matrix_ref<double>(q), prefrl::const_matrix_ref<double>(logd), std::span<const double>(q_data));
    std::vector<double> w(weights.begin(), weights.end());
    for (auto& x : w) x = std::abs(x);
    const auto bc = offline::weighted_bc<double>(q, actions, w);
    double cql_mean = 0.0, cont_mean = 0.0, bc_mean = 0.0;
    int clipped = 0;
    for (index_t i = 0; i < b; ++i) {
        const prefrl::const_matrix_ref<double> row(q.row(i)), logd_row(logd.row(i));
        const auto a = std::span<const index_t>(actions).subspan(static_cast<std::size_t>(i), 1);
        const auto r1 = offline::cql{.alpha = 1.5}(row, a);
        const auto r2 = cc(row, logd_row, one(q_data, i));
        const auto r3 = offline::weighted_bc<double>(row, a, one(w, i));
        cql_mean += r1.value / b;
        cont_mean += r2.value / b;
        bc_mean += r3.value / b;
        clipped += r2.d_q_data[0] == 0.0 ? 1 : 0;
        REQUIRE((cql.d_q.row(i) * static_cast<double>(b) - r1.d_q).cwiseAbs().maxCoeff() < 1e-12);
        REQUIRE((cont.d_q_sampled.row(i) * static_cast<double>(b) - r2.d_q_sampled).cwiseAbs().maxCoeff() < 1e-12);
        REQUIRE(std::abs(cont.d_q_data[i] * b - r2.d_q_data[0]) < 1e-12);
        REQUIRE((bc.d_logits.row(i) * static_cast<double>(b) - r3.d_logits).cwiseAbs().maxCoeff() < 1e-12);
    }
    CHECK(cql.value == Approx(cql_mean).epsilon(1e-12));
    CHECK(cont.value == Approx(cont_mean).epsilon(1e-12));
    CHECK(bc.value == Approx(bc_mean).epsilon(1e-12));
    CHECK(clipped > 0);  // the clip binds on some rows and not others
    CHECK(clipped < b);
}

TEST_CASE("Vector terms over 2500 entries equal the mean of their one-entry results", "[offline][blocks]") {
    const index_t b = 2500;  // crosses the 1024-entry blocks
    const auto q = normals<double>(b, 5, 2.0), v = normals<double>(b, 6);
    const auto ps = normals<double>(b, 7, 3.0), rs = normals<double>(b + 17, 8, 3.0);
    const offline::gumbel g{.beta = 2.0, .max_clip = 1.5};
    const auto gb = g(std::span<const double>(q), std::span<const double>(v));
    const auto disc = offline::occupancy_discriminator_loss<double>(ps, rs);
    const auto reference = offline::occupancy_discriminator_loss<double>(std::vector<double>{0.0}, rs);
    // Gumbel's M is a batch statistic: recompute each entry's loss with the batch's M
    double top = -1.0;
    for (index_t i = 0; i < b; ++i) top = std::max(top, std::min((q[static_cast<std::size_t>(i)] - v[static_cast<std::size_t>(i)]) / 2.0, 1.5));
    double gumbel_mean = 0.0, softplus_mean = 0.0;
    for (index_t i = 0; i < b; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const double raw = (q[k] - v[k]) / 2.0, z = std::min(raw, 1.5);
        gumbel_mean += (std::exp(z - top) - z * std::exp(-top) - std::exp(-top)) / b;
        REQUIRE(gb.d_v[i] == Approx(raw > 1.5 ? 0.0 : -(std::exp(z - top) - std::exp(-top)) / (2.0 * b)).margin(1e-15));
        softplus_mean += std::log1p(std::exp(-ps[k])) / b;
        REQUIRE(disc.d_policy_scores[i] == Approx(-1.0 / (1.0 + std::exp(ps[k])) / b).margin(1e-15));
    }
    CHECK(gb.value == Approx(gumbel_mean).epsilon(1e-12));
    CHECK(disc.value - (reference.value - std::log(2.0)) == Approx(softplus_mean).epsilon(1e-12));
    CHECK(disc.d_reference_scores == reference.d_reference_scores);
}

TEST_CASE("Float on 10^5 entries agrees with double", "[offline][blocks]") {
    const index_t b = 100000;
    const auto qd = normals<double>(b, 9, 2.0), vd = normals<double>(b, 10);
    const std::vector<float> qf(qd.begin(), qd.end()), vf(vd.begin(), vd.end());
    const auto check = [&](const auto& term) {
        const auto d = term(std::span<const double>(qd), std::span<const double>(vd));
        const auto f = term(std::span<const float>(qf), std::span<const float>(vf));
        CHECK(static_cast<double>(f.value) == Approx(d.value).epsilon(1e-5));
        CHECK((f.d_v.template cast<double>() - d.d_v).cwiseAbs().maxCoeff() <= 1e-5 * d.d_v.cwiseAbs().maxCoeff());
    };
    check(offline::expectile{});
    check(offline::gumbel{});
    check(offline::fdvl{});
    const auto dd = offline::occupancy_discriminator_loss<double>(qd, vd);
    const auto df = offline::occupancy_discriminator_loss<float>(qf, vf);
    CHECK(static_cast<double>(df.value) == Approx(dd.value).epsilon(1e-5));
    const auto od = offline::odice_project<double>(qd, vd);
    const auto of = offline::odice_project<float>(qf, vf);
    CHECK((of.cast<double>() - od).cwiseAbs().maxCoeff() <= 1e-5 * od.cwiseAbs().maxCoeff());
    const auto md = normal_matrix<double>(b / 10, 18, 11, 2.0);
    const row_matrix<float> mf = md.cast<float>();
    std::vector<index_t> a(static_cast<std::size_t>(b / 10));
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<index_t>(i % 18);
    const auto cd = offline::cql{}(prefrl::const_matrix_ref<double>(md), std::span<const index_t>(a));
    const auto cf = offline::cql{}(prefrl::const_matrix_ref<float>(mf), std::span<const index_t>(a));
    CHECK(static_cast<double>(cf.value) == Approx(cd.value).epsilon(1e-5));
    CHECK((cf.d_q.cast<double>() - cd.d_q).cwiseAbs().maxCoeff() <= 1e-5 * cd.d_q.cwiseAbs().maxCoeff());
}
