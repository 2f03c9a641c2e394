#ifndef PREFRL_DETAIL_PARALLEL_HPP
#define PREFRL_DETAIL_PARALLEL_HPP

/// \file
/// Row-parallel loops. When the consumer compiles with OpenMP (-fopenmp), loops over
/// independent rows are split over threads; otherwise they run serially. Every row is
/// computed the same way whichever thread runs it, so results are bitwise identical for
/// any thread count (reductions across rows are done afterwards, serially, in row order).

#define PREFRL_DETAIL_PRAGMA(x) _Pragma(#x)

#if defined(_OPENMP)
/// `for` over rows, in parallel when `condition` holds (enough work to pay for the threads).
#define PREFRL_PARALLEL_FOR_IF(condition) PREFRL_DETAIL_PRAGMA(omp parallel for schedule(static) if(condition))
/// `for` over a few large tasks, always in a parallel region (when more than one thread is
/// allowed): Eigen products inside then run on their own thread, with the blocking of a serial
/// product, so they round the same whatever the thread count.
#define PREFRL_PARALLEL_FOR_ALWAYS PREFRL_DETAIL_PRAGMA(omp parallel for schedule(static))
#else
#define PREFRL_PARALLEL_FOR_IF(condition)
#define PREFRL_PARALLEL_FOR_ALWAYS
#endif

namespace prefrl::detail {

/// Below this many elements a kernel runs on one thread: starting threads costs more.
inline constexpr long long parallel_min_elements = 1 << 16;

}  // namespace prefrl::detail

#endif  // PREFRL_DETAIL_PARALLEL_HPP
