// Must NOT compile: the static_assert helper names the missing member in plain English.
#include <prefrl/core/policy.hpp>

struct missing_sample {
    using state_type = int;
    using action_type = int;
    using scalar_type = double;
    double log_prob(int, int) const { return 0.0; }
};

static_assert(prefrl::check_policy<missing_sample>());

int main() {}
