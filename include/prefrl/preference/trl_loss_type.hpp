#ifndef PREFRL_PREFERENCE_TRL_LOSS_TYPE_HPP
#define PREFRL_PREFERENCE_TRL_LOSS_TYPE_HPP

/// \file
/// A pair loss chosen at run time by TRL's `DPOConfig.loss_type` strings, for programs that
/// read their configuration from a file: `pair_loss_from_trl("ipo", config)` and
/// `trl_pair_loss`, the weighted sum of `loss_type` / `loss_weights`.

#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/preference/aot.hpp"
#include "prefrl/preference/apo.hpp"
#include "prefrl/preference/bco.hpp"
#include "prefrl/preference/discopop.hpp"
#include "prefrl/preference/dpo.hpp"
#include "prefrl/preference/dpo_norm.hpp"
#include "prefrl/preference/exo.hpp"
#include "prefrl/preference/hinge.hpp"
#include "prefrl/preference/ipo.hpp"
#include "prefrl/preference/nca.hpp"
#include "prefrl/preference/pair_batch.hpp"
#include "prefrl/preference/robust_dpo.hpp"
#include "prefrl/preference/sppo_hard.hpp"

namespace prefrl::preference {

/// Every pair loss a TRL `loss_type` string names.
using any_pair_loss = std::variant<dpo, hinge, ipo, exo, nca, robust_dpo, bco, sppo_hard, aot, aot_unpaired, apo_zero,
                                   apo_down, discopop, dpo_norm>;

/// The fields of TRL's `DPOConfig` that choose and tune the loss, with TRL's defaults.
struct trl_dpo_config {
    std::vector<std::string> loss_type = {"sigmoid"};  ///< one or more names (MPO: several, weighted)
    std::vector<double> loss_weights = {};              ///< one per loss_type; empty: every weight 1
    double beta = 0.1;                                  ///< every loss's beta (IPO's tau)
    double label_smoothing = 0.0;                       ///< sigmoid (cDPO), robust, aot; exo_pair needs it > 0 (1e-3 in the paper)
    std::string f_divergence_type = "reverse_kl";       ///< sigmoid only: reverse_kl, forward_kl, js_divergence, alpha_divergence
    double f_alpha_divergence_coef = 0.5;               ///< alpha_divergence's alpha
    double discopop_tau = 0.05;                         ///< discopop's tau
};

}  // namespace prefrl::preference

namespace prefrl::detail {

inline constexpr std::string_view trl_loss_names =
    "sigmoid, hinge, ipo, exo_pair, nca_pair, robust, bco_pair, sppo_hard, aot, aot_unpaired, apo_zero, apo_down, "
    "discopop, sigmoid_norm";

inline preference::f_divergence trl_f_divergence(std::string_view fn, std::string_view name) {
    using preference::f_divergence;
    if (name == "reverse_kl") return f_divergence::reverse_kl;
    if (name == "forward_kl") return f_divergence::forward_kl;
    if (name == "js_divergence") return f_divergence::js_divergence;
    if (name == "alpha_divergence") return f_divergence::alpha_divergence;
    fail(fn, "f_divergence_type must be one of reverse_kl, forward_kl, js_divergence, alpha_divergence, got '", name, "'");
}

inline preference::any_pair_loss trl_loss(std::string_view fn, std::string_view name, const preference::trl_dpo_config& c) {
    namespace p = preference;
    require_positive(fn, "beta", c.beta);
    require_finite(fn, "label_smoothing", c.label_smoothing);
    if (name == "sigmoid")
        return p::dpo{.beta = c.beta,
                      .label_smoothing = c.label_smoothing,
                      .divergence = trl_f_divergence(fn, c.f_divergence_type),
                      .alpha = c.f_alpha_divergence_coef};
    if (name == "hinge") return p::hinge{.beta = c.beta};
    if (name == "ipo") return p::ipo{.beta = c.beta};
    if (name == "exo_pair") {
        require(c.label_smoothing > 0.0, fn, "label_smoothing must be > 0 with loss_type 'exo_pair' (as in TRL; the EXO paper",
                " recommends 1e-3), got ", c.label_smoothing);
        return p::exo{.beta = c.beta, .label_smoothing = c.label_smoothing};
    }
    if (name == "nca_pair") return p::nca{.beta = c.beta};
    if (name == "robust") return p::robust_dpo{.beta = c.beta, .label_smoothing = c.label_smoothing};
    if (name == "bco_pair") return p::bco{.beta = c.beta};
    if (name == "sppo_hard") return p::sppo_hard{.beta = c.beta};
    if (name == "aot") return p::aot{.beta = c.beta, .label_smoothing = c.label_smoothing};
    if (name == "aot_unpaired") return p::aot_unpaired{.beta = c.beta, .label_smoothing = c.label_smoothing};
    if (name == "apo_zero") return p::apo_zero{.beta = c.beta};
    if (name == "apo_down") return p::apo_down{.beta = c.beta};
    if (name == "discopop") return p::discopop{.beta = c.beta, .tau = c.discopop_tau};
    if (name == "sigmoid_norm") return p::dpo_norm{.beta = c.beta};
    if (name == "sft")
        fail(fn, "loss_type 'sft' is the token NLL of the chosen completions, not a pair loss: use "
                 "prefrl::kernel::linear_cross_entropy or the token kernels beside the pair loss");
    fail(fn, "unknown loss_type '", name, "'; TRL's pair losses are ", trl_loss_names);
}

}  // namespace prefrl::detail

namespace prefrl::preference {

/// **The pair loss TRL's DPOTrainer computes for one `loss_type`** (`"sigmoid"`, `"hinge"`,
/// `"ipo"`, `"exo_pair"`, `"nca_pair"`, `"robust"`, `"bco_pair"`, `"sppo_hard"`, `"aot"`,
/// `"aot_unpaired"`, `"apo_zero"`, `"apo_down"`, `"discopop"`, `"sigmoid_norm"`), with the
/// config's beta, label_smoothing, f-divergence and discopop_tau. Call it with `std::visit`,
/// or use `trl_pair_loss`, which does:
///
///     auto loss = prefrl::preference::pair_loss_from_trl("ipo", {.beta = 0.5});
///     auto r = std::visit([&](const auto& l) { return l(batch); }, loss);
///
/// Unknown names (and `"sft"`, which is a token NLL, not a pair loss) throw
/// `prefrl::invalid_argument` listing the names it knows.
inline any_pair_loss pair_loss_from_trl(std::string_view loss_type, const trl_dpo_config& config = {}) {
    return detail::trl_loss("prefrl::preference::pair_loss_from_trl", loss_type, config);
}

/// **A pair loss configured as TRL's DPOConfig is**: the weighted sum of the `loss_type`
/// list with `loss_weights` (MPO: `{"sigmoid", "bco_pair"}`, `{0.8, 0.2}`), as
/// `weighted_sum` computes it for losses known at compile time; value and gradients are the
/// weighted sums, the metrics the first term's. It is a pair loss like any other: call it on a
/// batch, give it to `from_logits`, `from_hidden` or `weighted_sum`.
///
///     const prefrl::preference::trl_pair_loss loss({.loss_type = {"sigmoid", "bco_pair"}, .loss_weights = {0.8, 0.2}});
///     auto r = loss(batch);
///
/// `bco_pair`'s delta is 0 until `set_bco_delta` sets it (TRL keeps a running mean of the
/// rewards: `bco_running_mean` computes it).
class trl_pair_loss {
public:
    explicit trl_pair_loss(const trl_dpo_config& config = {}) {
        constexpr auto fn = "prefrl::preference::trl_pair_loss";
        require(!config.loss_type.empty(), fn, "loss_type is empty; give at least one of ", detail::trl_loss_names);
        require(config.loss_weights.empty() || config.loss_weights.size() == config.loss_type.size(), fn, "loss_weights has ",
                config.loss_weights.size(), " entries but loss_type has ", config.loss_type.size());
        for (std::size_t i = 0; i < config.loss_type.size(); ++i) {
            const double w = config.loss_weights.empty() ? 1.0 : config.loss_weights[i];
            require(std::isfinite(w), fn, "loss_weights[", i, "] must be finite, got ", w);
            terms_.emplace_back(w, detail::trl_loss(fn, config.loss_type[i], config));
        }
    }

    /// Value, gradients and the first term's metrics on a batch.
    template <std::floating_point T>
    pair_loss_result<T> operator()(const pair_batch<T>& batch) const {
        return prefrl::detail::with_new_gradients(*this, batch);
    }

    /// The same, writing the gradient into the caller's buffers.
    template <std::floating_point T>
    pair_loss_metrics<T> operator()(const pair_batch<T>& batch, std::span<T> d_chosen, std::span<T> d_rejected) const {
        const auto call = [&](const any_pair_loss& loss, std::span<T> dc, std::span<T> dr) {
            return std::visit([&](const auto& l) { return l(batch, dc, dr); }, loss);
        };
        if (terms_.size() == 1 && terms_[0].first == 1.0) return call(terms_[0].second, d_chosen, d_rejected);
        using array_map = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
        const auto n = static_cast<Eigen::Index>(batch.chosen.size());
        pair_loss_metrics<T> out = call(terms_[0].second, d_chosen, d_rejected);
        double value = terms_[0].first * static_cast<double>(out.value);
        array_map(d_chosen.data(), n) *= static_cast<T>(terms_[0].first);
        array_map(d_rejected.data(), n) *= static_cast<T>(terms_[0].first);
        vector<T> scratch_chosen(n), scratch_rejected(n);
        for (std::size_t k = 1; k < terms_.size(); ++k) {
            const auto r = call(terms_[k].second, std::span<T>(scratch_chosen.data(), batch.chosen.size()),
                                std::span<T>(scratch_rejected.data(), batch.chosen.size()));
            value += terms_[k].first * static_cast<double>(r.value);
            array_map(d_chosen.data(), n) += static_cast<T>(terms_[k].first) * scratch_chosen.array();
            array_map(d_rejected.data(), n) += static_cast<T>(terms_[k].first) * scratch_rejected.array();
        }
        out.value = static_cast<T>(value);
        return out;
    }

    /// Sets the delta of every `bco_pair` term (TRL's running mean of the rewards).
    void set_bco_delta(double delta) {
        require_finite("prefrl::preference::trl_pair_loss::set_bco_delta", "delta", delta);
        for (auto& [weight, loss] : terms_)
            if (auto* b = std::get_if<bco>(&loss)) b->delta = delta;
    }

    /// The (weight, loss) terms, in the order of `loss_type`.
    [[nodiscard]] const std::vector<std::pair<double, any_pair_loss>>& terms() const { return terms_; }

private:
    std::vector<std::pair<double, any_pair_loss>> terms_;
};

}  // namespace prefrl::preference

#endif  // PREFRL_PREFERENCE_TRL_LOSS_TYPE_HPP
