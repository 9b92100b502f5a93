"""Voting power in a :class:`~sim.analysis.voting.VotingGame`: the Shapley–Shubik index and the
Banzhaf index, normalised and absolute.

An agent is a *swing* in a losing coalition ``S`` it is not in when ``S`` plus the agent wins.

- Shapley–Shubik (Shapley & Shubik 1954): the share of the n! orders of joining in which the
  agent is the pivot, the one whose arrival makes the coalition win;
  ``phi_i = sum over swings S of |S|! (n - |S| - 1)! / n!``. The indices sum to 1.
- Banzhaf (Banzhaf 1965; Penrose 1946): the absolute index is the share of the 2^(n-1)
  coalitions of the others in which the agent is a swing; the normalised index divides each
  agent's swings by everyone's, so that it sums to 1 (Felsenthal & Machover 1998).

Three exact or estimated ways, chosen by size (or by ``method``):

- ``enumeration`` (n <= 20): every coalition, as bit masks in numpy;
- ``dynamic_programming`` (integer votes, any n): swings counted by coalition size and vote
  total with a subset-sum table over the non-veto agents (Brams & Affuso 1976; Matsui &
  Matsui 2000); one agent is taken out of the full table by exact integer deconvolution;
- ``monte_carlo`` (otherwise): random orders of joining for Shapley–Shubik and random
  coalitions for Banzhaf (Mann & Shapley 1960), from a fixed seed so that the estimate is
  reproducible, each with its standard error (the normalised Banzhaf one by the delta method).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.analysis.voting import ENUMERATE_MAX, VotingGame, popcounts

ENUMERATION, DYNAMIC_PROGRAMMING, MONTE_CARLO = "enumeration", "dynamic_programming", "monte_carlo"
METHODS = (ENUMERATION, DYNAMIC_PROGRAMMING, MONTE_CARLO)
MC_SAMPLES = 200_000  # orders of joining, and random coalitions
MC_SEED = 12  # the issue that asked for it: any fixed seed makes the estimate reproducible
MC_BLOCK = 20_000  # samples drawn at once


@dataclass(frozen=True, eq=False)
class PowerIndices:
    """Each agent's power, in the game's order; standard errors only for ``monte_carlo``."""

    names: tuple[str, ...]
    shapley_shubik: np.ndarray
    banzhaf: np.ndarray  # normalised: sums to 1
    banzhaf_absolute: np.ndarray  # the probability of being a swing
    method: str
    samples: int | None = None
    seed: int | None = None
    shapley_shubik_se: np.ndarray | None = None
    banzhaf_se: np.ndarray | None = None
    banzhaf_absolute_se: np.ndarray | None = None

    def by_agent(self) -> dict[str, dict[str, float | None]]:
        """Plain numbers by agent name, for summary.json."""
        fields = ("shapley_shubik", "banzhaf", "banzhaf_absolute")
        out = {}
        for i, name in enumerate(self.names):
            row: dict[str, float | None] = {f: float(getattr(self, f)[i]) for f in fields}
            for f in fields:
                se = getattr(self, f"{f}_se")
                row[f"{f}_se"] = None if se is None else float(se[i])
            out[name] = row
        return out


def power_indices(
    game: VotingGame, method: str | None = None, samples: int = MC_SAMPLES, seed: int = MC_SEED
) -> PowerIndices:
    """Shapley–Shubik and Banzhaf indices: exact by enumeration for n <= 20, exact by dynamic
    programming for larger games with integer votes (weights with at most three decimals, and
    every ``by: count`` game), a seeded Monte Carlo estimate otherwise."""
    if method is None:
        if game.n <= ENUMERATE_MAX:
            method = ENUMERATION
        else:
            method = DYNAMIC_PROGRAMMING if game.integer_votes() else MONTE_CARLO
    if method == ENUMERATION:
        return _from_swings(game, _enumerated_swings(game), ENUMERATION)
    if method == DYNAMIC_PROGRAMMING:
        if game.integer_votes() is None:
            raise ValueError(
                "dynamic programming needs weights with at most three decimals and a total "
                "within sim.analysis.voting.DP_MAX_TOTAL once made integers"
            )
        return _from_swings(game, _counted_swings(game), DYNAMIC_PROGRAMMING)
    if method == MONTE_CARLO:
        return _estimated(game, samples, seed)
    raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)}")


def _from_swings(game: VotingGame, swings: np.ndarray, method: str) -> PowerIndices:
    """The indices from ``swings[i, k]``: the losing coalitions of size k that agent i turns
    into winning ones (exact integer counts)."""
    n = game.n
    order = np.array([1.0 / (n * math.comb(n - 1, k)) for k in range(n)] + [0.0])
    total = swings.sum(axis=1)
    return PowerIndices(
        names=game.names,
        shapley_shubik=swings @ order,
        banzhaf=total / total.sum(),
        banzhaf_absolute=total / 2.0 ** (n - 1),
        method=method,
    )


def _enumerated_swings(game: VotingGame) -> np.ndarray:
    n = game.n
    win, sizes = game.table, popcounts(n)
    swings = np.zeros((n, n + 1), dtype=np.int64)
    for i in range(n):
        # Bit i splits the table into blocks: [:, 0] without agent i, [:, 1] the same with it.
        pair = win.reshape(-1, 2, 1 << i)
        swing = pair[:, 1] & ~pair[:, 0]
        swings[i] = np.bincount(sizes.reshape(-1, 2, 1 << i)[:, 0][swing], minlength=n + 1)
    return swings


def _counted_swings(game: VotingGame) -> np.ndarray:
    """Swings by size from a table of the non-veto agents' subsets by size and integer votes.

    Agent i non-veto: the swing coalitions are ``V + T`` (T among the other non-veto agents)
    with ``v(V) + v(T) < Q <= v(V) + v(T) + v_i``. Agent i a veto player: ``V - i + T`` with
    ``v(V) + v(T) >= Q`` (without i any coalition loses)."""
    n = game.n
    votes, quota = game.integer_votes()
    veto = game.veto_flags
    free = votes[~veto]
    top = int(free.sum())
    table = np.zeros((free.size + 1, top + 1), dtype=np.int64)  # [size, votes]
    table[0, 0] = 1
    for v in free:
        table[1:, v:] = table[1:, v:] + table[:-1, : top + 1 - v]
    need = quota - int(votes[veto].sum())  # what the non-veto members must add
    n_veto = int(veto.sum())
    swings = np.zeros((n, n + 1), dtype=np.int64)
    for i in range(n):
        if veto[i]:
            counts, lo, hi, offset = table, need, top, n_veto - 1
        else:
            counts = _without(table, int(votes[i]))
            lo, hi, offset = need - int(votes[i]), need - 1, n_veto
        lo, hi = max(lo, 0), min(hi, top)
        if lo <= hi:
            by_size = counts[:, lo : hi + 1].sum(axis=1)
            swings[i, offset : offset + by_size.size] += by_size
    return swings


def _without(table: np.ndarray, v: int) -> np.ndarray:
    """The subset table without one agent of ``v`` votes: undo its step
    ``table[k, s] = old[k, s] + old[k - 1, s - v]``, size by size."""
    old = table.copy()
    width = table.shape[1]
    for k in range(1, table.shape[0]):
        old[k, v:] -= old[k - 1, : width - v]
    return old


def _estimated(game: VotingGame, samples: int, seed: int) -> PowerIndices:
    if samples < 2:
        raise ValueError(f"a Monte Carlo estimate needs at least 2 samples, got {samples}")
    n, votes, veto = game.n, game.votes, game.veto_flags.astype(np.int64)
    orders_seed, coalitions_seed = np.random.SeedSequence(seed).spawn(2)
    orders_rng = np.random.default_rng(orders_seed)
    coalitions_rng = np.random.default_rng(coalitions_seed)
    pivots = np.zeros(n, dtype=np.int64)
    sx, sxy = np.zeros(n), np.zeros(n)  # sums of X_i and X_i * Y, Y = sum_j X_j (swings)
    sy = syy = 0.0
    for start in range(0, samples, MC_BLOCK):
        b = min(MC_BLOCK, samples - start)
        order = orders_rng.random((b, n)).argsort(axis=1)
        won = game.wins(np.cumsum(votes[order], axis=1), np.cumsum(veto[order], axis=1))
        pivots += np.bincount(order[np.arange(b), won.argmax(axis=1)], minlength=n)

        member = coalitions_rng.random((b, n)) < 0.5
        total, vetoes = member @ votes, member @ veto
        joined = game.wins(total[:, None] + ~member * votes, vetoes[:, None] + ~member * veto)
        left = game.wins(total[:, None] - member * votes, vetoes[:, None] - member * veto)
        x = (joined & ~left).astype(float)  # agent i is a swing for the others in the sample
        y = x.sum(axis=1)
        sx += x.sum(axis=0)
        sxy += x.T @ y
        sy += y.sum()
        syy += y @ y
    m = float(samples)
    ss = pivots / m
    absolute = sx / m
    ratio = sx / sy
    # Delta method for a ratio of means: var(X_i - R Y) / (m E[Y]^2).
    z_var = (sx - 2 * ratio * sxy + ratio**2 * syy) / m
    z_var = np.maximum(z_var * m / (m - 1), 0.0)
    return PowerIndices(
        names=game.names,
        shapley_shubik=ss,
        banzhaf=ratio,
        banzhaf_absolute=absolute,
        method=MONTE_CARLO,
        samples=samples,
        seed=seed,
        shapley_shubik_se=np.sqrt(ss * (1 - ss) / m),
        banzhaf_se=np.sqrt(z_var / m) / (sy / m),
        banzhaf_absolute_se=np.sqrt(absolute * (1 - absolute) / m),
    )
