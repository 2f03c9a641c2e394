// prefrl::libtorch: each autograd function's gradients equal libtorch autograd of the same
// math in torch ops (float64, 1e-10) and central differences; the views share memory; bad
// tensors are refused with named errors.

// libtorch first: it brings glog, whose CHECK macro would otherwise replace Catch's (and pass
// silently); Catch's CHECK is defined after it is removed.
#include <prefrl/interop/torch.hpp>
#include <prefrl/preference.hpp>
#undef CHECK

#include <catch2/catch.hpp>

#include <cmath>

namespace {
namespace lt = prefrl::libtorch;
using Catch::Matchers::Contains;

const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

at::Tensor torch_token_logprobs(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& mask) {
    return torch::log_softmax(logits, -1).gather(1, labels.unsqueeze(1)).squeeze(1) * mask;
}

}  // namespace

TEST_CASE("libtorch views share the tensor's memory", "[torch]") {
    at::Tensor t = torch::arange(6, f64).reshape({2, 3});
    auto m = lt::as_mutable_matrix<double>(t);
    m(1, 2) = 42.0;  // written through the Eigen view
    CHECK(t[1][2].item<double>() == 42.0);
    t[0][1] = -7.0;  // written through the tensor
    CHECK(lt::as_matrix<double>(t)(0, 1) == -7.0);
    CHECK(lt::as_span<double>(t).data() == t.data_ptr<double>());
    prefrl::row_matrix<double> owned = prefrl::row_matrix<double>::Zero(2, 2);
    at::Tensor view = lt::as_tensor(owned);
    view[1][0] = 3.0;
    CHECK(owned(1, 0) == 3.0);
}

TEST_CASE("libtorch views refuse tensors they cannot share, naming the function and the argument", "[torch][errors]") {
    const at::Tensor t = torch::zeros({3, 4}, f64);
    REQUIRE_THROWS_AS(lt::as_matrix<float>(t), prefrl::invalid_argument);
    REQUIRE_THROWS_WITH(lt::as_matrix<float>(t), Contains("prefrl::libtorch::as_matrix: tensor must be a contiguous CPU Float tensor of 2 dimensions, got a 2-D Double tensor"));
    REQUIRE_THROWS_WITH(lt::as_matrix<double>(t.t()), Contains("not contiguous"));
    REQUIRE_THROWS_WITH(lt::as_matrix<double>(torch::zeros({3}, f64)), Contains("of 2 dimensions, got a 1-D Double tensor"));
    REQUIRE_THROWS_WITH(lt::as_span<double>(at::Tensor()), Contains("got an undefined tensor"));
    const at::Tensor logits = torch::zeros({3, 4}, f64), labels = torch::zeros({3}, torch::kInt64);
    REQUIRE_THROWS_WITH(lt::token_logprobs(logits, labels.to(torch::kInt32), torch::ones({3}, f64)),
                        Contains("prefrl::libtorch::token_logprobs: labels must be a contiguous CPU Long tensor"));
    REQUIRE_THROWS_WITH(lt::token_logprobs(logits, labels, torch::ones({3})),
                        Contains("prefrl::libtorch::token_logprobs: mask must have the dtype of the first tensor (Double)"));
    REQUIRE_THROWS_WITH(lt::token_logprobs(logits.to(torch::kInt64), labels, torch::ones({3}, f64)),
                        Contains("prefrl::libtorch::token_logprobs: logits must be a float32 or float64 tensor"));
    // the kernels' own checks come through, named as the kernel
    REQUIRE_THROWS_WITH(lt::token_logprobs(logits, torch::full({3}, 9, torch::kInt64), torch::ones({3}, f64)),
                        Contains("labels[0] must be in [0, 4)"));
}

TEMPLATE_TEST_CASE("libtorch::token_logprobs equals log_softmax + gather and its autograd", "[torch]", float, double) {
    using T = TestType;
    const auto options = torch::TensorOptions().dtype(std::is_same_v<T, float> ? torch::kFloat32 : torch::kFloat64);
    torch::manual_seed(1);
    const at::Tensor base = 3 * torch::randn({7, 11}, options);
    const at::Tensor labels = torch::randint(0, 11, {7}, torch::kInt64);
    const at::Tensor mask = torch::tensor({1, 1, 0, 1, 1, 0, 1}, options);
    const at::Tensor upstream = torch::randn({7}, options);
    at::Tensor a = base.clone().requires_grad_(true), b = base.clone().requires_grad_(true);
    const at::Tensor ours = lt::token_logprobs(a, labels, mask);
    const at::Tensor theirs = torch_token_logprobs(b, labels, mask);
    (ours * upstream).sum().backward();
    (theirs * upstream).sum().backward();
    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-10;
    CHECK(max_abs_diff(ours, theirs) <= tol);
    CHECK(max_abs_diff(a.grad(), b.grad()) <= tol);
}

TEST_CASE("libtorch::token_logprobs passes torch's gradcheck-style central differences", "[torch][gradient]") {
    torch::manual_seed(2);
    const at::Tensor logits = torch::randn({4, 5}, f64).requires_grad_(true);
    const at::Tensor labels = torch::tensor({0, 4, 2, 1}, torch::kInt64), mask = torch::ones({4}, f64);
    const at::Tensor w = torch::randn({4}, f64);
    (lt::token_logprobs(logits, labels, mask) * w).sum().backward();
    const double h = 1e-6;
    for (int64_t r = 0; r < 4; ++r)
        for (int64_t v = 0; v < 5; ++v) {
            torch::NoGradGuard no_grad;
            at::Tensor plus = logits.detach().clone(), minus = logits.detach().clone();
            plus[r][v] += h;
            minus[r][v] -= h;
            const double numeric = ((lt::token_logprobs(plus, labels, mask) - lt::token_logprobs(minus, labels, mask)) * w)
                                       .sum()
                                       .item<double>() /
                                   (2 * h);
            CHECK(logits.grad()[r][v].item<double>() == Approx(numeric).margin(1e-8));
        }
}

TEST_CASE("libtorch::pair_loss equals TRL's DPO in torch ops, with TRL's metrics", "[torch]") {
    torch::manual_seed(3);
    const at::Tensor c0 = torch::randn({6}, f64) - 20, r0 = torch::randn({6}, f64) - 20;
    const at::Tensor ref_c = torch::randn({6}, f64) - 20, ref_r = torch::randn({6}, f64) - 20;
    at::Tensor c = c0.clone().requires_grad_(true), r = r0.clone().requires_grad_(true);
    at::Tensor c2 = c0.clone().requires_grad_(true), r2 = r0.clone().requires_grad_(true);
    prefrl::preference::pair_loss_metrics<double> metrics;
    const at::Tensor ours = lt::pair_loss(prefrl::preference::dpo{.beta = 0.1}, c, r, ref_c, ref_r, &metrics);
    const at::Tensor theirs = -torch::log_sigmoid(0.1 * ((c2 - ref_c) - (r2 - ref_r))).mean();
    (2.5 * ours).backward();  // a non-unit upstream reaches the saved gradient
    (2.5 * theirs).backward();
    CHECK(ours.dim() == 0);
    CHECK(std::abs(ours.item<double>() - theirs.item<double>()) <= 1e-12);
    CHECK(max_abs_diff(c.grad(), c2.grad()) <= 1e-12);
    CHECK(max_abs_diff(r.grad(), r2.grad()) <= 1e-12);
    CHECK(metrics.value == Approx(theirs.item<double>()).epsilon(1e-12));
    CHECK(metrics.rewards_margins == Approx((0.1 * ((c0 - ref_c) - (r0 - ref_r))).mean().item<double>()).epsilon(1e-12));
    // reference-free SimPO (needs lengths): the loss's own message comes through
    REQUIRE_THROWS_WITH(lt::pair_loss(prefrl::preference::simpo{}, c, r, at::Tensor(), at::Tensor()),
                        Contains("chosen_length is required by this loss but was not given"));
}

TEST_CASE("libtorch::policy_loss equals TRL's GRPO loss in torch ops", "[torch]") {
    torch::manual_seed(4);
    const int64_t B = 4, T = 5;
    const at::Tensor base = -torch::rand({B, T}, f64) - 0.1;
    const at::Tensor old = base + 0.1 * torch::randn({B, T}, f64), ref = base + 0.1 * torch::randn({B, T}, f64);
    const at::Tensor mask = (torch::arange(T).unsqueeze(0) < torch::tensor({5, 3, 4, 1}).unsqueeze(1)).to(torch::kFloat64);
    const at::Tensor adv = torch::randn({B}, f64);
    at::Tensor a = base.clone().requires_grad_(true), b = base.clone().requires_grad_(true);
    const prefrl::grpo::policy_loss loss{.loss = prefrl::grpo::loss_type::grpo, .beta = 0.04};
    const at::Tensor ours = lt::policy_loss(loss, a, mask, adv, old, ref);
    // TRL's _compute_loss, loss_type="grpo", epsilon 0.2, beta 0.04
    const at::Tensor ratio = torch::exp(b - old);
    const at::Tensor per_token = -torch::min(ratio * adv.unsqueeze(1), torch::clamp(ratio, 0.8, 1.2) * adv.unsqueeze(1)) +
                                 0.04 * (torch::exp(ref - b) - (ref - b) - 1);
    const at::Tensor theirs = ((per_token * mask).sum(-1) / mask.sum(-1).clamp_min(1.0)).mean();
    ours.backward();
    theirs.backward();
    CHECK(std::abs(ours.item<double>() - theirs.item<double>()) <= 1e-12);
    CHECK(max_abs_diff(a.grad() * mask, b.grad() * mask) <= 1e-12);
    REQUIRE_THROWS_WITH(lt::policy_loss(loss, a, mask, adv, old),
                        Contains("prefrl::grpo::policy_loss: ref_logps"));
}

TEST_CASE("libtorch::linear_cross_entropy equals F.linear + cross-entropy and its autograd", "[torch]") {
    torch::manual_seed(5);
    const at::Tensor h0 = torch::randn({9, 4}, f64), w0 = 0.5 * torch::randn({13, 4}, f64);
    const at::Tensor labels = torch::randint(0, 13, {9}, torch::kInt64);
    const at::Tensor mask = torch::tensor({1, 1, 1, 0, 1, 1, 1, 1, 0}, f64);
    at::Tensor h = h0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true);
    at::Tensor h2 = h0.clone().requires_grad_(true), w2 = w0.clone().requires_grad_(true);
    const at::Tensor ours = lt::linear_cross_entropy(h, w, labels, mask);
    const at::Tensor theirs = -torch_token_logprobs(torch::linear(h2, w2), labels, mask).sum() / mask.sum();
    ours.backward();
    theirs.backward();
    CHECK(std::abs(ours.item<double>() - theirs.item<double>()) <= 1e-12);
    CHECK(max_abs_diff(h.grad(), h2.grad()) <= 1e-10);
    CHECK(max_abs_diff(w.grad(), w2.grad()) <= 1e-10);
}

TEST_CASE("libtorch::pair_loss_from_hidden equals DPO and SimPO on F.linear + log_softmax in torch ops", "[torch]") {
    torch::manual_seed(6);
    const int64_t pairs = 3, steps = 4, hidden_size = 5, vocab = 11, rows = 2 * pairs * steps;
    const at::Tensor h0 = torch::randn({rows, hidden_size}, f64), w0 = 0.5 * torch::randn({vocab, hidden_size}, f64);
    const at::Tensor labels = torch::randint(0, vocab, {rows}, torch::kInt64);
    at::Tensor mask = torch::ones({rows}, f64);
    mask.index_put_({torch::indexing::Slice(0, 2)}, 0.0);  // a prompt prefix on the first sequence
    mask[rows - 1] = 0.0;                                   // padding on the last
    const at::Tensor ref_c = torch::randn({pairs}, f64) - 8, ref_r = torch::randn({pairs}, f64) - 8;
    const auto sequences = [&](const at::Tensor& h, const at::Tensor& w) {
        return torch_token_logprobs(torch::linear(h, w), labels, mask).view({2 * pairs, steps}).sum(1);
    };
    const at::Tensor lengths = mask.view({2 * pairs, steps}).sum(1);
    for (const int64_t chunk : {int64_t{0}, int64_t{5}}) {  // one pass (default) and two passes (pairs exceed 5 rows)
        INFO("chunk_rows " << chunk);
        at::Tensor h = h0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true);
        at::Tensor h2 = h0.clone().requires_grad_(true), w2 = w0.clone().requires_grad_(true);
        prefrl::preference::pair_loss_metrics<double> metrics;
        const at::Tensor ours = lt::pair_loss_from_hidden(prefrl::preference::dpo{.beta = 0.1}, h, w, labels, mask,
                                                          ref_c, ref_r, steps, &metrics, {.chunk_rows = chunk});
        const at::Tensor seq = sequences(h2, w2);
        const at::Tensor theirs =
            -torch::log_sigmoid(0.1 * ((seq.slice(0, 0, pairs) - ref_c) - (seq.slice(0, pairs) - ref_r))).mean();
        (3.0 * ours).backward();
        (3.0 * theirs).backward();
        CHECK(std::abs(ours.item<double>() - theirs.item<double>()) <= 1e-12);
        CHECK(metrics.value == Approx(theirs.item<double>()).epsilon(1e-12));
        CHECK(max_abs_diff(h.grad(), h2.grad()) <= 1e-10);
        CHECK(max_abs_diff(w.grad(), w2.grad()) <= 1e-10);
    }
    // reference-free: undefined reference tensors
    at::Tensor h = h0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true);
    at::Tensor h2 = h0.clone().requires_grad_(true), w2 = w0.clone().requires_grad_(true);
    const at::Tensor ours =
        lt::pair_loss_from_hidden(prefrl::preference::simpo{}, h, w, labels, mask, at::Tensor(), at::Tensor(), steps);
    const at::Tensor avg = sequences(h2, w2) / lengths;
    const at::Tensor theirs = -torch::log_sigmoid(2.0 * (avg.slice(0, 0, pairs) - avg.slice(0, pairs)) - 0.5).mean();
    ours.backward();
    theirs.backward();
    CHECK(std::abs(ours.item<double>() - theirs.item<double>()) <= 1e-12);
    CHECK(max_abs_diff(h.grad(), h2.grad()) <= 1e-10);
    CHECK(max_abs_diff(w.grad(), w2.grad()) <= 1e-10);
    // DPO needs the reference; the loss says so
    REQUIRE_THROWS_WITH(lt::pair_loss_from_hidden(prefrl::preference::dpo{}, h, w, labels, mask, at::Tensor(),
                                                  at::Tensor(), steps),
                        Contains("ref_chosen is required by this loss but was not given"));
    REQUIRE_THROWS_WITH(lt::pair_loss_from_hidden(prefrl::preference::dpo{}, h, w.to(torch::kFloat32), labels, mask,
                                                  ref_c, ref_r, steps),
                        Contains("prefrl::libtorch::pair_loss_from_hidden: weight must have the dtype of the first tensor"));
}

TEST_CASE("libtorch::policy_loss_from_hidden equals TRL's DAPO loss on F.linear + log_softmax in torch ops", "[torch]") {
    torch::manual_seed(7);
    const int64_t B = 3, T = 4, hidden_size = 5, vocab = 9;
    const at::Tensor h0 = torch::randn({B * T, hidden_size}, f64), w0 = 0.5 * torch::randn({vocab, hidden_size}, f64);
    const at::Tensor labels = torch::randint(0, vocab, {B * T}, torch::kInt64);
    const at::Tensor mask = (torch::arange(T).unsqueeze(0) < torch::tensor({4, 2, 3}).unsqueeze(1)).to(torch::kFloat64);
    const at::Tensor adv = torch::randn({B}, f64);
    at::Tensor h = h0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true);
    at::Tensor h2 = h0.clone().requires_grad_(true), w2 = w0.clone().requires_grad_(true);
    const at::Tensor logps0 = torch_token_logprobs(torch::linear(h0, w0), labels, mask.view({-1})).view({B, T});
    const at::Tensor old = logps0 + 0.1 * torch::randn({B, T}, f64);
    const prefrl::grpo::policy_loss loss{.loss = prefrl::grpo::loss_type::dapo};
    const at::Tensor ours = lt::policy_loss_from_hidden(loss, h, w, labels, mask, adv, old);
    // TRL's _compute_loss, loss_type="dapo", epsilon 0.2, beta 0: sum over the batch's tokens / its active tokens
    const at::Tensor logps = torch_token_logprobs(torch::linear(h2, w2), labels, mask.view({-1})).view({B, T});
    const at::Tensor ratio = torch::exp(logps - old);
    const at::Tensor per_token = -torch::min(ratio * adv.unsqueeze(1), torch::clamp(ratio, 0.8, 1.2) * adv.unsqueeze(1));
    const at::Tensor theirs = (per_token * mask).sum() / mask.sum();
    ours.backward();
    theirs.backward();
    CHECK(std::abs(ours.item<double>() - theirs.item<double>()) <= 1e-12);
    CHECK(max_abs_diff(h.grad(), h2.grad()) <= 1e-10);
    CHECK(max_abs_diff(w.grad(), w2.grad()) <= 1e-10);
    REQUIRE_THROWS_WITH(lt::policy_loss_from_hidden(loss, h, w, labels, mask.view({-1}), adv, old),
                        Contains("prefrl::libtorch::policy_loss_from_hidden: mask must be a contiguous CPU Double tensor of 2 dimensions"));
}

TEST_CASE("libtorch::sequence_logprobs equals the per-sequence sum of log_softmax + gather", "[torch]") {
    torch::manual_seed(8);
    const int64_t sequences = 3, steps = 4, vocab = 7;
    const at::Tensor z0 = torch::randn({sequences * steps, vocab}, f64);
    const at::Tensor labels = torch::randint(0, vocab, {sequences * steps}, torch::kInt64);
    const at::Tensor mask = torch::tensor({0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1}, f64);
    at::Tensor z = z0.clone().requires_grad_(true), z2 = z0.clone().requires_grad_(true);
    const at::Tensor ours = lt::sequence_logprobs(z, labels, mask, steps);
    const at::Tensor theirs = torch_token_logprobs(z2, labels, mask).view({sequences, steps}).sum(1);
    CHECK(ours.size(0) == sequences);
    CHECK(max_abs_diff(ours, theirs) <= 1e-12);
    const at::Tensor w = torch::tensor({0.5, -2.0, 1.5}, f64);  // a non-uniform upstream per sequence
    (ours * w).sum().backward();
    (theirs * w).sum().backward();
    CHECK(max_abs_diff(z.grad(), z2.grad()) <= 1e-12);
    REQUIRE_THROWS_WITH(lt::sequence_logprobs(z, labels, mask, 5),
                        Contains("prefrl::libtorch::sequence_logprobs: logits has 12 rows, not a multiple of steps = 5"));
}
