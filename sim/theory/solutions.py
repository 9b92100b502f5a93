"""What bargaining theory predicts for a scenario, computed without simulating (pure functions).

Two agents ``a`` and ``b`` (the scenario's order) bargain over packages ``x`` of issue values.

* **Feasible set**: the issue box ``[0, 1]^I`` cut by every agent's red lines, i.e. per issue the
  intersection of the agents' ``[min, max]`` intervals (empty: no agreement is possible).
* **Utilities**: ``U_j(x) = A_j(x) ** rho_j`` with ``A_j`` the additive utility of
  :mod:`sim.core.preferences` (linear or quadratic issue utilities, saliences summing to 1).
* **Disagreement point** ``d``: the agents' utilities of the status quo, their reservation
  utilities, or the simulation's session floor ``max(reservation, U(status quo))``
  (:meth:`sim.core.agents.StateAgent.start_session`), for the scenario's *initial* status quo.

The efficient (Pareto) frontier is one-dimensional: every efficient package solves
``max A_b(x) s.t. A_a(x) >= t`` inside the box for some level ``t`` of a's additive utility (the
epsilon-constraint method; Haimes, Lasdon & Wismer 1971), which is exactly the efficient offer of
:mod:`sim.core.offers` with the box as the proposer's red lines. The risk exponents are monotone, so
they change where on the frontier a solution lies, not the frontier's packages. Each solution is
then a search over the scalar ``t``: a dense grid, refined by repeated zooming to float precision.

* Nash (1950), "The bargaining problem", Econometrica 18: maximise ``(U_a - d_a)(U_b - d_b)`` over
  the feasible packages with both gains ``>= 0``.
* Kalai & Smorodinsky (1975), "Other solutions to Nash's bargaining problem", Econometrica 43: the
  efficient point whose gains over ``d`` are proportional to each side's ideal gain (the most it
  can get while the other keeps at least its disagreement utility).
* Utilitarian solution (Thomson 1994, "Cooperative models of bargaining", Handbook of Game Theory
  2, ch. 35): maximise ``U_a + U_b`` over the same individually rational packages; where a whole
  segment of the frontier ties, the point of that segment with the largest Nash product.
* Rubinstein (1982), "Perfect equilibrium in a bargaining model", Econometrica 50: in alternating
  offers over a unit pie with discount factors ``d1`` (first proposer) and ``d2``, the unique
  subgame-perfect equilibrium gives the first proposer ``(1 - d2) / (1 - d1 d2)`` at once.
* Zeuthen (1930) and Harsanyi (1956, Econometrica 24): the side with the smaller willingness to
  risk conflict concedes; that side is the one whose own offer has the smaller Nash product, so
  Zeuthen's rule climbs to the Nash solution (tests/test_theory.py checks the simulation).

Entry points: :func:`analyse_scenario` for a scenario with fixed numbers (:func:`with_medians`
fixes uncertain ones) gives a :class:`TheoryResult` (``to_dict()`` for summary.json);
:func:`analyse_replications` solves each replication's drawn problem; :func:`distance_from` and
:func:`frontier_gap` measure agreed packages against either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sim.core.offers import LinearPlan
from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines
from sim.scenario.distributions import Choice, Distribution, PerReplication
from sim.scenario.errors import ScenarioError
from sim.scenario.spec import AgentSpec, Scenario

DISAGREEMENT_POINTS = ("session_floor", "status_quo", "reservation")
DISAGREEMENT_MEANING = {
    "session_floor": "the simulation's session floor: reservation utility, raised to the "
    "status quo's utility",
    "status_quo": "the agents' utilities of the status quo",
    "reservation": "the agents' reservation utilities",
}
_GAIN_TOLERANCE = 1e-12  # a gain this far below zero still counts as individually rational
# The solvers take ``levels=rational_levels(frontier, d)`` when the caller already has it.
_UNSET: Any = object()
_LAMBDA_STEPS = 64  # bisection steps on log(lambda) in [-50, 50]: below float spacing


# ---------------------------------------------------------------------------------------------
# The bargaining problem of a scenario


def feasible_box(scenario: Scenario) -> RedLines:
    """Per issue, the values inside every agent's red lines, as (I,) arrays ``low``, ``high``."""
    names = scenario.issue_names
    low, high = np.zeros(len(names)), np.ones(len(names))
    for i, issue in enumerate(names):
        for agent in scenario.agents:
            lo, hi = agent.red_line(issue)
            low[i], high[i] = max(low[i], lo), min(high[i], hi)
        if low[i] > high[i]:
            lines = ", ".join(
                f"{agent.name} [{agent.red_line(issue)[0]:g}, {agent.red_line(issue)[1]:g}]"
                for agent in scenario.agents
            )
            raise ScenarioError(
                scenario.source,
                f"agents.{scenario.agents[-1].name}.red_lines.{issue}",
                f"the red lines leave no value of '{issue}' that every agent accepts ({lines}):"
                " no agreement is feasible",
            )
    return RedLines(low, high)


def _fixed(value, source: str, path: str) -> float:
    if isinstance(value, Distribution):
        raise ScenarioError(
            source,
            path,
            "bargaining theory needs a fixed number here, not a distribution: use"
            " sim.theory.solutions.with_medians, or analyse_replications on the values drawn per replication",
        )
    return float(value)


def agent_preferences(spec: AgentSpec, issues: Sequence[str], source: str = "") -> Preferences:
    """A scenario agent's preferences as a batch of one replication (arrays (1, I) and (1,))."""
    where = f"agents.{spec.name}"
    return Preferences(
        ideal=np.array(
            [[_fixed(spec.ideal[i], source, f"{where}.preferences.{i}.ideal") for i in issues]]
        ),
        salience=np.array(
            [
                [
                    _fixed(spec.salience[i], source, f"{where}.preferences.{i}.salience")
                    for i in issues
                ]
            ]
        ),
        shape=spec.utility,  # type: ignore[arg-type]
        risk=np.array([_fixed(spec.risk, source, f"{where}.risk")]),
    )


def with_medians(scenario: Scenario) -> tuple[Scenario, tuple[str, ...]]:
    """The scenario with every uncertain number that theory uses (status quo, ideal, salience,
    risk, reservation, discount) set to its distribution's median, and the fields replaced."""
    replaced: list[str] = []

    def median(value, path):
        if isinstance(value, PerReplication):
            replaced.append(path)
            return float(np.median(value.values))
        if not isinstance(value, Distribution):
            return value
        replaced.append(path)
        if isinstance(value, Choice):  # its scipy twin counts indices, not values
            order = np.argsort(value.values)
            weights = np.ones(len(value.values)) if value.weights is None else value.weights
            cumulative = np.cumsum(np.asarray(weights, dtype=float)[order])
            k = int(np.searchsorted(cumulative, 0.5 * cumulative[-1]))
            return float(np.asarray(value.values)[order][k])
        return float(value.scipy().median())

    issues = tuple(
        replace(issue, status_quo=median(issue.status_quo, f"issues.{issue.name}.status_quo"))
        for issue in scenario.issues
    )
    agents = []
    for spec in scenario.agents:
        where = f"agents.{spec.name}"
        ideal = {i: median(v, f"{where}.preferences.{i}.ideal") for i, v in spec.ideal.items()}
        weight = {
            i: median(v, f"{where}.preferences.{i}.salience") for i, v in spec.salience.items()
        }
        total = sum(weight.values())
        agents.append(
            replace(
                spec,
                ideal=ideal,
                salience={i: w / total for i, w in weight.items()} if total > 0 else weight,
                risk=median(spec.risk, f"{where}.risk"),
                reservation=median(spec.reservation, f"{where}.reservation"),
                discount=median(spec.discount, f"{where}.discount"),
            )
        )
    return replace(scenario, issues=issues, agents=tuple(agents)), tuple(replaced)


def resolve_disagreement(scenario: Scenario, kind: str | None = None) -> str:
    """``kind``, or what the simulation falls back on: ``reservation``, or for ``disagreement:
    status_quo`` the session floor (:meth:`sim.core.agents.StateAgent.start_session`)."""
    if kind is None:
        return (
            "reservation" if scenario.negotiation.disagreement == "reservation" else "session_floor"
        )
    if kind not in DISAGREEMENT_POINTS:
        raise ValueError(f"unknown disagreement point '{kind}' (choose from {DISAGREEMENT_POINTS})")
    return kind


def disagreement_utility(kind: str, reservation, at_status_quo) -> np.ndarray:
    """The disagreement point from the reservation utilities and the status quo's utilities
    (any matching shapes, e.g. (2,) or (R, 2))."""
    reservation, at_status_quo = np.asarray(reservation, float), np.asarray(at_status_quo, float)
    if kind == "session_floor":
        return np.maximum(reservation, at_status_quo)
    return at_status_quo if kind == "status_quo" else reservation


def disagreement_point(scenario: Scenario, kind: str | None = None) -> tuple[str, np.ndarray]:
    """``(kind, (d_a, d_b))`` for the scenario's initial status quo; ``kind`` as in
    :func:`resolve_disagreement` (an explicit ``"status_quo"`` is the status quo's utility
    alone)."""
    kind = resolve_disagreement(scenario, kind)
    source = scenario.source
    status_quo = np.array(
        [[_fixed(q.status_quo, source, f"issues.{q.name}.status_quo") for q in scenario.issues]]
    )
    reservation = [
        _fixed(a.reservation, source, f"agents.{a.name}.reservation") for a in scenario.agents
    ]
    at_status_quo = [
        agent_preferences(a, scenario.issue_names, source).utility(status_quo)[0]
        for a in scenario.agents
    ]
    return kind, disagreement_utility(kind, reservation, at_status_quo)


class Frontier:
    """The efficient frontier of ``a`` and ``b`` inside ``box``, parametrised by a's additive
    utility ``t`` in ``[t_min, t_max]``.

    Outside the segment from a's best value in the box, ``clip(p_a)``, to b's, ``clip(p_b)``,
    both agents lose, so each issue moves a distance ``d`` along it. Both linear: the exact
    fractional knapsack :class:`sim.core.offers.LinearPlan`. Any quadratic side: the Lagrangian of
    :mod:`sim.core.offers`, extended to an ideal of a that b's red line cuts off (the segment then
    starts ``e`` from it and moving ``d`` costs a ``w((e + d)^2 - e^2)``).
    """

    def __init__(self, a: Preferences, b: Preferences, box: RedLines):
        self.a, self.b, self.box = a, b, box
        ideal_a, ideal_b = a.ideal[0], b.ideal[0]
        self.start = np.clip(ideal_a, box.low, box.high)
        end = np.clip(ideal_b, box.low, box.high)
        self.direction = np.sign(end - self.start)
        self.reach = np.abs(end - self.start)
        self.offset = np.abs(self.start - ideal_a)
        self.opp_distance = np.abs(ideal_b - self.start)
        self.w, self.v = a.salience[0], b.salience[0]
        self.full = np.where(self.v > 0, self.reach, 0.0)
        self.t_max = float(a.additive(self.start[None])[0])
        self.t_min = float(a.additive(self._at(self.full[None]))[0])
        self.linear = a.shape == "linear" and b.shape == "linear"
        #: utilities are piecewise linear in t (between the kinks): linear shapes, risk 1
        self.piecewise_linear = self.linear and a.risk[0] == 1.0 and b.risk[0] == 1.0
        kinks = [self.t_min, self.t_max]
        if self.linear:
            self._knapsack = LinearPlan(self.w[None], self.v[None], self.reach[None])
            spent = self._knapsack.spent_before[0]
            useful = self.v > 0
            kinks += [*(self.t_max - spent[useful]), *(self.t_max - spent - self.w * self.reach)]
        kinks = np.array(kinks)
        #: levels of t where the frontier bends (both linear: a whole issue has been conceded)
        self.kinks = np.unique(kinks[(kinks >= self.t_min) & (kinks <= self.t_max)])

    def _at(self, distance: np.ndarray) -> np.ndarray:
        return self.start + self.direction * distance

    def package(self, t) -> np.ndarray:
        """Efficient packages (K, I) at a's additive levels ``t`` (K,), clipped to the frontier."""
        t = np.clip(np.atleast_1d(np.asarray(t, dtype=float)), self.t_min, self.t_max)
        budget = self.t_max - t
        distance = self._knapsack.distance(budget) if self.linear else self._lagrangian(budget)
        return self._at(distance)

    def utility(self, packages) -> np.ndarray:
        """(U_a, U_b) of packages (K, I) -> (K, 2)."""
        packages = np.atleast_2d(np.asarray(packages, dtype=float))
        return np.stack([self.a.utility(packages), self.b.utility(packages)], axis=-1)

    def utilities(self, t) -> np.ndarray:
        """(U_a, U_b) along the frontier at levels ``t`` -> (K, 2)."""
        return self.utility(self.package(t))

    def sample(self, points: int = 101) -> tuple[np.ndarray, np.ndarray]:
        """``points`` evenly spaced levels plus every kink: packages (K, I), utilities (K, 2),
        ordered from b's best to a's best."""
        t = np.union1d(np.linspace(self.t_min, self.t_max, points), self.kinks)
        packages = self.package(t)
        return packages, self.utility(packages)

    def gap(self, packages) -> np.ndarray:
        """(R,) How much more b could get at a's utility: ``U_b(frontier) - U_b(x)``.

        An upper bound on the Euclidean distance to the frontier in utility space; 0 for an
        efficient package inside the box (negative only for one outside it).
        """
        packages = np.atleast_2d(np.asarray(packages, dtype=float))
        best = self.utilities(self.a.additive(packages))[:, 1]
        return best - self.b.utility(packages)

    def _distance(self, lam: np.ndarray) -> np.ndarray:
        """Per-issue maximiser of ``v G_b(d) - lam w C_a(d)`` on ``[0, reach]``."""
        lam = lam[:, None]
        w, v, e, far = self.w, self.v, self.offset, self.opp_distance
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.a.shape == "quadratic" and self.b.shape == "linear":
                d = v / (2.0 * lam * w) - e
            elif self.a.shape == "linear":
                d = far - lam * w / (2.0 * v)
            else:
                d = (v * far - lam * w * e) / (v + lam * w)
        d = np.where(w <= 0, self.reach, np.where(v <= 0, 0.0, d))
        return np.clip(np.nan_to_num(d, nan=0.0, posinf=1.0, neginf=0.0), 0.0, self.reach)

    def _cost(self, distance: np.ndarray) -> np.ndarray:
        e = self.offset
        loss = distance if self.a.shape == "linear" else (e + distance) ** 2 - e * e
        return np.sum(self.w * loss, axis=-1)

    def _lagrangian(self, budget: np.ndarray) -> np.ndarray:
        low, high = np.full(budget.shape, -50.0), np.full(budget.shape, 50.0)
        for _ in range(_LAMBDA_STEPS):
            mid = 0.5 * (low + high)
            fits = self._cost(self._distance(np.exp(mid))) <= budget
            high, low = np.where(fits, mid, high), np.where(fits, low, mid)
        everything = self._cost(self.full[None]) <= budget
        return np.where(everything[:, None], self.full, self._distance(np.exp(high)))


def scenario_frontier(scenario: Scenario) -> Frontier:
    a, b = (agent_preferences(s, scenario.issue_names, scenario.source) for s in scenario.agents)
    return Frontier(a, b, feasible_box(scenario))


# ---------------------------------------------------------------------------------------------
# Searches over the frontier's one parameter


def _first_true(holds: Callable[[np.ndarray], np.ndarray], low: float, high: float) -> float:
    """Smallest t in [low, high] where a monotone test (false, then true) holds; it holds at
    ``high``."""
    for _ in range(11):  # 64 ** 11 > 2 ** 64: float precision
        grid = np.linspace(low, high, 65)
        first = int(np.argmax(holds(grid)))
        if first == 0:
            return float(grid[0])
        low, high = grid[first - 1], grid[first]
    return float(high)


def _argmax(f: Callable[[np.ndarray], np.ndarray], low: float, high: float, extra=()) -> float:
    """Maximiser of ``f`` on [low, high]: a grid with the kinks, then zooming in 8-fold steps."""
    grid = np.union1d(np.linspace(low, high, 1025), [x for x in extra if low <= x <= high])
    values = f(grid)
    k = int(np.argmax(values))
    best, best_value = float(grid[k]), float(values[k])
    left, right = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    for _ in range(24):
        grid = np.linspace(left, right, 17)
        values = f(grid)
        k = int(np.argmax(values))
        if values[k] > best_value:
            best, best_value = float(grid[k]), float(values[k])
        left, right = grid[max(k - 1, 0)], grid[min(k + 1, 16)]
    return best


def rational_levels(frontier: Frontier, d: np.ndarray) -> tuple[float, float] | None:
    """The levels ``[t_lo, t_hi]`` where both gains over ``d`` are >= 0, or None if there are
    none (no agreement is better for both than disagreeing)."""
    d = np.asarray(d, dtype=float)
    ends = frontier.utilities([frontier.t_min, frontier.t_max]) - d
    if ends[1, 0] < -_GAIN_TOLERANCE or ends[0, 1] < -_GAIN_TOLERANCE:
        return None
    t_lo = _first_true(
        lambda t: frontier.utilities(t)[:, 0] - d[0] >= -_GAIN_TOLERANCE,
        frontier.t_min,
        frontier.t_max,
    )
    if ends[1, 1] >= -_GAIN_TOLERANCE:
        t_hi = frontier.t_max
    else:  # the last level where b still gains: the first where it loses, approached from below
        t_hi = -_first_true(
            lambda s: frontier.utilities(-s)[:, 1] - d[1] >= -_GAIN_TOLERANCE,
            -frontier.t_max,
            -frontier.t_min,
        )
    if t_lo > t_hi or (frontier.utilities([t_lo])[0] - d < -_GAIN_TOLERANCE).any():
        return None
    return t_lo, t_hi


@dataclass(frozen=True, eq=False)
class Solution:
    """A point of the feasible set: the package (I,) and (U_a, U_b) in scenario agent order."""

    name: str
    package: np.ndarray
    utility: np.ndarray


def _solution(name: str, frontier: Frontier, t: float) -> Solution:
    package = frontier.package([t])
    return Solution(name, package[0], frontier.utility(package)[0])


def nash_product(utility: np.ndarray, d: np.ndarray) -> np.ndarray:
    utility = np.asarray(utility, dtype=float)
    return (utility[..., 0] - d[0]) * (utility[..., 1] - d[1])


def nash_solution(frontier: Frontier, d, *, levels=_UNSET) -> Solution | None:
    """Nash (1950): the feasible package maximising ``(U_a - d_a)(U_b - d_b)``, gains >= 0."""
    d = np.asarray(d, dtype=float)
    levels = rational_levels(frontier, d) if levels is _UNSET else levels
    if levels is None:
        return None
    t = _argmax(lambda t: nash_product(frontier.utilities(t), d), *levels, frontier.kinks)
    return _solution("nash", frontier, t)


def ideal_point(frontier: Frontier, d, *, levels=_UNSET) -> np.ndarray | None:
    """Each side's best utility while the other keeps at least its disagreement utility."""
    d = np.asarray(d, dtype=float)
    levels = rational_levels(frontier, d) if levels is _UNSET else levels
    if levels is None:
        return None
    t_lo, t_hi = levels
    return np.array([frontier.utilities([t_hi])[0, 0], frontier.utilities([t_lo])[0, 1]])


def kalai_smorodinsky_solution(frontier: Frontier, d, *, levels=_UNSET) -> Solution | None:
    """Kalai & Smorodinsky (1975): the efficient point on the line from ``d`` to the ideal point,
    where ``(U_a - d_a) / (I_a - d_a) = (U_b - d_b) / (I_b - d_b)``."""
    d = np.asarray(d, dtype=float)
    levels = rational_levels(frontier, d) if levels is _UNSET else levels
    if levels is None:
        return None
    ideal_gain = ideal_point(frontier, d, levels=levels) - d

    def past_the_line(t):
        gain = frontier.utilities(t) - d
        return gain[:, 0] * ideal_gain[1] >= gain[:, 1] * ideal_gain[0]

    return _solution("kalai_smorodinsky", frontier, _first_true(past_the_line, *levels))


def utilitarian_solution(frontier: Frontier, d, *, levels=_UNSET) -> Solution | None:
    """The individually rational package maximising ``U_a + U_b`` (Thomson 1994); on a tied
    segment of the frontier, the point of it with the largest Nash product."""
    d = np.asarray(d, dtype=float)
    levels = rational_levels(frontier, d) if levels is _UNSET else levels
    if levels is None:
        return None
    if not frontier.piecewise_linear:
        t = _argmax(lambda t: frontier.utilities(t).sum(axis=-1), *levels, frontier.kinks)
        return _solution("utilitarian", frontier, t)
    # The sum is linear between kinks: its maximum is at a kink or an end, ties form a segment.
    t_lo, t_hi = levels
    candidates = np.union1d(
        levels, frontier.kinks[(frontier.kinks > t_lo) & (frontier.kinks < t_hi)]
    )
    total = frontier.utilities(candidates).sum(axis=-1)
    tied = candidates[total >= total.max() - 1e-12]
    t = _argmax(lambda t: nash_product(frontier.utilities(t), d), tied.min(), tied.max())
    return _solution("utilitarian", frontier, t)


SOLVERS: dict[str, Callable[[Frontier, np.ndarray], Solution | None]] = {
    "nash": nash_solution,
    "kalai_smorodinsky": kalai_smorodinsky_solution,
    "utilitarian": utilitarian_solution,
}


# ---------------------------------------------------------------------------------------------
# Rubinstein (1982)


def rubinstein_share(d1: float, d2: float) -> float:
    """The first proposer's share ``(1 - d2) / (1 - d1 d2)`` of a unit pie (Rubinstein 1982);
    the responder gets the rest, in the first period."""
    if not (0.0 <= d1 <= 1.0 and 0.0 <= d2 <= 1.0):
        raise ValueError(f"discount factors must lie in [0, 1] (got {d1:g}, {d2:g})")
    if d1 * d2 == 1.0:
        raise ValueError("with no discounting (d1 = d2 = 1) every split is an equilibrium")
    return (1.0 - d2) / (1.0 - d1 * d2)


@dataclass(frozen=True, eq=False)
class RubinsteinSolution(Solution):
    """Rubinstein's split mapped onto the issue; ``inside_red_lines`` says whether the package is
    feasible (the theorem itself knows no red lines)."""

    proposer: str
    responder: str
    proposer_share: float
    responder_share: float
    inside_red_lines: bool


def rubinstein_not_defined(scenario: Scenario) -> str | None:
    """Why Rubinstein's split does not apply to the scenario, or None when it does."""
    if len(scenario.issues) != 1:
        return "Rubinstein (1982) needs exactly one issue"
    issue = scenario.issue_names[0]
    if sorted(agent.ideal[issue] for agent in scenario.agents) != [0.0, 1.0]:
        return "Rubinstein (1982) needs the agents' ideals at opposite ends (0 and 1) of the issue"
    if all(agent.discount == 1.0 for agent in scenario.agents):
        return (
            "Rubinstein (1982) needs a discount factor below 1: with none, every split is an"
            " equilibrium"
        )
    return None


def rubinstein_solution(scenario: Scenario) -> RubinsteinSolution | None:
    """The subgame-perfect split of a one-issue scenario whose agents want opposite ends: the
    first proposer gets its share of the way toward its own ideal. None where it does not apply."""
    if rubinstein_not_defined(scenario):
        return None
    proposer = scenario.agent(scenario.negotiation.first_proposer)
    (responder,) = (agent for agent in scenario.agents if agent is not proposer)
    share = rubinstein_share(
        _fixed(proposer.discount, scenario.source, f"agents.{proposer.name}.discount"),
        _fixed(responder.discount, scenario.source, f"agents.{responder.name}.discount"),
    )
    issue = scenario.issue_names[0]
    value = share if proposer.ideal[issue] == 1.0 else 1.0 - share
    package = np.array([value])
    frontier = scenario_frontier(scenario)
    inside = bool(frontier.box.admits(package[None])[0])
    return RubinsteinSolution(
        "rubinstein",
        package,
        frontier.utility(package)[0],
        proposer.name,
        responder.name,
        share,
        1.0 - share,
        inside,
    )


# ---------------------------------------------------------------------------------------------
# Everything for one scenario


@dataclass(frozen=True, eq=False)
class SolutionDistance:
    """Per replication, Euclidean distances from one solution: in (U_a, U_b) and in issue values."""

    utility: np.ndarray
    issues: np.ndarray


@dataclass(frozen=True, eq=False)
class TheoryResult:
    """The bargaining problem of a scenario and its classic solutions (None: no solution, see
    ``notes``). Utilities are (U_a, U_b) in ``agents`` order; packages follow ``issues``."""

    scenario: str
    issues: tuple[str, ...]
    agents: tuple[str, str]
    box: RedLines
    disagreement: str
    disagreement_utility: np.ndarray
    frontier_packages: np.ndarray
    frontier_utility: np.ndarray
    ideal_utility: np.ndarray | None
    nash: Solution | None
    kalai_smorodinsky: Solution | None
    utilitarian: Solution | None
    rubinstein: RubinsteinSolution | None
    notes: tuple[str, ...]
    frontier: Frontier = field(repr=False)

    @property
    def solutions(self) -> dict[str, Solution]:
        found = (self.nash, self.kalai_smorodinsky, self.utilitarian, self.rubinstein)
        return {s.name: s for s in found if s is not None}

    def utility(self, packages) -> np.ndarray:
        """(U_a, U_b) of packages (R, I) -> (R, 2)."""
        return self.frontier.utility(packages)

    def gap(self, packages) -> np.ndarray:
        return self.frontier.gap(packages)

    def to_dict(self) -> dict[str, Any]:
        """Plain floats, lists and dicts only (for summary.json)."""

        def by_agent(values) -> dict[str, float]:
            return {name: float(x) for name, x in zip(self.agents, values, strict=True)}

        def by_issue(values) -> dict[str, float]:
            return {name: float(x) for name, x in zip(self.issues, values, strict=True)}

        def solution(s: Solution | None) -> dict[str, Any] | None:
            if s is None:
                return None
            out = {
                "package": by_issue(s.package),
                "utility": by_agent(s.utility),
                "gain": by_agent(s.utility - self.disagreement_utility),
                "nash_product": float(nash_product(s.utility, self.disagreement_utility)),
            }
            if isinstance(s, RubinsteinSolution):
                out |= {
                    "proposer": s.proposer,
                    "responder": s.responder,
                    "share": {s.proposer: s.proposer_share, s.responder: s.responder_share},
                    "inside_red_lines": s.inside_red_lines,
                }
            return out

        return {
            "scenario": self.scenario,
            "agents": list(self.agents),
            "issues": list(self.issues),
            "feasible_set": {"low": by_issue(self.box.low), "high": by_issue(self.box.high)},
            "disagreement": {
                "kind": self.disagreement,
                "meaning": DISAGREEMENT_MEANING[self.disagreement],
                "utility": by_agent(self.disagreement_utility),
            },
            "ideal_utility": None if self.ideal_utility is None else by_agent(self.ideal_utility),
            "frontier": {
                "utility": dict(zip(self.agents, self.frontier_utility.T.tolist(), strict=True)),
                "package": dict(zip(self.issues, self.frontier_packages.T.tolist(), strict=True)),
            },
            "nash": solution(self.nash),
            "kalai_smorodinsky": solution(self.kalai_smorodinsky),
            "utilitarian": solution(self.utilitarian),
            "rubinstein": solution(self.rubinstein),
            "notes": list(self.notes),
        }


def analyse_scenario(
    scenario: Scenario, disagreement: str | None = None, frontier_points: int = 101
) -> TheoryResult:
    """The feasible set, disagreement point, frontier and every solution for ``scenario``.

    Raises :class:`~sim.scenario.errors.ScenarioError` when the red lines leave no feasible package.
    """
    frontier = scenario_frontier(scenario)
    kind, d = disagreement_point(scenario, disagreement)
    packages, utility = frontier.sample(frontier_points)
    notes = []
    levels = rational_levels(frontier, d)
    if levels is None:
        notes.append(
            "no feasible package gives both agents at least their disagreement utility: "
            "Nash, Kalai-Smorodinsky and utilitarian solutions do not exist"
        )
    why_not = rubinstein_not_defined(scenario)
    rubinstein = rubinstein_solution(scenario)
    if why_not:
        notes.append(why_not)
    elif rubinstein is not None and not rubinstein.inside_red_lines:
        notes.append("the Rubinstein (1982) split crosses a red line: it assumes none")
    return TheoryResult(
        scenario=scenario.name,
        issues=scenario.issue_names,
        agents=(scenario.agents[0].name, scenario.agents[1].name),
        box=frontier.box,
        disagreement=kind,
        disagreement_utility=d,
        frontier_packages=packages,
        frontier_utility=utility,
        ideal_utility=ideal_point(frontier, d, levels=levels),
        nash=nash_solution(frontier, d, levels=levels),
        kalai_smorodinsky=kalai_smorodinsky_solution(frontier, d, levels=levels),
        utilitarian=utilitarian_solution(frontier, d, levels=levels),
        rubinstein=rubinstein,
        notes=tuple(notes),
        frontier=frontier,
    )


# ---------------------------------------------------------------------------------------------
# Replications with their own parameters, and distances for the per-replication table


@dataclass(frozen=True, eq=False)
class ReplicationTheory:
    """Solutions for every replication of a batch whose numbers were drawn per replication:
    each :class:`Solution` holds packages (R, I) and utilities (R, 2), NaN where it does not
    exist. Replications that drew the same problem share one entry of ``frontiers``."""

    disagreement_utility: np.ndarray
    ideal_utility: np.ndarray
    solutions: dict[str, Solution]
    frontiers: tuple[Frontier, ...] = field(repr=False)
    problem: np.ndarray = field(repr=False)  # (R,) index into frontiers

    def _per_problem(self, packages, method: str, width: tuple[int, ...]) -> np.ndarray:
        packages = np.atleast_2d(np.asarray(packages, dtype=float))
        out = np.full((len(packages), *width), np.nan)
        for k, frontier in enumerate(self.frontiers):
            rows = self.problem == k
            out[rows] = getattr(frontier, method)(packages[rows])
        return out

    def utility(self, packages) -> np.ndarray:
        """(U_a, U_b) of each replication's package under its own preferences -> (R, 2)."""
        return self._per_problem(packages, "utility", (2,))

    def gap(self, packages) -> np.ndarray:
        return self._per_problem(packages, "gap", ())


def analyse_replications(
    a: Preferences, b: Preferences, box: RedLines, d: np.ndarray
) -> ReplicationTheory:
    """Nash, Kalai-Smorodinsky and utilitarian solutions per replication, for preferences with R
    rows (e.g. the model's drawn ``agent.preferences``), the scenario's :func:`feasible_box` and
    disagreement points ``d`` (R, 2) (see :func:`disagreement_utility`). Each distinct problem
    is solved once, so a scenario without uncertain numbers costs one solution."""
    d = np.broadcast_to(np.asarray(d, dtype=float), (len(a.ideal), 2))
    rows = np.column_stack(
        [a.ideal, a.salience, np.broadcast_to(a.risk, len(a.ideal))]
        + [b.ideal, b.salience, np.broadcast_to(b.risk, len(a.ideal)), d]
    )
    if (rows == rows[:1]).all():  # one problem for every replication: skip the sort
        first, problem = np.array([0]), np.zeros(len(rows), dtype=int)
    else:
        _, first, problem = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        problem = problem.reshape(-1)
    n, n_issues = len(problem), a.ideal.shape[1]
    packages = {name: np.full((n, n_issues), np.nan) for name in SOLVERS}
    utilities = {name: np.full((n, 2), np.nan) for name in SOLVERS}
    ideal = np.full((n, 2), np.nan)
    frontiers = []
    for k, r in enumerate(first):
        pick = slice(r, r + 1)
        one_a = Preferences(a.ideal[pick], a.salience[pick], a.shape, a.risk[pick])
        one_b = Preferences(b.ideal[pick], b.salience[pick], b.shape, b.risk[pick])
        frontier = Frontier(one_a, one_b, box)
        frontiers.append(frontier)
        mine = problem == k
        levels = rational_levels(frontier, d[r])
        found = ideal_point(frontier, d[r], levels=levels)
        if found is not None:
            ideal[mine] = found
        for name, solver in SOLVERS.items():
            solution = solver(frontier, d[r], levels=levels)
            if solution is not None:
                packages[name][mine] = solution.package
                utilities[name][mine] = solution.utility
    return ReplicationTheory(
        disagreement_utility=d.copy(),
        ideal_utility=ideal,
        solutions={name: Solution(name, packages[name], utilities[name]) for name in SOLVERS},
        frontiers=tuple(frontiers),
        problem=problem,
    )


def distance_from(
    theory: TheoryResult | ReplicationTheory, packages
) -> dict[str, SolutionDistance]:
    """Per replication, how far agreed packages (R, I) lie from each solution, in utility space
    (U_a, U_b) and in issue space. Rows of NaN (no agreement) give NaN."""
    packages = np.atleast_2d(np.asarray(packages, dtype=float))
    utility = theory.utility(packages)
    return {
        name: SolutionDistance(
            utility=np.linalg.norm(utility - s.utility, axis=-1),
            issues=np.linalg.norm(packages - s.package, axis=-1),
        )
        for name, s in theory.solutions.items()
    }


def frontier_gap(theory: TheoryResult | ReplicationTheory, packages) -> np.ndarray:
    """Per replication, ``U_b`` on the frontier at the package's ``U_a`` minus ``U_b`` of the
    package: 0 for an efficient agreement, and never less than its distance to the frontier."""
    return theory.gap(packages)
