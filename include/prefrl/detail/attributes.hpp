#ifndef PREFRL_DETAIL_ATTRIBUTES_HPP
#define PREFRL_DETAIL_ATTRIBUTES_HPP

/// \file
/// Compiler attributes for the hot loops.

/// Inlines a small function or lambda into its caller even where the compiler's size
/// heuristics would not (the per-block helpers of the pair losses: a call per 16 pairs costs
/// more than the work). Place it after a lambda's parameter list or before a function.
/// Define PREFRL_NO_ALWAYS_INLINE to leave inlining to the compiler (the sanitize preset
/// does: forced inlining triples the compile time under AddressSanitizer, and changes no
/// result).
#if (defined(__GNUC__) || defined(__clang__)) && !defined(PREFRL_NO_ALWAYS_INLINE)
#define PREFRL_ALWAYS_INLINE __attribute__((always_inline))
#else
#define PREFRL_ALWAYS_INLINE
#endif

/// Inlines every call inside the function it marks, recursively: for a hot loop made of many
/// small Eigen expressions, where the compiler stops inlining once the function has grown
/// and leaves some expressions as calls (the GRPO rows: 1.7x slower). Before the return type.
/// Off, as PREFRL_ALWAYS_INLINE is, under PREFRL_NO_ALWAYS_INLINE.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(PREFRL_NO_ALWAYS_INLINE)
#define PREFRL_FLATTEN __attribute__((flatten))
#else
#define PREFRL_FLATTEN
#endif

#endif  // PREFRL_DETAIL_ATTRIBUTES_HPP
