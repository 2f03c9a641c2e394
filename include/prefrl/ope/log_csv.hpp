#ifndef PREFRL_OPE_LOG_CSV_HPP
#define PREFRL_OPE_LOG_CSV_HPP

/// \file
/// Bandit logs as CSV files: `save_csv(log, path)` and `load_csv<T>(path)`, with the columns
/// of Open Bandit Pipeline's bandit feedback (`context`, `action`, `pscore`, `reward`).

#include <cmath>
#include <concepts>
#include <limits>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "prefrl/core/csv.hpp"
#include "prefrl/core/error.hpp"
#include "prefrl/ope/bandit_log.hpp"

namespace prefrl::detail {

/// 1 + the largest logged action (the action count a log implies), saturating at the
/// largest index so that validate rejects that action instead of the sum overflowing.
template <std::floating_point T>
index_t logged_action_count(const ope::bandit_log<T>& log) {
    std::int64_t largest = 0;
    for (const std::int64_t a : log.action) largest = a > largest ? a : largest;
    return largest < std::numeric_limits<index_t>::max() ? static_cast<index_t>(largest) + 1 : static_cast<index_t>(largest);
}

}  // namespace prefrl::detail

namespace prefrl::ope {

/// **Writes a bandit log as CSV**: a header, then one row per round with the columns
/// `x_0..x_{k-1}, action, pscore, reward` (k = `log.context_size`, none without contexts;
/// 17 significant digits, so doubles round-trip exactly). The log is checked first.
template <std::floating_point T>
void save_csv(const bandit_log<T>& log, const std::string& path) {
    constexpr auto fn = "prefrl::ope::save_csv";
    validate(log, detail::logged_action_count(log), fn);
    std::ofstream out(path);
    require(static_cast<bool>(out), fn, "cannot open ", path, " for writing");
    out.precision(17);
    const auto k = static_cast<std::size_t>(log.context_size);
    for (std::size_t j = 0; j < k; ++j) out << "x_" << j << ',';
    out << "action,pscore,reward\n";
    for (std::size_t i = 0; i < log.size(); ++i) {
        for (std::size_t j = 0; j < k; ++j) out << static_cast<double>(log.context[i * k + j]) << ',';
        out << log.action[i] << ',' << static_cast<double>(log.pscore[i]) << ',' << static_cast<double>(log.reward[i]) << '\n';
    }
    require(static_cast<bool>(out), fn, "writing ", path, " failed");
}

/// **Reads a bandit log written by `save_csv`** (or exported from your own system in the same
/// columns: `x_0..x_{k-1}` optional, then `action, pscore, reward`). Actions must be whole
/// numbers >= 0, propensities in (0, 1], everything finite; errors name the file and line, and
/// a bad header the column it expected.
template <std::floating_point T>
owning_bandit_log<T> load_csv(const std::string& path) {
    constexpr auto fn = "prefrl::ope::load_csv";
    std::ifstream in(path);
    require(static_cast<bool>(in), fn, "cannot open ", path);
    std::string line;
    require(detail::csv_line(in, line), fn, path, " is empty (it needs a header)");
    const std::vector<std::string> header = detail::csv_cells(line);
    std::size_t k = 0;
    while (k < header.size() && header[k] == "x_" + std::to_string(k)) ++k;
    std::vector<std::string> expected;
    for (std::size_t j = 0; j < k; ++j) expected.push_back("x_" + std::to_string(j));
    for (const char* name : {"action", "pscore", "reward"}) expected.push_back(name);
    if (header != expected) {
        std::size_t j = 0;
        while (j < header.size() && j < expected.size() && header[j] == expected[j]) ++j;
        const std::string found = j < header.size() ? "'" + header[j] + "'" : "nothing";
        const std::string wanted = j < expected.size() ? expected[j] : "the end of the line";
        fail(fn, path, " line 1: the header must be x_0.. (optional), action, pscore, reward in this order; column ", j,
             " is ", found, ", expected ", wanted);
    }
    typename owning_bandit_log<T>::columns data;
    data.context_size = static_cast<index_t>(k);
    const std::size_t columns = k + 3;
    int number = 1;
    while (detail::csv_line(in, line)) {
        ++number;
        if (line.empty()) continue;
        const std::vector<std::string> cells = detail::csv_cells(line);
        require(cells.size() == columns, fn, path, " line ", number, " has ", cells.size(), " values, the header ", columns);
        std::vector<double> values;
        for (const std::string& cell : cells) {
            const double x = detail::csv_number(fn, path, number, cell);
            require(std::isfinite(x), fn, path, " line ", number, ": '", cell, "' must be finite");
            values.push_back(x);
        }
        const double action = values[k], pscore = values[k + 1];
        require(action >= 0.0 && action <= 9.0e15 && action == std::floor(action), fn, path, " line ", number,
                ": action must be a whole number >= 0, got ", cells[k]);
        require(pscore > 0.0 && pscore <= 1.0, fn, path, " line ", number, ": pscore must be a probability in (0, 1], got ",
                cells[k + 1]);
        for (std::size_t j = 0; j < k; ++j) data.context.push_back(static_cast<T>(values[j]));
        data.action.push_back(static_cast<std::int64_t>(action));
        data.pscore.push_back(static_cast<T>(pscore));
        data.reward.push_back(static_cast<T>(values[k + 2]));
    }
    require(!data.reward.empty(), fn, path, " has a header but no rounds");
    owning_bandit_log<T> log(std::move(data));
    validate(log, detail::logged_action_count(log), fn);  // e.g. a value finite in double but not in T
    return log;
}

}  // namespace prefrl::ope

#endif  // PREFRL_OPE_LOG_CSV_HPP
