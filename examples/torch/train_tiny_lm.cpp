// A small causal transformer (libtorch modules) trained end to end with prefrl as its loss
// layer: SFT through the fused linear token NLL (never holding the logits), DPO against the
// frozen SFT model, then GRPO on a verifiable reward (from the hidden states as well).
//
// The language: 32 tokens, sequences of 24; the prompt (4 tokens) counts up by a step s in
// {1, 2, 3} (mod 32) and a correct completion keeps counting by s. The SFT data follows the
// rule with 25% of the completion tokens replaced at random; the hidden reward is the fraction
// of completion transitions that follow the rule.
//
// GRPO then optimizes a verifiable reward the earlier stages never saw: the fraction of
// completion tokens below 16.
//
// Claims (non-zero exit otherwise): SFT's token NLL falls below 1.6 (from ln 32 = 3.47; the
// noise's entropy floor is 1.38); DPO's held-out preference accuracy (implicit reward of the
// preferred sequence above the other's) reaches 0.8 and its reward margin rises above 0; GRPO
// raises the mean reward of sampled completions by more than 0.1; prefrl's DPO gradient equals
// the same loss written in libtorch ops to 1e-4 relative (float32).
//
//     example_torch_train_tiny_lm [--csv FILE]
//     scripts/plot.py FILE --x step --y sft_loss dpo_loss grpo_reward   # the three stages in a row

#include <prefrl/grpo.hpp>
#include <prefrl/interop/torch.hpp>
#include <prefrl/preference.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace {

constexpr int64_t vocab = 32, length = 24, prompt = 4, d_model = 64;

struct tiny_lmImpl : torch::nn::Module {
    torch::nn::Embedding token{nullptr}, position{nullptr};
    torch::nn::TransformerEncoder layers{nullptr};
    torch::nn::Linear head{nullptr};
    tiny_lmImpl() {
        token = register_module("token", torch::nn::Embedding(vocab, d_model));
        position = register_module("position", torch::nn::Embedding(length, d_model));
        layers = register_module(
            "layers", torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(
                          torch::nn::TransformerEncoderLayerOptions(d_model, 4).dim_feedforward(128).dropout(0.0), 2)));
        head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(d_model, vocab).bias(false)));
    }
    // last hidden states [N * S, d_model] of tokens [N, S] (row n * S + t predicts token t + 1)
    at::Tensor hidden(const at::Tensor& tokens) {
        const int64_t S = tokens.size(1);
        const at::Tensor x = token(tokens) + position(torch::arange(S)).unsqueeze(0);
        const at::Tensor causal = torch::triu(torch::full({S, S}, -INFINITY), 1);
        return layers(x.transpose(0, 1), causal).transpose(0, 1).reshape({-1, d_model});
    }
    at::Tensor logits(const at::Tensor& tokens) { return head(hidden(tokens)); }
};
TORCH_MODULE(tiny_lm);

// prompts counting up by s from a random start: [N, prompt]
at::Tensor make_prompts(int64_t n) {
    const at::Tensor start = torch::randint(0, vocab, {n, 1}, torch::kInt64);
    const at::Tensor step = torch::randint(1, 4, {n, 1}, torch::kInt64);
    return (start + step * torch::arange(prompt)).remainder(vocab);
}

// GRPO's verifiable reward: the fraction of completion tokens below vocab / 2
at::Tensor small_token_reward(const at::Tensor& seq) {
    return (seq.slice(1, prompt) < vocab / 2).to(torch::kFloat32).mean(1);
}

// the fraction of completion transitions that keep the prompt's step
at::Tensor rule_reward(const at::Tensor& seq) {
    const at::Tensor step = (seq.select(1, 1) - seq.select(1, 0)).remainder(vocab).unsqueeze(1);
    const at::Tensor next = seq.slice(1, prompt);
    const at::Tensor prev = seq.slice(1, prompt - 1, length - 1);
    return ((next - prev).remainder(vocab) == step).to(torch::kFloat32).mean(1);
}

at::Tensor rule_sequences(int64_t n, double noise) {
    const at::Tensor p = make_prompts(n);
    const at::Tensor step = (p.select(1, 1) - p.select(1, 0)).remainder(vocab).unsqueeze(1);
    at::Tensor seq = (p.select(1, 0).unsqueeze(1) + step * torch::arange(length)).remainder(vocab);
    const at::Tensor flip = torch::rand({n, length}) < noise;
    flip.slice(1, 0, prompt).fill_(false);
    return torch::where(flip, torch::randint(0, vocab, {n, length}, torch::kInt64), seq);
}

// samples completions at temperature 1 for the prompts
at::Tensor sample(tiny_lm& model, const at::Tensor& prompts) {
    torch::NoGradGuard no_grad;
    at::Tensor seq = prompts;
    while (seq.size(1) < length) {
        const at::Tensor last = model->logits(seq).view({seq.size(0), seq.size(1), vocab}).select(1, seq.size(1) - 1);
        seq = torch::cat({seq, torch::multinomial(torch::softmax(last, -1), 1)}, 1);
    }
    return seq;
}

// labels (the next token) and mask (1 on completion positions) of sequences [N, S], rows n * S + t
std::pair<at::Tensor, at::Tensor> labels_and_mask(const at::Tensor& seq) {
    const int64_t n = seq.size(0);
    const at::Tensor labels = torch::cat({seq.slice(1, 1), torch::zeros({n, 1}, torch::kInt64)}, 1).reshape({-1});
    at::Tensor mask = torch::zeros({n, length});
    mask.slice(1, prompt - 1, length - 1).fill_(1.0f);
    return {labels.contiguous(), mask.reshape({-1})};
}

at::Tensor sequence_logprobs(tiny_lm& model, const at::Tensor& seq) {
    const auto [labels, mask] = labels_and_mask(seq);
    return prefrl::libtorch::token_logprobs(model->logits(seq), labels, mask).view({seq.size(0), length}).sum(1);
}

double max_relative_difference(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
    double diff = 0.0, scale = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, (a[i] - b[i]).abs().max().item<double>());
        scale = std::max(scale, b[i].abs().max().item<double>());
    }
    return diff / scale;
}

}  // namespace

int main(int argc, char** argv) {
    const auto started = std::chrono::steady_clock::now();
    std::ofstream csv;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--csv") == 0) csv.open(argv[i + 1]);
    if (csv.is_open()) csv << "step,sft_loss,dpo_loss,grpo_reward\n";  // one stage per row
    torch::manual_seed(7);
    torch::set_num_threads(2);
    tiny_lm model;

    // Stage 1: SFT through the fused linear token NLL (hidden states and head.weight, no logits)
    torch::optim::Adam sft_opt(model->parameters(), torch::optim::AdamOptions(3e-3));
    double sft_loss = 0.0;
    for (int step = 0; step < 200; ++step) {
        const at::Tensor seq = rule_sequences(64, 0.25);
        const auto [labels, mask] = labels_and_mask(seq);
        const at::Tensor loss = prefrl::libtorch::linear_cross_entropy(model->hidden(seq), model->head->weight, labels, mask);
        sft_opt.zero_grad();
        loss.backward();
        sft_opt.step();
        sft_loss = loss.item<double>();
        if (csv.is_open()) csv << step << ',' << sft_loss << ",,\n";
        if (step % 50 == 0 || step == 199) std::printf("SFT   step %3d  token NLL %.4f\n", step, sft_loss);
    }

    // Stage 2: DPO against the frozen SFT model; pairs: a clean rule sequence (the hidden reward
    // prefers it) against a sample of the SFT model for the same prompt
    tiny_lm reference;
    {
        torch::NoGradGuard no_grad;
        auto from = model->parameters();
        auto to = reference->parameters();
        for (std::size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
    }
    const auto make_pairs = [&](int64_t n) {
        const at::Tensor clean = rule_sequences(n, 0.0);
        const at::Tensor other = sample(model, clean.slice(1, 0, prompt));
        const at::Tensor better = (rule_reward(clean) > rule_reward(other)).unsqueeze(1);
        return std::pair{torch::where(better, clean, other), torch::where(better, other, clean)};
    };
    const auto [held_chosen, held_rejected] = make_pairs(256);
    const prefrl::preference::dpo dpo{.beta = 0.1};
    const auto reference_logprobs = [&](const at::Tensor& seq) {
        torch::NoGradGuard no_grad;
        return sequence_logprobs(reference, seq);
    };
    const auto heldout = [&]() {
        torch::NoGradGuard no_grad;
        const at::Tensor margin = (sequence_logprobs(model, held_chosen) - reference_logprobs(held_chosen)) -
                                  (sequence_logprobs(model, held_rejected) - reference_logprobs(held_rejected));
        return std::pair{(margin > 0).to(torch::kFloat32).mean().item<double>(), dpo.beta * margin.mean().item<double>()};
    };
    // prefrl's gradient against the same loss in libtorch ops, on one batch
    double max_grad_rel_diff = 0.0;
    {
        const auto [c, r] = make_pairs(32);
        const at::Tensor rc = reference_logprobs(c), rr = reference_logprobs(r);
        model->zero_grad();
        prefrl::libtorch::pair_loss(dpo, sequence_logprobs(model, c), sequence_logprobs(model, r), rc, rr).backward();
        std::vector<at::Tensor> ours;
        for (const auto& p : model->parameters()) ours.push_back(p.grad().clone());
        model->zero_grad();
        const auto torch_logprobs = [&](const at::Tensor& seq) {
            const auto [labels, mask] = labels_and_mask(seq);
            return (torch::log_softmax(model->logits(seq), -1).gather(1, labels.unsqueeze(1)).squeeze(1) * mask)
                .view({seq.size(0), length})
                .sum(1);
        };
        (-torch::log_sigmoid(dpo.beta * ((torch_logprobs(c) - rc) - (torch_logprobs(r) - rr))).mean()).backward();
        std::vector<at::Tensor> theirs;
        for (const auto& p : model->parameters()) theirs.push_back(p.grad().clone());
        max_grad_rel_diff = max_relative_difference(ours, theirs);
    }
    const auto [accuracy_start, margin_start] = heldout();
    torch::optim::Adam dpo_opt(model->parameters(), torch::optim::AdamOptions(1e-3));
    for (int step = 0; step < 60; ++step) {
        const auto [c, r] = make_pairs(64);
        const at::Tensor rc = reference_logprobs(c), rr = reference_logprobs(r);
        prefrl::preference::pair_loss_metrics<double> metrics;
        const at::Tensor loss =
            prefrl::libtorch::pair_loss(dpo, sequence_logprobs(model, c), sequence_logprobs(model, r), rc, rr, &metrics);
        dpo_opt.zero_grad();
        loss.backward();
        dpo_opt.step();
        if (csv.is_open()) csv << 200 + step << ",," << metrics.value << ",\n";
        if (step % 20 == 0 || step == 59)
            std::printf("DPO   step %3d  loss %.4f  batch reward accuracy %.2f  margin %.3f\n", step, metrics.value,
                        metrics.rewards_accuracies, metrics.rewards_margins);
    }
    const auto [accuracy_end, margin_end] = heldout();
    std::printf("DPO   held-out preference accuracy %.3f -> %.3f, reward margin %.3f -> %.3f\n", accuracy_start,
                accuracy_end, margin_start, margin_end);

    // Stage 3: GRPO with the verifiable reward, 8 samples per prompt, on-policy
    const int64_t prompts_per_step = 16, group = 8;
    const prefrl::grpo::policy_loss grpo{.loss = prefrl::grpo::loss_type::grpo};
    torch::optim::Adam grpo_opt(model->parameters(), torch::optim::AdamOptions(2e-3));
    double reward_start = 0.0, reward_end = 0.0;
    for (int step = 0; step < 40; ++step) {
        const at::Tensor prompts = make_prompts(prompts_per_step).repeat_interleave(group, 0);
        const at::Tensor seq = sample(model, prompts);
        const at::Tensor reward = small_token_reward(seq).contiguous();
        const auto advantages = prefrl::grpo::group_advantages(prefrl::libtorch::as_span<float>(reward), group);
        const at::Tensor adv = torch::from_blob(const_cast<float*>(advantages.data()), {advantages.size()}).clone();
        const auto [labels, mask] = labels_and_mask(seq);
        // on-policy (no old log-probs: the ratio is 1 with its gradient), from the hidden states
        const at::Tensor loss = prefrl::libtorch::policy_loss_from_hidden(
            grpo, model->hidden(seq), model->head->weight, labels, mask.view({seq.size(0), length}), adv);
        grpo_opt.zero_grad();
        loss.backward();
        grpo_opt.step();
        const double mean_reward = reward.mean().item<double>();
        if (step < 5) reward_start += mean_reward / 5;
        if (step >= 35) reward_end += mean_reward / 5;
        if (csv.is_open()) csv << 260 + step << ",,," << mean_reward << '\n';
        if (step % 10 == 0 || step == 39) std::printf("GRPO  step %3d  mean reward %.3f\n", step, mean_reward);
    }

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("result: sft_loss=%.4f dpo_heldout_accuracy=%.3f dpo_margin=%.3f grpo_reward_start=%.3f "
                "grpo_reward_end=%.3f max_grad_rel_diff=%.2e seconds=%.1f\n",
                sft_loss, accuracy_end, margin_end, reward_start, reward_end, max_grad_rel_diff, seconds);
    const bool ok = sft_loss < 1.6 && accuracy_end >= 0.8 && margin_end > 0.0 && reward_end > reward_start + 0.1 &&
                    max_grad_rel_diff < 1e-4;
    return ok ? 0 : 1;
}
