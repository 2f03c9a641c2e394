# Settings for prefrl's own targets (tests, examples, benchmarks). Nothing here reaches
# consumers of prefrl::prefrl.

# Our targets compile as standard C++20 (-std=c++20, not gnu++20).
set(CMAKE_CXX_EXTENSIONS OFF)

# ccache when present: the template-heavy test suite rebuilds much faster. CCACHE_BASEDIR makes
# the paths inside the project relative and CCACHE_NOHASHDIR leaves the build folder out of the
# hash (debug info then names the folder of the first build), so a fresh clone elsewhere hits; the
# sloppiness settings (with -fpch-preprocess on the tests, see tests/CMakeLists.txt) let ccache
# cache the translation units that use the precompiled Catch2/Eigen header, which it otherwise
# refuses ("could not use precompiled header").
find_program(PREFRL_CCACHE ccache)
if(PREFRL_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${PROJECT_SOURCE_DIR} CCACHE_NOHASHDIR=1
        CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime ${PREFRL_CCACHE})
endif()

set(PREFRL_WARNINGS "-Wall;-Wextra;-Wpedantic" CACHE STRING "Warning flags for prefrl's own targets")
option(PREFRL_WERROR "Treat warnings as errors in prefrl's own targets" OFF)
option(PREFRL_NATIVE "Compile prefrl's examples and benchmarks with -march=native" OFF)
option(PREFRL_OPENMP "Use OpenMP (row-parallel kernels) in prefrl's own targets when found" ON)
set(PREFRL_SANITIZE "" CACHE STRING "Sanitizers for prefrl's own targets, e.g. address,undefined")

if(PREFRL_OPENMP)
    find_package(OpenMP COMPONENTS CXX)
endif()

# prefrl_configure_target(<target> [NATIVE] [NO_OPENMP]): warnings, sanitizers, OpenMP (unless
# NO_OPENMP), and -march=native when NATIVE is given and PREFRL_NATIVE is on.
function(prefrl_configure_target target)
    cmake_parse_arguments(ARG "NATIVE;NO_OPENMP" "" "" ${ARGN})
    target_link_libraries(${target} PRIVATE prefrl::prefrl)
    target_compile_options(${target} PRIVATE ${PREFRL_WARNINGS})
    if(PREFRL_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    if(ARG_NATIVE AND PREFRL_NATIVE)
        # g++ 12 raises false -W(maybe-)uninitialized inside its own avx512fintrin.h with Eigen;
        # the dev preset (no -march=native) keeps both warnings, as errors, for our code.
        target_compile_options(${target} PRIVATE -march=native -Wno-maybe-uninitialized -Wno-uninitialized)
    endif()
    if(PREFRL_SANITIZE)
        target_compile_options(${target} PRIVATE -fsanitize=${PREFRL_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
        target_link_options(${target} PRIVATE -fsanitize=${PREFRL_SANITIZE})
    endif()
    if(PREFRL_OPENMP AND OpenMP_CXX_FOUND AND NOT ARG_NO_OPENMP)
        target_link_libraries(${target} PRIVATE OpenMP::OpenMP_CXX)
    endif()
endfunction()
