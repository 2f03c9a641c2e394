#ifndef PREFRL_ICL_REGRESSION_TASK_HPP
#define PREFRL_ICL_REGRESSION_TASK_HPP

/// \file
/// The in-context linear-regression tasks of von Oswald et al. 2023, as tokens.

#include <concepts>
#include <limits>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/core/types.hpp"

namespace prefrl::icl {

/// Column-major token matrix `Z = [e_1 .. e_N, e_q]`, one token per column.
template <std::floating_point T>
using token_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

/// One in-context regression task: the tokens `e_i = (x_i; y_i)` of the N context pairs
/// followed by the query token `(x_q; 0)` (D = d + 1 rows, N + 1 columns), the task's weight
/// w and the query's target y_q = w^T x_q.
template <std::floating_point T>
struct regression_task {
    token_matrix<T> tokens;
    Eigen::Matrix<T, Eigen::Dynamic, 1> w;
    T target{};
};

/// How tasks are drawn (von Oswald et al. 2023, "Transformers learn in-context by gradient
/// descent"): w ~ N(0, I_d), x ~ U(-a, a)^d, y = w^T x (+ N(0, noise^2)).
struct regression_task_distribution {
    int inputs = 10;       ///< d
    int context = 10;      ///< N, the context pairs
    double half_width = 1.0;  ///< a: x ~ U(-a, a) (the authors' notebook uses a = 1/2)
    double noise = 0.0;    ///< standard deviation of the noise on the context targets

    /// Throws `prefrl::invalid_argument` naming `fn` unless tasks can be drawn: inputs and
    /// context >= 1 (and a token matrix [inputs + 1, context + 1] whose size fits an index),
    /// half_width > 0 and noise >= 0, both finite.
    void validate(std::string_view fn = "prefrl::icl::regression_task_distribution") const {
        require_positive(fn, "inputs", inputs);
        require_positive(fn, "context", context);
        require(inputs < std::numeric_limits<int>::max() && context < std::numeric_limits<int>::max(), fn,
                "inputs and context must be < ", std::numeric_limits<int>::max(), ", got ", inputs, " and ", context);
        checked_size_product(fn, "the tokens (inputs + 1) * (context + 1)", index_t{inputs} + 1, index_t{context} + 1);
        require_positive(fn, "half_width", half_width);
        require_non_negative(fn, "noise", noise);
    }

    /// Draws one task with the explicit generator.
    template <std::floating_point T, RandomGenerator G>
    regression_task<T> sample(G& rng) const {
        validate("prefrl::icl::regression_task_distribution::sample");
        regression_task<T> task{token_matrix<T>::Zero(inputs + 1, context + 1), Eigen::Matrix<T, Eigen::Dynamic, 1>(inputs), T(0)};
        for (int k = 0; k < inputs; ++k) task.w[k] = normal<T>(rng);
        for (int j = 0; j <= context; ++j) {
            for (int k = 0; k < inputs; ++k)
                task.tokens(k, j) = static_cast<T>(half_width * (2.0 * uniform01<double>(rng) - 1.0));
            const T y = task.w.dot(task.tokens.col(j).head(inputs));
            if (j < context) {
                task.tokens(inputs, j) = noise > 0.0 ? y + static_cast<T>(noise) * normal<T>(rng) : y;
            } else {
                task.target = y;  // the query's y-slot stays 0
            }
        }
        return task;
    }

    /// Draws `count` tasks, in order, with the explicit generator.
    template <std::floating_point T, RandomGenerator G>
    std::vector<regression_task<T>> sample_many(int count, G& rng) const {
        require_non_negative("prefrl::icl::regression_task_distribution::sample_many", "count", count);
        std::vector<regression_task<T>> tasks;
        tasks.reserve(static_cast<std::size_t>(count));
        for (int t = 0; t < count; ++t) tasks.push_back(sample<T>(rng));
        return tasks;
    }
};

}  // namespace prefrl::icl

#endif  // PREFRL_ICL_REGRESSION_TASK_HPP
