#ifndef PREFRL_TESTS_SUPPORT_GOLDEN_HPP
#define PREFRL_TESTS_SUPPORT_GOLDEN_HPP

// Reference values computed with PyTorch autograd in float64 (tests/data/golden.json,
// copied from the project's shared golden vectors; see tests/data/README.md).

#include <nlohmann/json.hpp>

#include "support/data_dir.hpp"

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace prefrl::test {

inline const nlohmann::json& golden() {
    static const nlohmann::json data = [] {
        const std::string path = data_dir() + "/golden.json";
        std::ifstream in(path);
        if (!in) throw std::runtime_error("cannot open " + path);
        return nlohmann::json::parse(in);
    }();
    return data;
}

template <class T>
std::vector<T> as_vector(const nlohmann::json& values) {
    std::vector<T> out;
    out.reserve(values.size());
    for (const auto& v : values) out.push_back(static_cast<T>(v.get<double>()));
    return out;
}

}  // namespace prefrl::test

#endif  // PREFRL_TESTS_SUPPORT_GOLDEN_HPP
