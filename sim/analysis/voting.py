"""The ratification rule as a weighted voting game, and its minimal winning coalitions.

A coalition ``S`` (a set of agents, held as a bit mask: bit ``i`` is agent ``i`` in scenario
order) *wins* when its votes reach the quota and it holds every veto player:

    sum(votes[S]) >= threshold * total - 1e-12 * total   and   veto <= S

where the votes are the agents' weights (``by: weight``) or one per agent (``by: count``); the
relative tolerance keeps a float share such as 2/3 of 3 from losing to rounding. Unanimity is
the trivial game in which every agent holds a veto (threshold 1 by count). A *minimal winning*
coalition wins and loses if any one member leaves (von Neumann & Morgenstern 1944; Riker 1962).

Red lines make every agent a veto player for the packages that cross them; the game here is the
rule for every other package (``sim.scenario.spec.Ratification``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.scenario.spec import BY_COUNT, BY_WEIGHT, QUALIFIED_MAJORITY, UNANIMITY, Scenario

# Relative tolerance of the quota (a share of the total votes).
TOLERANCE = 1e-12
# Largest game whose 2**n coalitions are enumerated (2**20 = 1,048,576 bit masks).
ENUMERATE_MAX = 20
# Integer vote totals up to this size are counted by dynamic programming over the votes.
DP_MAX_TOTAL = 200_000
# Weights with at most three decimals are made integer votes by one of these factors.
INTEGER_SCALES = (1, 10, 100, 1000)


@dataclass(frozen=True, eq=False)
class VotingGame:
    """A weighted voting game with veto players, built from a ``Ratification`` by
    :func:`game_from_rule` or :func:`game_of`."""

    names: tuple[str, ...]
    votes: np.ndarray  # (n,) what a coalition adds up: the weights, or ones (by count)
    threshold: float  # the share of the total votes a coalition needs, in (0, 1]
    veto: tuple[str, ...] = ()
    rule: str = QUALIFIED_MAJORITY
    by: str = BY_WEIGHT

    def __post_init__(self) -> None:
        votes = np.asarray(self.votes, dtype=float)
        if votes.shape != (len(self.names),) or len(self.names) < 1:
            raise ValueError(f"one vote per agent: {len(self.names)} names, votes {votes.shape}")
        if not np.all(np.isfinite(votes) & (votes > 0)):
            raise ValueError(f"votes must be positive numbers, got {votes.tolist()}")
        if not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must lie in (0, 1], got {self.threshold}")
        unknown = sorted(set(self.veto) - set(self.names))
        if unknown:
            raise ValueError(f"veto players {unknown} are not agents of the game")
        object.__setattr__(self, "votes", votes)

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def total(self) -> float:
        return float(self.votes.sum())

    @property
    def quota(self) -> float:
        """The votes a winning coalition needs (before the rounding tolerance)."""
        return self.threshold * self.total

    @property
    def veto_flags(self) -> np.ndarray:
        return np.array([name in self.veto for name in self.names])

    @property
    def veto_mask(self) -> int:
        return self.mask(self.veto)

    def mask(self, members: Iterable[str]) -> int:
        """The bit mask of a coalition given by agent names."""
        return sum(1 << self.names.index(name) for name in set(members))

    def members(self, mask: int) -> tuple[str, ...]:
        """The agents of a coalition, in scenario order."""
        return tuple(name for i, name in enumerate(self.names) if mask >> i & 1)

    def wins(self, votes: np.ndarray, vetoes: np.ndarray) -> np.ndarray:
        """Whether coalitions with these vote totals and these numbers of veto players win."""
        return (np.asarray(votes) >= self.quota - TOLERANCE * self.total) & (
            np.asarray(vetoes) == len(self.veto)
        )

    def winning(self, masks) -> np.ndarray:
        """Whether each coalition (an array of bit masks, any shape) wins."""
        masks = np.asarray(masks, dtype=np.int64)
        votes = np.zeros(masks.shape)
        for i, v in enumerate(self.votes):
            votes += v * (masks >> i & 1)
        vm = self.veto_mask
        return self.wins(votes, np.where((masks & vm) == vm, len(self.veto), 0))

    @cached_property
    def table(self) -> np.ndarray:
        """(2**n,) Whether coalition ``m`` wins, for every bit mask ``m``; n <= ENUMERATE_MAX."""
        if self.n > ENUMERATE_MAX:
            raise ValueError(
                f"{self.n} agents have 2**{self.n} = {2**self.n:,} coalitions; only games of "
                f"up to {ENUMERATE_MAX} agents are enumerated"
            )
        votes = np.zeros(1)
        for v in self.votes:  # bit i doubles the table: the second half holds agent i
            votes = np.concatenate([votes, votes + v])
        masks = np.arange(1 << self.n, dtype=np.int64)
        vm = self.veto_mask
        return self.wins(votes, np.where((masks & vm) == vm, len(self.veto), 0))

    def integer_votes(self) -> tuple[np.ndarray, int] | None:
        """The votes as small integers and the integer quota a coalition needs, when the
        weights have at most three decimals and total at most DP_MAX_TOTAL; otherwise None."""
        for scale in INTEGER_SCALES:
            scaled = self.votes * scale
            ints = np.rint(scaled)
            if np.all(np.abs(scaled - ints) <= 1e-9 * np.maximum(1.0, scaled)):
                total = int(ints.sum())
                if total > DP_MAX_TOTAL:
                    return None
                quota = math.ceil(self.threshold * total - TOLERANCE * total)
                return ints.astype(np.int64), quota
        return None


def game_from_rule(
    names: Iterable[str], weights: Iterable[float], rule: str, threshold: float, by: str, veto
) -> VotingGame:
    """The game of a ratification rule (the fields of ``Ratification``) over these agents."""
    names = tuple(names)
    weights = np.asarray(tuple(weights), dtype=float)
    if rule == UNANIMITY:
        return VotingGame(names, np.ones(len(names)), 1.0, names, UNANIMITY, BY_COUNT)
    votes = weights if by == BY_WEIGHT else np.ones(len(names))
    return VotingGame(names, votes, float(threshold), tuple(veto), QUALIFIED_MAJORITY, by)


def game_of(scenario: Scenario) -> VotingGame:
    """The voting game of a scenario's ``negotiation.ratification`` and agent weights."""
    r = scenario.negotiation.ratification
    return game_from_rule(scenario.agent_names, scenario.weights, r.rule, r.threshold, r.by, r.veto)


def popcounts(n: int) -> np.ndarray:
    """(2**n,) The size of coalition ``m`` for every bit mask ``m``."""
    sizes = np.zeros(1, dtype=np.int64)
    for _ in range(n):
        sizes = np.concatenate([sizes, sizes + 1])
    return sizes


def minimal_winning(game: VotingGame) -> np.ndarray:
    """The bit masks of every minimal winning coalition, smallest coalitions first (then by
    mask). Exact enumeration of the 2**n coalitions, for n <= ENUMERATE_MAX."""
    win = game.table
    masks = np.arange(win.size, dtype=np.int64)
    minimal = win.copy()
    for i in range(game.n):
        bit = 1 << i
        minimal &= ~(((masks & bit) != 0) & win[masks ^ bit])
    found = np.flatnonzero(minimal)
    return found[np.argsort(popcounts(game.n)[found], kind="stable")]


def is_minimal_winning(game: VotingGame, masks) -> np.ndarray:
    """Whether each coalition (bit masks) is minimal winning; any n (no enumeration)."""
    masks = np.asarray(masks, dtype=np.int64)
    minimal = game.winning(masks)
    for i in range(game.n):
        bit = 1 << i
        minimal &= ~(((masks & bit) != 0) & game.winning(masks ^ bit))
    return minimal


def count_minimal_winning(game: VotingGame, method: str | None = None) -> int | None:
    """How many minimal winning coalitions the game has: by enumeration (n <= ENUMERATE_MAX),
    or by dynamic programming over integer votes (weights with at most three decimals);
    None when neither applies.

    The count needs no enumeration: a coalition ``V + T`` (veto players ``V``, others ``T``)
    is minimal winning iff it wins and dropping the lightest member of ``T`` makes it lose,
    since dropping a heavier one or a veto player then loses too. With ``T``'s lightest member
    ``j`` last in an order of non-veto agents by falling votes, this counts the subsets of the
    agents before ``j`` whose votes lie in ``[Q - v(V) - v_j, Q - v(V))`` (a subset-sum table).
    """
    if method is None:
        method = "enumeration" if game.n <= ENUMERATE_MAX else "dynamic_programming"
    if method == "enumeration":
        return int(minimal_winning(game).size)
    if method != "dynamic_programming":
        raise ValueError(f"unknown method {method!r}: enumeration or dynamic_programming")
    integer = game.integer_votes()
    if integer is None:
        return None
    votes, quota = integer
    veto = game.veto_flags
    room = quota - int(votes[veto].sum())  # what the non-veto members must add
    if room <= 0:
        return 1  # the veto players win alone: they are the one minimal winning coalition
    others = sorted(votes[~veto].tolist(), reverse=True)
    subsets = np.zeros(room, dtype=np.int64)  # subsets of the agents so far, by votes < room
    subsets[0] = 1
    count = 0
    for v in others:
        count += int(subsets[max(room - v, 0) :].sum())
        if v < room:
            subsets[v:] = subsets[v:] + subsets[: room - v]
    return count


def enumeration_note(n: int) -> str:
    """Why the minimal winning coalitions of a game this large are not listed."""
    return (
        f"{n} agents form 2^{n} = {2**n:,} coalitions; the minimal winning ones are listed only "
        f"for up to {ENUMERATE_MAX} agents (2^{ENUMERATE_MAX} = {2**ENUMERATE_MAX:,}), so only "
        "the coalitions that formed are checked"
    )
