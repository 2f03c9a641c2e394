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
#include "prefrl/detail/lsa_training_engine.hpp"
#include "prefrl/detail/parallel.hpp"
#include "prefrl/icl/lsa.hpp"
#include "prefrl/icl/regression_task.hpp"
#include "prefrl/optim/adam.hpp"

namespace prefrl::icl {

/// The training loss `(1/(2B)) sum_b (y_hat_b - y_q,b)^2` of a stack over a batch of tasks (the
/// authors' `compute_loss`), and its gradients with respect to every layer's weights, written
/// to `gradients` (one entry per layer, overwritten). Chunks of 64 tasks run in parallel under
/// OpenMP and are summed in order: the same result for any thread count. A single layer whose
/// keys exclude the query takes the query-only path (O(D N + D^2) per task); any other stack
/// the product form Z' = Z + (P W_V)(C C^T)(W_K^T W_Q) Z (O(D^3 + D^2 N) per task and layer,
/// where the paper's form costs O(D N^2)). Both equal the per-task backward pass
/// (`lsa_query_loss_and_gradients`) to rounding; the tests hold them to it.
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
    {  // validates every layer's shapes once, before the parallel loop
        token_matrix<T> z = tasks[0].tokens;
        for (const auto& layer : layers) z += prefrl::detail::checked_lsa_update(fn, layer, z);
    }
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
        std::vector<weight_matrix<T>> a, b;
        for (const auto& layer : layers) {
            a.push_back(layer.key.transpose() * layer.query);
            b.push_back(layer.projection * layer.value);
        }
        std::vector<prefrl::detail::lsa_stack_workspace<T>> workspaces;
        for (std::size_t k = 0; k < chunks; ++k) workspaces.emplace_back(layers.size(), dim, columns);
        const auto count = static_cast<long long>(chunks);
        PREFRL_PARALLEL_FOR_IF(count > 1)
        for (long long k = 0; k < count; ++k) {
            const auto first = static_cast<std::size_t>(k) * prefrl::detail::lsa_chunk_tasks;
            const auto size = std::min(prefrl::detail::lsa_chunk_tasks, tasks.size() - first);
            losses[static_cast<std::size_t>(k)] = prefrl::detail::lsa_stack_chunk<T>(
                layers, a, b, tasks.subspan(first, size), scale, workspaces[static_cast<std::size_t>(k)]);
        }
        for (std::size_t l = 0; l < layers.size(); ++l) {
            for (std::size_t k = 1; k < chunks; ++k) {
                workspaces[0].d_a[l] += workspaces[k].d_a[l];
                workspaces[0].d_b[l] += workspaces[k].d_b[l];
            }
            // A = W_K^T W_Q, B = P W_V
            const auto& d_a = workspaces[0].d_a[l];
            const auto& d_b = workspaces[0].d_b[l];
            gradients[l].key.noalias() = layers[l].query * d_a.transpose();
            gradients[l].query.noalias() = layers[l].key * d_a;
            gradients[l].projection.noalias() = d_b * layers[l].value.transpose();
            gradients[l].value.noalias() = layers[l].projection.transpose() * d_b;
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

/// The training recipe; the defaults are the authors' for one layer (their notebook and
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

/// The largest parameter count `lsa_trainer` accepts (2^26; it holds about six copies).
inline constexpr index_t lsa_trainer_max_parameters = index_t{1} << 26;

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
        batch_ = tasks_.template sample_many<T>(options_.batch, rng);
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
        tasks.validate(fn);
        require_positive(fn, "layers", options.layers);
        require_positive(fn, "batch", options.batch);
        require_non_negative(fn, "init_scale", options.init_scale);
        require_positive(fn, "clip_norm", options.clip_norm);
        detail::check_adam_options(fn, "adam.", options.adam);
        // parameters, gradients, Adam's two moments and the stack's copies: refuse what no machine holds
        const index_t dim = index_t{tasks.inputs} + 1;
        const int sets = options.shared_weights ? 1 : options.layers;
        const index_t per_set = checked_size_product(fn, "4 (inputs + 1)^2", 4 * dim, dim);
        const index_t count = checked_size_product(fn, "the parameter count", per_set, index_t{sets});
        require(count <= lsa_trainer_max_parameters, fn, "the parameter count 4 (inputs + 1)^2 x ", sets, " weight sets = ", count,
                " exceeds ", lsa_trainer_max_parameters, " (inputs = ", tasks.inputs, ", layers = ", options.layers, ")");
        return static_cast<std::size_t>(count);
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
