// Deeper linear self-attention beats plain gradient descent and tracks GD++ (von Oswald et
// al. 2023, "Transformers learn in-context by gradient descent", "GD++").
//
// Claim: K = 2 trained LSA layers (separate weights, the authors' recipe, seeded) reach a lower
// in-context loss than two steps of GD at the best step size, and come within 10% of GD++
// (two layers of the curvature-corrected construction, x <- (I - gamma X X^T) x, at its best
// (eta, gamma) from a grid), i.e. the trained model does more than plain GD.
//
// Prints the line search over eta for K-step GD, the (eta, gamma) grid for GD++, the training
// curve (every 250 steps on 2000 held-out tasks, against both constructions) and the
// `result:` line. `--csv FILE` writes the curve for `scripts/plot.py`.
//
//     example_icl_gd_plus_plus [--csv FILE] [--steps N]

#include <prefrl/icl.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace icl = prefrl::icl;

namespace {

constexpr int layers = 2;

struct gd_plus_plus_choice {
    double eta = 0.0, gamma = 0.0, loss = std::numeric_limits<double>::infinity();
};

// The best GD++ stack of `layers` layers with one shared (eta, gamma), on a grid.
gd_plus_plus_choice search_gd_plus_plus(const icl::regression_task_distribution& dist,
                                        const std::vector<icl::regression_task<float>>& tasks) {
    gd_plus_plus_choice best;
    for (double eta = 1.0; eta <= 5.0 + 1e-9; eta += 0.25) {
        for (double gamma = 0.0; gamma <= 0.07 + 1e-9; gamma += 0.005) {
            const std::vector<icl::lsa_layer<float>> stack(layers, icl::gd_plus_plus_layer<float>(dist.inputs, dist.context, eta, gamma));
            const double loss = icl::lsa_loss<float>(stack, tasks);
            if (loss < best.loss) best = {eta, gamma, loss};
        }
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    std::string csv_path;
    int steps = 4000;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv_path = argv[++i];
        } else if (std::strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
            steps = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--csv FILE] [--steps N]\n", argv[0]);
            return 2;
        }
    }
    const icl::regression_task_distribution dist{.inputs = 10, .context = 10, .half_width = 1.0};
    prefrl::generator rng(2023);
    const auto search_tasks = dist.sample_many<float>(2000, rng);
    const auto eval_tasks = dist.sample_many<float>(5000, rng);

    const auto gd = icl::gd_step_size_line_search<float>(search_tasks, layers);
    const auto plus = search_gd_plus_plus(dist, search_tasks);
    const std::vector<icl::lsa_layer<float>> gd_stack(layers, icl::gd_layer<float>(dist.inputs, dist.context, gd.eta));
    const std::vector<icl::lsa_layer<float>> plus_stack(layers,
                                                        icl::gd_plus_plus_layer<float>(dist.inputs, dist.context, plus.eta, plus.gamma));
    std::printf("d = N = 10, x ~ U(-1, 1)^d; %d steps of GD: best eta %.3f (line search), loss %.4f\n", layers, gd.eta,
                icl::lsa_loss<float>(gd_stack, eval_tasks));
    std::printf("%d layers of GD++: best (eta, gamma) = (%.2f, %.3f) on the grid, loss %.4f\n", layers, plus.eta, plus.gamma,
                icl::lsa_loss<float>(plus_stack, eval_tasks));

    icl::lsa_training_options options;
    options.layers = layers;  // separate weights; init scale 0.002 / L, clip 0.001 (L <= 2)
    icl::lsa_trainer<float> trainer(dist, options, rng);
    std::ofstream csv;
    if (!csv_path.empty()) {
        csv.open(csv_path);
        csv << "step,train_loss,model_loss,gd_loss,gd_plus_plus_loss,cosine_gd,cosine_gd_plus_plus\n";
    }
    std::printf("\ntraining %d LSA layers (separate weights, Adam 1e-3, b2 0.98, clip 0.001, batch 512):\n", layers);
    std::printf("%6s %11s %11s %11s %11s %11s\n", "step", "train loss", "LSA loss", "vs GD", "cos GD", "cos GD++");
    for (int step = 1; step <= steps; ++step) {
        const double train_loss = trainer.step(rng);
        if (step % 250 != 0 && step != steps) continue;
        const auto to_gd = icl::compare_lsa<float>(trainer.layers(), gd_stack, std::span(search_tasks).first(500));
        const auto to_plus = icl::compare_lsa<float>(trainer.layers(), plus_stack, std::span(search_tasks).first(500));
        std::printf("%6d %11.4f %11.4f %11.4f %11.4f %11.4f\n", step, train_loss, to_gd.model_loss, to_gd.loss_ratio,
                    to_gd.sensitivity_cosine, to_plus.sensitivity_cosine);
        if (csv.is_open())
            csv << step << ',' << train_loss << ',' << to_gd.model_loss << ',' << to_gd.reference_loss << ','
                << to_plus.reference_loss << ',' << to_gd.sensitivity_cosine << ',' << to_plus.sensitivity_cosine << '\n';
    }
    const auto to_gd = icl::compare_lsa<float>(trainer.layers(), gd_stack, eval_tasks);
    const auto to_plus = icl::compare_lsa<float>(trainer.layers(), plus_stack, eval_tasks);
    std::printf("\nafter %d steps, on 5000 held-out tasks: trained %.4f, %d-step GD %.4f, GD++ %.4f\n", steps, to_gd.model_loss,
                layers, to_gd.reference_loss, to_plus.reference_loss);
    std::printf("sensitivity cosine: with GD %.4f, with GD++ %.4f\n", to_gd.sensitivity_cosine, to_plus.sensitivity_cosine);

    const bool reproduced = to_gd.model_loss < to_gd.reference_loss && to_gd.model_loss < 1.1 * to_plus.reference_loss;
    std::printf("\nresult: trained_loss=%.6f gd_loss=%.6f gd_plus_plus_loss=%.6f cosine_gd=%.6f cosine_gd_plus_plus=%.6f\n",
                to_gd.model_loss, to_gd.reference_loss, to_plus.reference_loss, to_gd.sensitivity_cosine, to_plus.sensitivity_cosine);
    return reproduced ? 0 : 1;
}
