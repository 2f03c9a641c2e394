// Linear self-attention learns to do gradient descent (von Oswald et al. 2023, "Transformers
// learn in-context by gradient descent"), at the paper's own scale: d = N = 10.
//
// Claim 1 (construction): the LSA layer with the paper's weights predicts exactly what one
// step of GD on the in-context least-squares loss predicts (float, 1000 tasks).
// Claim 2 (training): a single LSA layer trained from a small random init on fresh tasks
// (Adam 1e-3, b2 0.98, clip 0.001, batch 512, 2000 steps, seeded) ends up doing one step of GD
// with the best step size: its loss is within 5% of GD's and the cosine between the two
// models' sensitivities d y_hat / d x_q exceeds 0.99.
//
// Prints the training curve every 100 steps on 2000 held-out tasks, then the final metrics on
// 10000 tasks, the weight alignment, and the `result:` line. `--csv FILE` writes the curve for
// `scripts/plot.py FILE --x step --y loss_ratio sensitivity_cosine`.
//
//     example_icl_lsa_equals_gd [--csv FILE] [--steps N]

#include <prefrl/icl.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace icl = prefrl::icl;

namespace {

}  // namespace

int main(int argc, char** argv) {
    std::string csv_path;
    int steps = 2000;
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
    const auto best = icl::gd_optimal_step_size(dist);
    std::printf("tasks: d = %d, N = %d, x ~ U(-%g, %g)^d, w ~ N(0, I)\n", dist.inputs, dist.context, dist.half_width,
                dist.half_width);
    std::printf("one GD step: best eta* = %.4f (closed form), loss %.4f; loss of w = 0: %.4f\n", best.eta, best.loss,
                0.5 * dist.inputs * dist.half_width * dist.half_width / 3.0);

    // Claim 1: the construction, in float.
    prefrl::generator rng(2023);
    const auto layer = icl::gd_layer<float>(dist.inputs, dist.context, best.eta);
    double construction_max_diff = 0.0;
    for (const auto& task : dist.sample_many<float>(1000, rng)) {
        const double lsa = icl::lsa_readout(icl::lsa_forward(layer, task.tokens));
        const double gd = icl::gd_prediction(task.tokens, best.eta, 1);
        construction_max_diff = std::max(construction_max_diff, std::abs(lsa - gd));
    }
    std::printf("\nconstruction: max |LSA - GD| over 1000 tasks (float) = %.3g\n", construction_max_diff);

    // Claim 2: training one layer (float; the recipe is lsa_training_options' defaults).
    const auto curve_tasks = dist.sample_many<float>(2000, rng);
    const auto eval_tasks = dist.sample_many<float>(10000, rng);
    icl::lsa_trainer<float> trainer(dist, icl::lsa_training_options{}, rng);
    std::ofstream csv;
    if (!csv_path.empty()) {
        csv.open(csv_path);
        csv << "step,train_loss,model_loss,gd_loss,loss_ratio,sensitivity_cosine,prediction_difference,sensitivity_difference\n";
    }
    std::printf("\ntraining one LSA layer (Adam 1e-3, b2 0.98, clip 0.001, batch 512), against GD at eta*:\n");
    std::printf("%6s %11s %11s %11s %11s %11s\n", "step", "train loss", "LSA loss", "loss ratio", "cosine", "preds diff");
    for (int step = 1; step <= steps; ++step) {
        const double train_loss = trainer.step(rng);
        if (step % 100 != 0 && step != steps) continue;
        const auto c = icl::compare_with_gd<float>(trainer.layers(), curve_tasks, best.eta, 1);
        std::printf("%6d %11.4f %11.4f %11.4f %11.4f %11.4f\n", step, train_loss, c.model_loss, c.loss_ratio,
                    c.sensitivity_cosine, c.prediction_difference);
        if (csv.is_open())
            csv << step << ',' << train_loss << ',' << c.model_loss << ',' << c.reference_loss << ',' << c.loss_ratio << ','
                << c.sensitivity_cosine << ',' << c.prediction_difference << ',' << c.sensitivity_difference << '\n';
    }
    const auto final_metrics = icl::compare_with_gd<float>(trainer.layers(), eval_tasks, best.eta, 1);
    const auto alignment = icl::lsa_weight_alignment(trainer.layers()[0]);
    std::printf("\nafter %d steps, on 10000 held-out tasks:\n", steps);
    std::printf("  loss: trained LSA %.4f, GD at eta* %.4f (ratio %.4f)\n", final_metrics.model_loss, final_metrics.reference_loss,
                final_metrics.loss_ratio);
    std::printf("  sensitivities: cosine %.4f, mean L2 difference %.4f; predictions differ by %.4f on average\n",
                final_metrics.sensitivity_cosine, final_metrics.sensitivity_difference, final_metrics.prediction_difference);
    std::printf("  weights: A^ = W_K^T W_Q / c has max |A^_xx - I| = %.3f; B^ = c P W_V has B^[d,d] = %.4f "
                "(construction: -eta*/N = %.4f), other entries <= %.3f\n",
                alignment.max_logit_deviation, alignment.value_slot, -best.eta / dist.context, alignment.max_other_value);

    const bool reproduced =
        construction_max_diff < 1e-5 && final_metrics.sensitivity_cosine > 0.99 && final_metrics.loss_ratio < 1.05;
    std::printf("\nresult: construction_max_diff=%.9f trained_cosine=%.6f trained_vs_gd_loss_ratio=%.6f\n",
                construction_max_diff, final_metrics.sensitivity_cosine, final_metrics.loss_ratio);
    return reproduced ? 0 : 1;
}
