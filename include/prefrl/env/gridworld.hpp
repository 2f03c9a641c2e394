#ifndef PREFRL_ENV_GRIDWORLD_HPP
#define PREFRL_ENV_GRIDWORLD_HPP

/// \file
/// Grid worlds from a text layout (walls, slip, cliffs, goals) and cliff walking, as
/// `tabular_mdp`s.

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

#include "prefrl/core/error.hpp"
#include "prefrl/core/types.hpp"
#include "prefrl/mdp/tabular_mdp.hpp"

namespace prefrl::env {

/// The four moves of a grid world, in action order.
enum grid_action : index_t { up = 0, right = 1, down = 2, left = 3 };

/// A grid world's layout and rewards. Layout characters: `.` free, `#` wall, `S` start (one
/// or more; mu0 uniform over them), `G` goal (terminal), `C` cliff (entering it pays
/// `cliff_reward` and moves to the start).
struct gridworld_options {
    std::vector<std::string> layout;
    double slip = 0.0;          ///< probability that the move is replaced by a uniformly random one
    double step_reward = 0.0;   ///< paid on every step (entering G included)
    double goal_reward = 1.0;   ///< added when entering G
    double cliff_reward = -100.0;
    double gamma = 0.95;
};

/// A grid world's states are its non-wall cells in row-major order; `cell_of` maps back.
struct gridworld_map {
    std::vector<std::pair<int, int>> cell_of;  ///< state -> (row, column)
    std::vector<std::vector<index_t>> state_of;  ///< (row, column) -> state, -1 for walls
};

}  // namespace prefrl::env

namespace prefrl::detail {

inline env::gridworld_map gridworld_states(std::string_view fn, const std::vector<std::string>& layout) {
    using env::gridworld_map;
    require_non_empty(fn, "layout", layout.size());
    require(!layout[0].empty(), fn, "layout rows must not be empty");
    gridworld_map map;
    for (std::size_t r = 0; r < layout.size(); ++r) {
        require(layout[r].size() == layout[0].size(), fn, "layout rows must have equal lengths, row ", r, " has ", layout[r].size(),
                ", row 0 has ", layout[0].size());
        map.state_of.emplace_back(layout[r].size(), -1);
        for (std::size_t c = 0; c < layout[r].size(); ++c) {
            const char cell = layout[r][c];
            require(cell == '.' || cell == '#' || cell == 'S' || cell == 'G' || cell == 'C', fn, "unknown layout character '",
                    std::string(1, cell), "' at row ", r, ", column ", c, " (use . # S G C)");
            if (cell == '#') continue;
            map.state_of[r][c] = static_cast<index_t>(map.cell_of.size());
            map.cell_of.emplace_back(static_cast<int>(r), static_cast<int>(c));
        }
    }
    require(!map.cell_of.empty(), fn, "layout has no open cell (every cell is a wall '#')");
    return map;
}

}  // namespace prefrl::detail

namespace prefrl::env {

/// The numbering of a layout's cells (the states of `gridworld(options)` for this layout).
inline gridworld_map gridworld_states(const std::vector<std::string>& layout) {
    return detail::gridworld_states("prefrl::env::gridworld_states", layout);
}

/// **Grid world** (Sutton & Barto 2018, ch. 3-6): moves up/right/down/left; a move into a wall
/// or off the grid stays put; with probability `slip` the move is a uniformly random one.
template <std::floating_point T = double>
mdp::tabular_mdp<T> gridworld(const gridworld_options& options) {
    constexpr auto fn = "prefrl::env::gridworld";
    require(options.slip >= 0.0 && options.slip <= 1.0, fn, "slip must be in [0, 1], got ", options.slip);
    require_finite(fn, "step_reward", options.step_reward);
    require_finite(fn, "goal_reward", options.goal_reward);
    require_finite(fn, "cliff_reward", options.cliff_reward);
    const auto map = detail::gridworld_states(fn, options.layout);
    const auto states = static_cast<index_t>(map.cell_of.size());
    require_positive(fn, "free cells", states);
    require(options.gamma >= 0.0 && options.gamma < 1.0, fn, "gamma must be in [0, 1), got ", options.gamma);
    detail::check_dense_mdp_size(fn, states, 4);
    std::vector<index_t> starts;
    mdp::tabular_mdp<T> m;
    m.gamma = static_cast<T>(options.gamma);
    m.transitions = xt::xtensor<T, 3>::from_shape({static_cast<std::size_t>(states), 4, static_cast<std::size_t>(states)});
    m.transitions.fill(T(0));
    m.rewards = row_matrix<T>::Zero(states, 4);
    m.terminal.assign(static_cast<std::size_t>(states), 0);
    const auto at = [&](index_t s) { return options.layout[static_cast<std::size_t>(map.cell_of[static_cast<std::size_t>(s)].first)]
                                                           [static_cast<std::size_t>(map.cell_of[static_cast<std::size_t>(s)].second)]; };
    for (index_t s = 0; s < states; ++s) {
        if (at(s) == 'S') starts.push_back(s);
        if (at(s) == 'G') m.terminal[static_cast<std::size_t>(s)] = 1;
    }
    require(!starts.empty(), fn, "the layout needs a start cell 'S'");
    const int rows = static_cast<int>(options.layout.size()), cols = static_cast<int>(options.layout[0].size());
    const int dr[4] = {-1, 0, 1, 0}, dc[4] = {0, 1, 0, -1};
    for (index_t s = 0; s < states; ++s) {
        if (m.is_terminal(s)) continue;
        const auto [r, c] = map.cell_of[static_cast<std::size_t>(s)];
        for (index_t a = 0; a < 4; ++a) {
            for (index_t move = 0; move < 4; ++move) {
                const double p = (move == a ? 1.0 - options.slip : 0.0) + options.slip / 4.0;
                if (p == 0.0) continue;
                const int nr = r + dr[move], nc = c + dc[move];
                index_t next = s;
                if (nr >= 0 && nr < rows && nc >= 0 && nc < cols && map.state_of[static_cast<std::size_t>(nr)][static_cast<std::size_t>(nc)] >= 0)
                    next = map.state_of[static_cast<std::size_t>(nr)][static_cast<std::size_t>(nc)];
                double reward = options.step_reward;
                if (at(next) == 'C') {
                    reward = options.cliff_reward;
                    next = starts.front();
                } else if (at(next) == 'G') {
                    reward += options.goal_reward;
                }
                m.transitions(s, a, next) += static_cast<T>(p);
                m.rewards(s, a) += static_cast<T>(p * reward);
            }
        }
    }
    m.start = vector<T>::Zero(states);
    for (const index_t s : starts) m.start[s] = T(1) / static_cast<T>(starts.size());
    m.validate(fn);
    return m;
}

/// **Cliff walking** (Sutton & Barto 2018, Example 6.6): 4 x 12, start bottom-left, goal
/// bottom-right, the cliff between them; -1 per step, -100 for falling (back to the start).
/// The optimal path along the cliff takes 13 steps (return -13); the safe path along the top
/// row 17 (-17). gamma 0.99 here (the book's is 1, which `tabular_mdp` does not take).
template <std::floating_point T = double>
mdp::tabular_mdp<T> cliff_walking(double slip = 0.0) {
    require(slip >= 0.0 && slip <= 1.0, "prefrl::env::cliff_walking", "slip must be in [0, 1], got ", slip);
    return gridworld<T>({.layout = {"............", "............", "............", "SCCCCCCCCCCG"},
                         .slip = slip,
                         .step_reward = -1.0,
                         .goal_reward = 0.0,
                         .cliff_reward = -100.0,
                         .gamma = 0.99});
}

}  // namespace prefrl::env

#endif  // PREFRL_ENV_GRIDWORLD_HPP
