#!/usr/bin/env bash
# Consumer tests (as fmt does): prefrl installed to a temporary prefix and used with
# find_package; used with add_subdirectory; used as plain headers with no CMake at all.
#
#     tests/consumer/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== install to a temporary prefix"
cmake -S "$root" -B "$work/build" -G Ninja -DPREFRL_BUILD_TESTS=OFF -DPREFRL_BUILD_EXAMPLES=OFF \
      -DPREFRL_BUILD_BENCHMARKS=OFF >/dev/null
cmake --install "$work/build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/prefrl/prefrl.hpp"
test -f "$work/prefix/share/cmake/prefrl/prefrlConfig.cmake"
test -f "$work/prefix/share/cmake/prefrl/prefrlConfigVersion.cmake"

echo "== find_package(prefrl CONFIG REQUIRED)"
cmake -S "$root/tests/consumer/find_package" -B "$work/fp" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/fp" >/dev/null
"$work/fp/consumer"

if compgen -G "/usr/lib/*/cmake/Torch/TorchConfig.cmake" >/dev/null; then
    echo "== find_package(prefrl COMPONENTS torch): prefrl::torch"
    cmake -S "$root/tests/consumer/find_package_torch" -B "$work/fpt" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
    cmake --build "$work/fpt" >/dev/null
    "$work/fpt/consumer_torch"
else
    echo "== (libtorch not installed: prefrl::torch consumer test skipped)"
fi

echo "== find_package with a version request"
mkdir -p "$work/ver"
cat > "$work/ver/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(v LANGUAGES CXX)
find_package(prefrl 0.1 CONFIG REQUIRED)
find_package(prefrl 99 CONFIG QUIET)
if(prefrl_FOUND)
    message(FATAL_ERROR "prefrl 99 must not be found")
endif()
CMAKE
cmake -S "$work/ver" -B "$work/ver/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null

echo "== add_subdirectory(prefrl)"
cmake -S "$root/tests/consumer/add_subdirectory" -B "$work/as" -G Ninja -DPREFRL_SOURCE_DIR="$root" >/dev/null
cmake --build "$work/as" >/dev/null
"$work/as/consumer"

echo "== plain headers, no CMake"
c++ -std=c++20 -Wall -Wextra -Wpedantic -Werror -I"$work/prefix/include" -isystem /usr/include/eigen3 \
    "$root/tests/consumer/main.cpp" -o "$work/plain"
"$work/plain"

echo "consumer: 5 passed, 0 failed"
