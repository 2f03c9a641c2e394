#ifndef PREFRL_CORE_CSV_HPP
#define PREFRL_CORE_CSV_HPP

/// \file
/// The small CSV reader behind the `load_csv` functions (offline datasets, bandit logs):
/// cells of a line, numbers with the file and line in the error. Internal.

#include <cstdlib>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"

namespace prefrl::detail {

/// The comma-separated cells of one CSV line, empty ones included ("a,,b," is 4 cells).
inline std::vector<std::string> csv_cells(const std::string& line) {
    std::vector<std::string> cells;
    std::size_t begin = 0;
    while (true) {
        const std::size_t comma = line.find(',', begin);
        cells.push_back(line.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin));
        if (comma == std::string::npos) return cells;
        begin = comma + 1;
    }
}

/// Reads the next line into `line` without its Windows `\r`; false at the end of the stream.
inline bool csv_line(std::istream& in, std::string& line) {
    if (!std::getline(in, line)) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
}

/// The number in one cell, or `function: path line N: 'cell' is not a number`.
inline double csv_number(std::string_view function, const std::string& path, int line, const std::string& cell) {
    char* end = nullptr;
    const double x = std::strtod(cell.c_str(), &end);
    require(end != cell.c_str() && *end == '\0', function, path, " line ", line, ": '", cell, "' is not a number");
    return x;
}

}  // namespace prefrl::detail

#endif  // PREFRL_CORE_CSV_HPP
