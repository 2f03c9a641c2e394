// DPO from logits on a tiny bigram language model (vocab 64), trained on synthetic
// preferences from a hidden reward.
//
// Claim (Rafailov et al. 2023): optimizing the DPO loss directly on the policy's logits —
// no reward model — teaches the policy the hidden reward's ranking: its implicit reward
// beta (log pi(y) - log pi_ref(y)) orders held-out pairs as the hidden reward does (accuracy
// rising from chance to > 0.75) and the margin grows. Every step runs through
// prefrl::preference::from_logits (token log-probs, sequence sums, loss, backward to the
// logits, into a reused buffer).
//
//     example_preference_dpo_from_logits

#include <prefrl/preference.hpp>

#include <chrono>
#include <cstdio>
#include <vector>

namespace pref = prefrl::preference;

namespace {

constexpr Eigen::Index vocab = 64, steps = 12, pairs_per_batch = 32;

struct sequence {
    prefrl::index_t prompt;
    std::vector<prefrl::index_t> tokens;  // `steps` completion tokens
};

// Samples a completion of `prompt` from the bigram model with logits table w[previous, next].
sequence sample(const prefrl::row_matrix<double>& w, prefrl::index_t prompt, prefrl::generator& rng) {
    sequence s{prompt, {}};
    prefrl::index_t previous = prompt;
    for (Eigen::Index t = 0; t < steps; ++t) {
        const prefrl::vector<double> row = w.row(previous).transpose();
        previous = prefrl::sample_categorical_logits<double>(prefrl::as_span(row), rng);
        s.tokens.push_back(previous);
    }
    return s;
}

double hidden_reward(const sequence& s, const prefrl::vector<double>& token_reward) {
    double r = 0.0;
    for (const auto token : s.tokens) r += token_reward[token];
    return r;
}

struct labelled_pair {
    sequence chosen, rejected;
};

// The logits rows, labels and mask of a batch in from_logits' layout: [sequence][step][vocab],
// chosen sequences first. Row (sequence, t) holds the logits of the token after position t.
struct batch_tensors {
    prefrl::row_matrix<double> logits;
    std::vector<prefrl::index_t> labels, previous;
    std::vector<double> mask;
};

batch_tensors tensors(const std::vector<labelled_pair>& pairs, const prefrl::row_matrix<double>& w) {
    const auto n = static_cast<Eigen::Index>(pairs.size());
    batch_tensors b{prefrl::row_matrix<double>(2 * n * steps, vocab), {}, {}, {}};
    for (int side = 0; side < 2; ++side)
        for (Eigen::Index i = 0; i < n; ++i) {
            const sequence& s = side == 0 ? pairs[std::size_t(i)].chosen : pairs[std::size_t(i)].rejected;
            prefrl::index_t prev = s.prompt;
            for (Eigen::Index t = 0; t < steps; ++t) {
                b.logits.row((side * n + i) * steps + t) = w.row(prev);
                b.previous.push_back(prev);
                b.labels.push_back(s.tokens[std::size_t(t)]);
                b.mask.push_back(1.0);
                prev = s.tokens[std::size_t(t)];
            }
        }
    return b;
}

// Sequence log-probs of every chosen and rejected completion under w (2n entries).
prefrl::vector<double> sequence_logprobs(const std::vector<labelled_pair>& pairs, const prefrl::row_matrix<double>& w) {
    const auto b = tensors(pairs, w);
    return prefrl::kernel::sequence_sums(prefrl::kernel::token_logprobs(b.logits, b.labels, b.mask), steps);
}

std::vector<labelled_pair> make_pairs(std::size_t n, const prefrl::row_matrix<double>& w_ref,
                                      const prefrl::vector<double>& token_reward, bool noisy, prefrl::generator& rng) {
    std::vector<labelled_pair> out;
    while (out.size() < n) {
        const prefrl::index_t prompt = prefrl::uniform_index(vocab, rng);
        const sequence a = sample(w_ref, prompt, rng), b = sample(w_ref, prompt, rng);
        const double ra = hidden_reward(a, token_reward), rb = hidden_reward(b, token_reward);
        if (ra == rb) continue;
        const bool a_wins = noisy ? prefrl::uniform01<double>(rng) < prefrl::sigmoid(ra - rb) : ra > rb;
        out.push_back(a_wins ? labelled_pair{a, b} : labelled_pair{b, a});
    }
    return out;
}

}  // namespace

int main() {
    prefrl::generator rng(7);
    const double beta = 0.1, lr = 50.0;
    prefrl::row_matrix<double> w_ref(vocab, vocab);
    for (Eigen::Index i = 0; i < w_ref.size(); ++i) w_ref.data()[i] = 0.5 * prefrl::normal<double>(rng);
    prefrl::vector<double> token_reward(vocab);
    for (Eigen::Index v = 0; v < vocab; ++v) token_reward[v] = prefrl::normal<double>(rng);

    const auto train = make_pairs(4096, w_ref, token_reward, true, rng);  // BT-sampled labels
    const auto eval = make_pairs(1024, w_ref, token_reward, false, rng);   // labelled by the hidden reward
    const auto eval_ref = sequence_logprobs(eval, w_ref);
    const auto n_eval = static_cast<Eigen::Index>(eval.size());

    auto evaluate = [&](const prefrl::row_matrix<double>& w, double& margin) {
        const auto lp = sequence_logprobs(eval, w);
        double correct = 0.0;
        margin = 0.0;
        for (Eigen::Index i = 0; i < n_eval; ++i) {
            const double rc = beta * (lp[i] - eval_ref[i]), rr = beta * (lp[n_eval + i] - eval_ref[n_eval + i]);
            correct += rc > rr ? 1.0 : (rc == rr ? 0.5 : 0.0);  // a tie is a coin flip
            margin += (rc - rr) / double(n_eval);
        }
        return correct / double(n_eval);
    };

    prefrl::row_matrix<double> w = w_ref;
    prefrl::row_matrix<double> d_logits(2 * pairs_per_batch * steps, vocab);  // reused every step
    double margin = 0.0;
    const double accuracy_start = evaluate(w, margin);
    std::printf("step  train loss  eval accuracy  eval margin\n");
    std::printf("%4d  %10s  %13.4f  %11.5f\n", 0, "-", accuracy_start, margin);

    const int total_steps = 600;
    double accuracy = accuracy_start, seconds = 0.0;
    for (int step = 1; step <= total_steps; ++step) {
        std::vector<labelled_pair> batch;
        for (Eigen::Index i = 0; i < pairs_per_batch; ++i)
            batch.push_back(train[std::size_t(prefrl::uniform_index(static_cast<prefrl::index_t>(train.size()), rng))]);
        const auto b = tensors(batch, w);
        const auto ref = sequence_logprobs(batch, w_ref);
        const auto start = std::chrono::steady_clock::now();
        const auto r = pref::from_logits(pref::dpo{.beta = beta}, b.logits, b.labels, b.mask,
                                         std::span<const double>(ref.data(), pairs_per_batch),
                                         std::span<const double>(ref.data() + pairs_per_batch, pairs_per_batch), steps,
                                         d_logits);
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (Eigen::Index row = 0; row < d_logits.rows(); ++row) w.row(b.previous[std::size_t(row)]) -= lr * d_logits.row(row);
        if (step % 100 == 0) {
            accuracy = evaluate(w, margin);
            std::printf("%4d  %10.5f  %13.4f  %11.5f\n", step, r.value, accuracy, margin);
        }
    }
    const double steps_per_second = total_steps / seconds;
    std::printf("\nfrom_logits: %.0f steps per second ([%ld, %ld] logits per step)\n", steps_per_second,
                static_cast<long>(d_logits.rows()), static_cast<long>(vocab));
    const bool reproduced = accuracy > 0.75 && accuracy > accuracy_start + 0.15 && margin > 0.0;
    std::printf("result: accuracy=%.4f margin=%.5f steps_per_second=%.0f\n", accuracy, margin, steps_per_second);
    return reproduced ? 0 : 1;
}
