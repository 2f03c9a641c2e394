#ifndef PREFRL_TESTS_SUPPORT_DATA_DIR_HPP
#define PREFRL_TESTS_SUPPORT_DATA_DIR_HPP

#include <string>

namespace prefrl::test {
// The folder of the tests' reference data (tests/data). Defined in data_dir.cpp, the one
// translation unit that sees its absolute path, so every other test unit compiles the same in
// any clone (and ccache can reuse it).
std::string data_dir();
}  // namespace prefrl::test

#endif  // PREFRL_TESTS_SUPPORT_DATA_DIR_HPP
