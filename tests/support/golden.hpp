#ifndef PREFRL_TESTS_SUPPORT_GOLDEN_HPP
#define PREFRL_TESTS_SUPPORT_GOLDEN_HPP

// Reference values computed with PyTorch autograd in float64 (tests/data/golden.json,
// copied from the project's shared golden vectors; see tests/data/README.md).

#include <nlohmann/json.hpp>

#include "support/data_dir.hpp"

#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace prefrl::test {

inline nlohmann::json read_data_file(const std::string& name) {
    const std::string path = data_dir() + "/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(in);
}

inline const nlohmann::json& golden() {
    static const nlohmann::json data = read_data_file("golden.json");
    return data;
}

// TRL's GRPO-family formulas in PyTorch float64 autograd (tests/data/grpo.json).
inline const nlohmann::json& grpo_golden() {
    static const nlohmann::json data = read_data_file("grpo.json");
    return data;
}

template <class T>
std::vector<T> as_vector(const nlohmann::json& values) {
    std::vector<T> out;
    out.reserve(values.size());
    for (const auto& v : values)
        out.push_back(v.is_null() ? std::numeric_limits<T>::quiet_NaN() : static_cast<T>(v.get<double>()));
    return out;
}

}  // namespace prefrl::test

#endif  // PREFRL_TESTS_SUPPORT_GOLDEN_HPP
