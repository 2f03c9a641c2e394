#ifndef PREFRL_ICL_TRAINING_HPP
#define PREFRL_ICL_TRAINING_HPP

/// \file
/// Training linear self-attention on freshly sampled regression tasks: the batch loss and its
/// analytic gradients, the initialization and the optimizer loop of von Oswald et al. 2023.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "prefrl/core/error.hpp"
#include "prefrl/core/random.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/icl/lsa.hpp"
#include "prefrl/icl/regression_task.hpp"
#include "prefrl/optim/adam.hpp"

namespace prefrl::detail {

/// Tasks per independent chunk of a batch: chunks are summed in order, so the result does not
/// depend on the thread count.
inline constexpr std::size_t lsa_chunk_tasks = 64;

/// One layer, keys from the context only, query loss: the read-out needs only the query's
/// column. With A = W_K^T W_Q and b = W_V^T P[d, :]^T the query's y-slot becomes
/// `e_q[d] + (C^T b)^T (C^T A e_q)`, so a task costs O(D N + D^2) instead of O(D^2 N).
/// Accumulates dl/dA and dl/db (times the batch's 1/B) into `d_a`, `d_b`; returns the sum of
/// (1/2) err^2.
template <std::floating_point T>
double lsa_single_layer_chunk(const icl::weight_matrix<T>& a, const Eigen::Matrix<T, Eigen::Dynamic, 1>& b,
                          std::span<const icl::regression_task<T>> tasks, T scale, icl::weight_matrix<T>& d_a,
                          Eigen::Matrix<T, Eigen::Dynamic, 1>& d_b) {
    double loss = 0.0;
    for (const auto& task : tasks) {
        const Eigen::Index dim = task.tokens.rows(), n = task.tokens.cols() - 1;
        const auto c = task.tokens.leftCols(n);
        const auto query = task.tokens.col(n);
        const Eigen::Matrix<T, Eigen::Dynamic, 1> s = c.transpose() * (a * query);
        const Eigen::Matrix<T, Eigen::Dynamic, 1> r = c.transpose() * b;
        const T error = -(query(dim - 1) + r.dot(s)) - task.target;
        loss += 0.5 * static_cast<double>(error) * static_cast<double>(error);
        const T delta = -error * scale;  // dl/d(slot), the loss being (1/(2B)) sum err^2
        d_a.noalias() += (delta * (c * r)) * query.transpose();
        d_b.noalias() += delta * (c * s);
    }
    return loss;
}

template <std::floating_point T>
bool is_single_query_layer(std::span<const icl::lsa_layer<T>> layers) {
    return layers.size() == 1 && !layers[0].include_query;
}

}  // namespace prefrl::detail

namespace prefrl::icl {

/// The training loss `(1/(2B)) sum_b (y_hat_b - y_q,b)^2` of a stack over a batch of tasks (the
/// authors' `compute_loss`), and its gradients with respect to every layer's weights, written
/// to `gradients` (one entry per layer, overwritten). Chunks of 64 tasks run in parallel under
/// OpenMP and are summed in order: the same result for any thread count. A single layer whose
/// keys exclude the query takes the query-only path (O(D N) per task instead of O(D^2 N)).
template <std::floating_point T>
double lsa_batch_loss_and_gradients(std::span<const lsa_layer<T>> layers, std::span<const regression_task<T>> tasks,
                                    std::span<lsa_gradients<T>> gradients) {
    constexpr auto fn = "prefrl::icl::lsa_batch_loss_and_gradients";
    require_non_empty(fn, "tasks", tasks.size());
    require_non_empty(fn, "layers", layers.size());
    require_same_size(fn, "gradients", gradients.size(), "layers", layers.size());
    const Eigen::Index dim = tasks[0].tokens.rows(), columns = tasks[0].tokens.cols();
    for (std::size_t t = 0; t < tasks.size(); ++t)
        require(tasks[t].tokens.rows() == dim && tasks[t].tokens.cols() == columns, fn, "tasks[", t, "] has ",
                tasks[t].tokens.rows(), " x ", tasks[t].tokens.cols(), " tokens, tasks[0] ", dim, " x ", columns);
    for (std::size_t l = 0; l < layers.size(); ++l) gradients[l] = lsa_gradients<T>::zeros_like(layers[l]);
    (void)lsa_update(layers[0], tasks[0].tokens);  // validates the shapes once, before the parallel loop
    const std::size_t chunks = (tasks.size() + prefrl::detail::lsa_chunk_tasks - 1) / prefrl::detail::lsa_chunk_tasks;
    const T scale = static_cast<T>(1.0 / static_cast<double>(tasks.size()));
    std::vector<double> losses(chunks, 0.0);

    if (prefrl::detail::is_single_query_layer(layers)) {
        const auto& layer = layers[0];
        const weight_matrix<T> a = layer.key.transpose() * layer.query;
        const Eigen::Matrix<T, Eigen::Dynamic, 1> p = layer.projection.row(dim - 1).transpose();
        const Eigen::Matrix<T, Eigen::Dynamic, 1> b = layer.value.transpose() * p;
        std::vector<weight_matrix<T>> d_a(chunks, weight_matrix<T>::Zero(dim, dim));
        std::vector<Eigen::Matrix<T, Eigen::Dynamic, 1>> d_b(chunks, Eigen::Matrix<T, Eigen::Dynamic, 1>::Zero(dim));
        const auto count = static_cast<long long>(chunks);
        PREFRL_PARALLEL_FOR_IF(count > 1)
        for (long long k = 0; k < count; ++k) {
            const auto first = static_cast<std::size_t>(k) * prefrl::detail::lsa_chunk_tasks;
            const auto size = std::min(prefrl::detail::lsa_chunk_tasks, tasks.size() - first);
            losses[static_cast<std::size_t>(k)] =
                prefrl::detail::lsa_single_layer_chunk(a, b, tasks.subspan(first, size), scale, d_a[static_cast<std::size_t>(k)],
                                                    d_b[static_cast<std::size_t>(k)]);
        }
        for (std::size_t k = 1; k < chunks; ++k) {
            d_a[0] += d_a[k];
            d_b[0] += d_b[k];
        }
        // A = W_K^T W_Q, b = W_V^T p, p = P[d, :]^T; the other rows of P do not reach the read-out
        auto& g = gradients[0];
        g.key.noalias() = layer.query * d_a[0].transpose();
        g.query.noalias() = layer.key * d_a[0];
        g.value.noalias() = p * d_b[0].transpose();
        g.projection.row(dim - 1).noalias() = (layer.value * d_b[0]).transpose();
    } else {
        std::vector<std::vector<lsa_gradients<T>>> partial(chunks);
        const auto count = static_cast<long long>(chunks);
        PREFRL_PARALLEL_FOR_IF(count > 1)
        for (long long k = 0; k < count; ++k) {
            auto& mine = partial[static_cast<std::size_t>(k)];
            for (const auto& layer : layers) mine.push_back(lsa_gradients<T>::zeros_like(layer));
            const auto first = static_cast<std::size_t>(k) * prefrl::detail::lsa_chunk_tasks;
            const auto last = std::min(first + prefrl::detail::lsa_chunk_tasks, tasks.size());
            double loss = 0.0;
            for (std::size_t t = first; t < last; ++t)
                loss += static_cast<double>(lsa_query_loss_and_gradients<T>(layers, tasks[t], mine));
            losses[static_cast<std::size_t>(k)] = loss;
        }
        for (std::size_t k = 0; k < chunks; ++k) {
            for (std::size_t l = 0; l < layers.size(); ++l) {
                gradients[l].key += scale * partial[k][l].key;
                gradients[l].query += scale * partial[k][l].query;
                gradients[l].value += scale * partial[k][l].value;
                gradients[l].projection += scale * partial[k][l].projection;
            }
        }
    }
    double total = 0.0;
    for (const double loss : losses) total += loss;
    const double mean = total / static_cast<double>(tasks.size());
    require(std::isfinite(mean), fn, "the loss is not finite (", mean, "): the weights diverged or a task holds NaN/inf");
    return mean;
}

/// The authors' initialization (haiku `VarianceScaling(scale, "fan_in", "truncated_normal")`):
/// every weight `t sqrt(scale / D) / 0.87962566`, t ~ N(0, 1) truncated to [-2, 2] (the constant
/// restores the standard deviation sqrt(scale / D)). A layer is D x D in each matrix.
template <std::floating_point T, RandomGenerator G>
lsa_layer<T> lsa_initial_layer(int dim, double scale, G& rng) {
    constexpr auto fn = "prefrl::icl::lsa_initial_layer";
    require_positive(fn, "dim", dim);
    require_positive(fn, "scale", scale);
    const double stddev = std::sqrt(scale / dim) / 0.87962566103423978;
    auto draw = [&] {
        weight_matrix<T> w(dim, dim);
        for (Eigen::Index j = 0; j < dim; ++j) {
            for (Eigen::Index i = 0; i < dim; ++i) {
                double t = normal<double>(rng);
                while (std::abs(t) > 2.0) t = normal<double>(rng);
                w(i, j) = static_cast<T>(t * stddev);
            }
        }
        return w;
    };
    lsa_layer<T> layer;
    layer.key = draw();
    layer.query = draw();
    layer.value = draw();
    layer.projection = draw();
    return layer;
}

/// The training recipe; the defaults are the spec's for one layer (the authors' notebook and
/// `src/config.py`): Adam 1e-3 with b2 = 0.98, global-norm clip 0.001, batch 512, init scale
/// 0.002 / L. The authors use clip 10 beyond two layers and lr 5e-4 beyond three.
struct lsa_training_options {
    int layers = 1;               ///< L
    bool shared_weights = false;  ///< recurrent: one weight set applied L times (the code's `deq`)
    int batch = 512;              ///< fresh tasks per step
    double init_scale = 0.002;    ///< VarianceScaling scale before the division by L
    optim::adam_options adam{.learning_rate = 1e-3, .beta1 = 0.9, .beta2 = 0.98, .epsilon = 1e-8, .weight_decay = 0.0};
    double clip_norm = 0.001;     ///< global-norm gradient clipping
};

/// **Training an LSA stack on in-context regression** (von Oswald et al. 2023): every `step`
/// draws `batch` fresh tasks, computes the loss and its analytic gradients
/// (`lsa_batch_loss_and_gradients`), clips them by global norm and takes one Adam step. Seeded
/// by the generator passed to the constructor and to `step`.
template <std::floating_point T>
class lsa_trainer {
public:
    template <RandomGenerator G>
    lsa_trainer(regression_task_distribution tasks, lsa_training_options options, G& rng)
        : tasks_(tasks), options_(options),
          adam_(checked_parameter_count(tasks, options), options.adam) {
        const int dim = tasks.inputs + 1;
        const double scale = options.init_scale / options.layers;
        const int sets = options.shared_weights ? 1 : options.layers;
        for (int l = 0; l < sets; ++l) weights_.push_back(lsa_initial_layer<T>(dim, scale, rng));
        parameters_.resize(adam_.state_size());
        flat_gradients_.resize(adam_.state_size());
        pack();
        expand();
    }

    /// One optimizer step on a fresh batch; returns the batch's loss before the step.
    template <RandomGenerator G>
    double step(G& rng) {
        batch_.clear();
        for (int b = 0; b < options_.batch; ++b) batch_.push_back(tasks_.template sample<T>(rng));
        const double loss = lsa_batch_loss_and_gradients<T>(layers_, batch_, gradients_);
        // a recurrent stack's one weight set gets the sum over the layers that use it
        std::size_t at = 0;
        for (std::size_t set = 0; set < weights_.size(); ++set) {
            for (auto matrix : {&lsa_gradients<T>::key, &lsa_gradients<T>::query, &lsa_gradients<T>::value,
                                &lsa_gradients<T>::projection}) {
                weight_matrix<T> total = gradients_[set].*matrix;
                if (options_.shared_weights)
                    for (std::size_t l = 1; l < gradients_.size(); ++l) total += gradients_[l].*matrix;
                std::copy(total.data(), total.data() + total.size(), flat_gradients_.begin() + static_cast<std::ptrdiff_t>(at));
                at += static_cast<std::size_t>(total.size());
            }
        }
        optim::clip_by_global_norm<T>(flat_gradients_, options_.clip_norm);
        adam_.step(parameters_, flat_gradients_);
        unpack();
        expand();
        return loss;
    }

    /// The stack as it is now: L layers (copies of one weight set when `shared_weights`).
    [[nodiscard]] const std::vector<lsa_layer<T>>& layers() const { return layers_; }
    [[nodiscard]] std::int64_t steps() const { return adam_.steps(); }
    [[nodiscard]] const lsa_training_options& options() const { return options_; }

private:
    static std::size_t checked_parameter_count(const regression_task_distribution& tasks, const lsa_training_options& options) {
        constexpr auto fn = "prefrl::icl::lsa_trainer";
        require_positive(fn, "inputs", tasks.inputs);
        require_positive(fn, "layers", options.layers);
        require_positive(fn, "batch", options.batch);
        require_positive(fn, "clip_norm", options.clip_norm);
        const auto dim = static_cast<std::size_t>(tasks.inputs + 1);
        const auto sets = static_cast<std::size_t>(options.shared_weights ? 1 : options.layers);
        return 4 * dim * dim * sets;
    }

    void pack() {
        std::size_t at = 0;
        for (auto& layer : weights_)
            for (auto* matrix : {&layer.key, &layer.query, &layer.value, &layer.projection}) {
                std::copy(matrix->data(), matrix->data() + matrix->size(), parameters_.begin() + static_cast<std::ptrdiff_t>(at));
                at += static_cast<std::size_t>(matrix->size());
            }
    }

    void unpack() {
        std::size_t at = 0;
        for (auto& layer : weights_)
            for (auto* matrix : {&layer.key, &layer.query, &layer.value, &layer.projection}) {
                std::copy(parameters_.begin() + static_cast<std::ptrdiff_t>(at),
                          parameters_.begin() + static_cast<std::ptrdiff_t>(at) + matrix->size(), matrix->data());
                at += static_cast<std::size_t>(matrix->size());
            }
    }

    void expand() {
        layers_.clear();
        for (int l = 0; l < options_.layers; ++l)
            layers_.push_back(weights_[options_.shared_weights ? 0 : static_cast<std::size_t>(l)]);
        gradients_.resize(layers_.size());
    }

    regression_task_distribution tasks_;
    lsa_training_options options_;
    optim::adam<T> adam_;
    std::vector<lsa_layer<T>> weights_;  // the distinct weight sets
    std::vector<lsa_layer<T>> layers_;   // the stack
    std::vector<T> parameters_, flat_gradients_;
    std::vector<lsa_gradients<T>> gradients_;
    std::vector<regression_task<T>> batch_;
};

}  // namespace prefrl::icl

#endif  // PREFRL_ICL_TRAINING_HPP
