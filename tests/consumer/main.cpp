// A 5-line consumer of prefrl: token log-probs of a 2 x 3 logits matrix.
#include <prefrl/prefrl.hpp>
#include <cstdio>
#include <vector>

int main() {
    prefrl::row_matrix<float> logits(2, 3);
    logits << 1, 2, 3, 0, 0, 0;
    const auto lp = prefrl::kernel::token_logprobs(logits, std::vector<prefrl::index_t>{2, 0}, std::vector<float>{1, 1});
    std::printf("%.6f %.6f\n", double(lp[0]), double(lp[1]));
    return (std::abs(lp[1] + std::log(3.0f)) < 1e-6f) ? 0 : 1;
}
