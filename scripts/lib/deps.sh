# Sourced by the scripts in scripts/: installs the Debian packages prefrl needs.
#
#   prefrl_require_packages g++ cmake ...
#
# Installs what is missing with apt-get when run as root; otherwise prints the exact
# command to run and exits 1. On a system without dpkg it only says what it would need.

prefrl_require_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "prefrl: not a Debian-based system; make sure these (or your system's equivalents) are installed: $*" >&2
        return 0
    fi
    local missing=() package
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        echo "prefrl: installing ${missing[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    else
        echo "prefrl: missing Debian packages: ${missing[*]}" >&2
        echo "install them with:" >&2
        echo "    sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

# What building and testing prefrl needs (tests, examples and benchmarks are all built);
# libtorch-dev is optional for users (prefrl::torch), installed here for its tests.
PREFRL_BUILD_PACKAGES=(g++ cmake ninja-build ccache libeigen3-dev xtensor-dev catch2 nlohmann-json3-dev libbenchmark-dev libtorch-dev)
