// The one translation unit that sees the absolute path of tests/data (see data_dir.hpp).
#include "support/data_dir.hpp"

std::string prefrl::test::data_dir() { return PREFRL_TEST_DATA_DIR; }
