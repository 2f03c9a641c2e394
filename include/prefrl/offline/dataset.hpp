#ifndef PREFRL_OFFLINE_DATASET_HPP
#define PREFRL_OFFLINE_DATASET_HPP

/// \file
/// Offline datasets of transitions: episodes, returns, D4RL's normalized score, sampling,
/// CSV files, and collection by rolling out a policy in an environment.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "prefrl/core/csv.hpp"
#include "prefrl/core/environment.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/ranges.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::offline {

/// **A dataset of transitions** (D4RL's layout): row i is (s_i, a_i, r_i, s'_i). `terminals`
/// and `timeouts` are kept apart, as D4RL does: a terminal ends the episode in a terminal state
/// (do not bootstrap from s'), a timeout cuts it by a time limit (bootstrap). `episode_starts`
/// marks the first transition of every episode. Discrete actions are one column holding the
/// action index.
template <std::floating_point T>
struct transition_dataset {
    row_matrix<T> observations;       ///< [N, observation dims]
    row_matrix<T> actions;            ///< [N, action dims]
    vector<T> rewards;                ///< [N]
    row_matrix<T> next_observations;  ///< [N, observation dims]
    std::vector<std::uint8_t> terminals, timeouts, episode_starts;  ///< [N] each, 0 or 1

    [[nodiscard]] index_t size() const { return rewards.size(); }

    /// Throws `prefrl::invalid_argument` unless the dataset is well formed: not empty, sizes
    /// agree, finite rewards and observations, flags 0/1, an episode starts at row 0, and every
    /// terminal or timeout is followed by an episode start (the episode must end there).
    void validate(std::string_view fn = "prefrl::offline::transition_dataset") const {
        const index_t n = size();
        require(n > 0, fn, "the dataset is empty");
        require(observations.rows() == n && next_observations.rows() == n && actions.rows() == n, fn, "observations (",
                observations.rows(), "), actions (", actions.rows(), "), next_observations (", next_observations.rows(),
                ") and rewards (", n, ") must have the same number of rows");
        require(next_observations.cols() == observations.cols(), fn, "next_observations has ", next_observations.cols(),
                " columns but observations has ", observations.cols());
        require(static_cast<index_t>(terminals.size()) == n && static_cast<index_t>(timeouts.size()) == n &&
                    static_cast<index_t>(episode_starts.size()) == n,
                fn, "terminals (", terminals.size(), "), timeouts (", timeouts.size(), ") and episode_starts (", episode_starts.size(),
                ") must have ", n, " entries");
        require(episode_starts[0] == 1, fn, "episode_starts[0] must be 1: the first row starts an episode");
        for (index_t i = 0; i < n; ++i) {
            const auto k = static_cast<std::size_t>(i);
            require(std::isfinite(rewards[i]), fn, "rewards[", i, "] must be finite, got ", rewards[i]);
            require(terminals[k] <= 1 && timeouts[k] <= 1 && episode_starts[k] <= 1, fn, "the flags of row ", i, " must be 0 or 1");
            require(observations.row(i).allFinite() && next_observations.row(i).allFinite() && actions.row(i).allFinite(), fn,
                    "row ", i, " holds a non-finite observation or action");
            if ((terminals[k] || timeouts[k]) && i + 1 < n)
                require(episode_starts[k + 1] == 1, fn, "row ", i, " is a ", terminals[k] ? "terminal" : "timeout",
                        " but row ", i + 1, " does not start an episode (a terminal without an episode end)");
        }
    }

    /// The first row of every episode. This and the other episode accessors validate the
    /// dataset first (they walk its flags).
    [[nodiscard]] std::vector<index_t> episode_start_rows() const {
        return checked_start_rows("prefrl::offline::transition_dataset::episode_start_rows");
    }

    /// Every episode's number of transitions, in order.
    [[nodiscard]] std::vector<index_t> episode_lengths() const {
        const auto starts = checked_start_rows("prefrl::offline::transition_dataset::episode_lengths");
        std::vector<index_t> lengths;
        for (std::size_t e = 0; e < starts.size(); ++e) lengths.push_back((e + 1 < starts.size() ? starts[e + 1] : size()) - starts[e]);
        return lengths;
    }

    /// Every episode's undiscounted return, in order (the last one as far as the data goes).
    [[nodiscard]] vector<T> episode_returns() const {
        const auto starts = checked_start_rows("prefrl::offline::transition_dataset::episode_returns");
        vector<T> out = vector<T>::Zero(static_cast<Eigen::Index>(starts.size()));
        Eigen::Index episode = -1;
        for (index_t i = 0; i < size(); ++i) {
            if (episode_starts[static_cast<std::size_t>(i)]) ++episode;
            out[episode] += rewards[i];
        }
        return out;
    }

    /// Discounted returns-to-go per row, `G_i = r_i + gamma G_{i+1}` within its episode (0
    /// after a terminal; after a timeout or the data's end the sum simply stops).
    [[nodiscard]] vector<T> returns_to_go(double gamma = 1.0) const {
        constexpr auto fn = "prefrl::offline::transition_dataset::returns_to_go";
        validate(fn);
        require_in_closed(fn, "gamma", gamma, 0.0, 1.0);
        vector<T> out(size());
        double next = 0.0;
        for (index_t i = size(); i-- > 0;) {
            const bool last = i + 1 == size() || episode_starts[static_cast<std::size_t>(i) + 1];
            next = static_cast<double>(rewards[i]) + (last ? 0.0 : gamma * next);
            out[i] = static_cast<T>(next);
        }
        return out;
    }

private:
    /// `validate(fn)`, then the first row of every episode.
    [[nodiscard]] std::vector<index_t> checked_start_rows(std::string_view fn) const {
        validate(fn);
        std::vector<index_t> starts;
        for (index_t i = 0; i < size(); ++i)
            if (episode_starts[static_cast<std::size_t>(i)]) starts.push_back(i);
        return starts;
    }
};

/// **D4RL's normalized score** (Fu et al. 2020): `100 (R - R_random) / (R_expert - R_random)`.
inline double normalized_score(double episode_return, double random_return, double expert_return) {
    require_finite("prefrl::offline::normalized_score", "episode_return", episode_return);
    require_finite("prefrl::offline::normalized_score", "random_return", random_return);
    require_finite("prefrl::offline::normalized_score", "expert_return", expert_return);
    require(expert_return != random_return, "prefrl::offline::normalized_score", "expert_return and random_return must differ, both are ",
            expert_return);
    return 100.0 * (episode_return - random_return) / (expert_return - random_return);
}

/// IQL's reward scaling for locomotion (Kostrikov et al. 2022): the factor
/// `1000 / (max episode return - min episode return)` to multiply the rewards by.
template <std::floating_point T>
double reward_scale_by_return_range(const transition_dataset<T>& data) {
    data.validate("prefrl::offline::reward_scale_by_return_range");
    const vector<T> returns = data.episode_returns();
    const double range = static_cast<double>(returns.maxCoeff() - returns.minCoeff());
    require(range > 0.0, "prefrl::offline::reward_scale_by_return_range", "every episode has the same return: no range to scale by");
    return 1000.0 / range;
}

/// `count` row indices drawn uniformly (with replacement) — a mini-batch.
template <RandomGenerator G>
std::vector<index_t> sample_indices(index_t rows, index_t count, G& rng) {
    require_positive("prefrl::offline::sample_indices", "rows", rows);
    require_non_negative("prefrl::offline::sample_indices", "count", count);
    std::vector<index_t> out(static_cast<std::size_t>(count));
    for (auto& i : out) i = uniform_index(rows, rng);
    return out;
}

/// `count` row indices drawn with the given probabilities (with replacement), e.g. from
/// `return_weighted_sampling`.
template <std::floating_point T, RandomGenerator G>
std::vector<index_t> sample_indices(std::span<const T> probabilities, index_t count, G& rng) {
    constexpr auto fn = "prefrl::offline::sample_indices";
    require_non_empty(fn, "probabilities", probabilities.size());
    require_non_negative(fn, "count", count);
    std::vector<double> cumulative(probabilities.size());
    double total = 0.0;
    for (std::size_t i = 0; i < probabilities.size(); ++i) {
        require(probabilities[i] >= T(0) && std::isfinite(probabilities[i]), fn, "probabilities[", i, "] must be >= 0, got ", probabilities[i]);
        total += probabilities[i];
        cumulative[i] = total;
    }
    require(total > 0.0, fn, "the probabilities sum to 0");
    std::vector<index_t> out(static_cast<std::size_t>(count));
    for (auto& i : out) {
        const double u = uniform01<double>(rng) * total;
        i = std::min<index_t>(static_cast<index_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin()),
                              static_cast<index_t>(cumulative.size()) - 1);
    }
    return out;
}

/// `sample_indices(probabilities, count, rng)` on any contiguous range, the scalar deduced.
template <ScalarRange R, RandomGenerator G>
std::vector<index_t> sample_indices(const R& probabilities, index_t count, G& rng) {
    return sample_indices(as_span(probabilities), count, rng);
}

}  // namespace prefrl::offline

namespace prefrl::offline {

/// **Writes a dataset as CSV**: a header, then one row per transition with the columns
/// `obs_0..obs_{k-1}, action_0..action_{m-1}, reward, next_obs_0..next_obs_{k-1}, terminal,
/// timeout, episode_start` (17 significant digits: doubles round-trip exactly).
template <std::floating_point T>
void save_csv(const transition_dataset<T>& data, const std::string& path) {
    constexpr auto fn = "prefrl::offline::save_csv";
    data.validate(fn);
    std::ofstream out(path);
    require(static_cast<bool>(out), fn, "cannot open ", path, " for writing");
    out.precision(17);
    const Eigen::Index k = data.observations.cols(), m = data.actions.cols();
    for (Eigen::Index j = 0; j < k; ++j) out << "obs_" << j << ',';
    for (Eigen::Index j = 0; j < m; ++j) out << "action_" << j << ',';
    out << "reward,";
    for (Eigen::Index j = 0; j < k; ++j) out << "next_obs_" << j << ',';
    out << "terminal,timeout,episode_start\n";
    for (index_t i = 0; i < data.size(); ++i) {
        const auto s = static_cast<std::size_t>(i);
        for (Eigen::Index j = 0; j < k; ++j) out << static_cast<double>(data.observations(i, j)) << ',';
        for (Eigen::Index j = 0; j < m; ++j) out << static_cast<double>(data.actions(i, j)) << ',';
        out << static_cast<double>(data.rewards[i]) << ',';
        for (Eigen::Index j = 0; j < k; ++j) out << static_cast<double>(data.next_observations(i, j)) << ',';
        out << int{data.terminals[s]} << ',' << int{data.timeouts[s]} << ',' << int{data.episode_starts[s]} << '\n';
    }
}

/// **Reads a dataset written by `save_csv`** (or by your own logs in the same columns): the
/// header names the observation and action columns; errors name the line.
template <std::floating_point T>
transition_dataset<T> load_csv(const std::string& path) {
    constexpr auto fn = "prefrl::offline::load_csv";
    std::ifstream in(path);
    require(static_cast<bool>(in), fn, "cannot open ", path);
    std::string line;
    require(static_cast<bool>(std::getline(in, line)), fn, path, " is empty (it needs a header)");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::vector<std::string> header = detail::csv_cells(line);
    const auto count_prefix = [&](const std::string& prefix) {
        return static_cast<Eigen::Index>(std::count_if(header.begin(), header.end(), [&](const std::string& h) {
            return h.rfind(prefix, 0) == 0 && h.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
        }));
    };
    const Eigen::Index k = count_prefix("obs_"), m = count_prefix("action_");
    const auto columns = static_cast<std::size_t>(2 * k + m + 4);
    std::vector<std::string> expected;
    for (Eigen::Index j = 0; j < k; ++j) expected.push_back("obs_" + std::to_string(j));
    for (Eigen::Index j = 0; j < m; ++j) expected.push_back("action_" + std::to_string(j));
    expected.push_back("reward");
    for (Eigen::Index j = 0; j < k; ++j) expected.push_back("next_obs_" + std::to_string(j));
    for (const char* flag : {"terminal", "timeout", "episode_start"}) expected.push_back(flag);
    if (!(k > 0 && m > 0 && header == expected)) {
        std::size_t j = 0;
        while (j < header.size() && j < expected.size() && header[j] == expected[j]) ++j;
        const std::string found = j < header.size() ? "'" + header[j] + "'" : "nothing";
        const std::string wanted = k == 0 ? "obs_0" : m == 0 ? "action_0" : j < expected.size() ? expected[j] : "the end of the line";
        fail(fn, path, " line 1: the header must be obs_0.., action_0.., reward, next_obs_0.., terminal, timeout, episode_start",
             " in this order; column ", j, " is ", found, ", expected ", wanted);
    }
    std::vector<std::vector<double>> rows;
    int number = 1;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();  // Windows line endings
        if (line.empty()) continue;
        std::vector<double> values;
        for (const std::string& cell : detail::csv_cells(line)) values.push_back(detail::csv_number(fn, path, number, cell));
        require(values.size() == columns, fn, path, " line ", number, " has ", values.size(), " values, the header ", columns);
        for (std::size_t j = columns - 3; j < columns; ++j)
            require(values[j] == 0.0 || values[j] == 1.0, fn, path, " line ", number, ": ", header[j], " must be 0 or 1, got ",
                    values[j]);
        rows.push_back(std::move(values));
    }
    const auto n = static_cast<Eigen::Index>(rows.size());
    transition_dataset<T> data{row_matrix<T>(n, k), row_matrix<T>(n, m), vector<T>(n), row_matrix<T>(n, k), {}, {}, {}};
    for (Eigen::Index i = 0; i < n; ++i) {
        const auto& r = rows[static_cast<std::size_t>(i)];
        for (Eigen::Index j = 0; j < k; ++j) data.observations(i, j) = static_cast<T>(r[static_cast<std::size_t>(j)]);
        for (Eigen::Index j = 0; j < m; ++j) data.actions(i, j) = static_cast<T>(r[static_cast<std::size_t>(k + j)]);
        data.rewards[i] = static_cast<T>(r[static_cast<std::size_t>(k + m)]);
        for (Eigen::Index j = 0; j < k; ++j) data.next_observations(i, j) = static_cast<T>(r[static_cast<std::size_t>(k + m + 1 + j)]);
        data.terminals.push_back(static_cast<std::uint8_t>(r[columns - 3] != 0.0));
        data.timeouts.push_back(static_cast<std::uint8_t>(r[columns - 2] != 0.0));
        data.episode_starts.push_back(static_cast<std::uint8_t>(r[columns - 1] != 0.0));
    }
    data.validate(fn);
    return data;
}

/// **Collects a dataset by rolling out** `choose(state, rng) -> action` for `episodes` episodes
/// (each at most `max_steps` steps; a cut at max_steps is a timeout) in any `Environment`;
/// `observe(state) -> vector<T>` turns states into observation rows and `encode(action) ->
/// vector<T>` actions into action rows. Mixtures of policies: call it per policy and `concatenate`.
template <std::floating_point T, Environment E, class Choose, class Observe, class Encode, RandomGenerator G>
transition_dataset<T> collect(E& environment, Choose&& choose, Observe&& observe, Encode&& encode, int episodes, index_t max_steps, G& rng) {
    constexpr auto fn = "prefrl::offline::collect";
    require_positive(fn, "episodes", episodes);
    require_positive(fn, "max_steps", max_steps);
    std::vector<vector<T>> obs, acts, next;
    std::vector<T> rewards;
    transition_dataset<T> data;
    for (int e = 0; e < episodes; ++e) {
        auto state = environment.reset(rng);
        for (index_t k = 0; k < max_steps; ++k) {
            const auto action = choose(state, rng);
            const auto step = environment.step(action, rng);
            obs.push_back(observe(state));
            acts.push_back(encode(action));
            next.push_back(observe(step.next_state));
            rewards.push_back(static_cast<T>(step.reward));
            data.terminals.push_back(step.terminal ? 1 : 0);
            data.timeouts.push_back(!step.terminal && (step.truncated || k + 1 == max_steps) ? 1 : 0);
            data.episode_starts.push_back(k == 0 ? 1 : 0);
            state = step.next_state;
            if (step.terminal || step.truncated) break;
        }
    }
    const auto n = static_cast<Eigen::Index>(rewards.size());
    data.observations.resize(n, obs.front().size());
    data.actions.resize(n, acts.front().size());
    data.next_observations.resize(n, obs.front().size());
    data.rewards = Eigen::Map<const vector<T>>(rewards.data(), n);
    for (Eigen::Index i = 0; i < n; ++i) {
        data.observations.row(i) = obs[static_cast<std::size_t>(i)].transpose();
        data.actions.row(i) = acts[static_cast<std::size_t>(i)].transpose();
        data.next_observations.row(i) = next[static_cast<std::size_t>(i)].transpose();
    }
    data.validate(fn);
    return data;
}

}  // namespace prefrl::offline

namespace prefrl::detail {

// The scalar of the Eigen vector (or expression) that `observe` returns.
template <class E, class G, class Observe>
using collected_scalar_t = typename std::remove_cvref_t<
    std::invoke_result_t<Observe&, std::remove_cvref_t<decltype(std::declval<E&>().reset(std::declval<G&>()))>&>>::Scalar;

}  // namespace prefrl::detail

namespace prefrl::offline {

/// `collect(environment, choose, observe, encode, episodes, max_steps, rng)` with the dataset's
/// scalar taken from what `observe` returns: observations as `prefrl::vector<double>` (or any
/// double Eigen expression, such as `vector<double>::Constant(1, x)`) give a
/// `transition_dataset<double>`.
template <Environment E, class Choose, class Observe, class Encode, RandomGenerator G>
    requires std::floating_point<detail::collected_scalar_t<E, G, Observe>>
auto collect(E& environment, Choose&& choose, Observe&& observe, Encode&& encode, int episodes, index_t max_steps, G& rng) {
    return collect<detail::collected_scalar_t<E, G, Observe>>(environment, std::forward<Choose>(choose), std::forward<Observe>(observe),
                                                             std::forward<Encode>(encode), episodes, max_steps, rng);
}

/// The rows of `a` followed by those of `b` (same observation and action dims).
template <std::floating_point T>
transition_dataset<T> concatenate(const transition_dataset<T>& a, const transition_dataset<T>& b) {
    constexpr auto fn = "prefrl::offline::concatenate";
    a.validate(fn);
    b.validate(fn);
    require(a.observations.cols() == b.observations.cols() && a.actions.cols() == b.actions.cols(), fn,
            "the datasets' observation or action dims differ");
    transition_dataset<T> out;
    out.observations.resize(a.size() + b.size(), a.observations.cols());
    out.observations << a.observations, b.observations;
    out.actions.resize(a.size() + b.size(), a.actions.cols());
    out.actions << a.actions, b.actions;
    out.next_observations.resize(a.size() + b.size(), a.observations.cols());
    out.next_observations << a.next_observations, b.next_observations;
    out.rewards.resize(a.size() + b.size());
    out.rewards << a.rewards, b.rewards;
    for (const auto* d : {&a, &b}) {
        out.terminals.insert(out.terminals.end(), d->terminals.begin(), d->terminals.end());
        out.timeouts.insert(out.timeouts.end(), d->timeouts.begin(), d->timeouts.end());
        out.episode_starts.insert(out.episode_starts.end(), d->episode_starts.begin(), d->episode_starts.end());
    }
    return out;
}

}  // namespace prefrl::offline

#endif  // PREFRL_OFFLINE_DATASET_HPP
