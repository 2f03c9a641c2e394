// The libtorch loss layer through an installed prefrl: find_package(prefrl COMPONENTS torch).
#include <cmath>
#include <prefrl/interop/torch.hpp>
int main() {
    auto logits = torch::zeros({2, 3}, torch::kFloat64);
    auto lp = prefrl::libtorch::token_logprobs(logits, torch::zeros({2}, torch::kInt64), torch::ones({2}, torch::kFloat64));
    return std::abs(lp[0].item<double>() + std::log(3.0)) < 1e-12 ? 0 : 1;
}
