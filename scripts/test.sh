#!/usr/bin/env bash
# Installs what is missing, then configures, builds and runs every test of prefrl
# (the `dev` preset: Debug, -Wall -Wextra -Wpedantic -Werror). Exit status 0 only if all pass.
#
#     scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
prefrl_require_packages "${PREFRL_BUILD_PACKAGES[@]}"

cmake --workflow --preset dev
