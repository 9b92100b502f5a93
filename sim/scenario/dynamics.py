"""Scenario sections for the tactical pause: pressures and a possibly misread signal.

* ``pressures``: time-varying state (economic pressure, electoral hawkishness) on one agent,
  a scheduled level per session or a stochastic AR(1) per round, that scales the agent's
  concessions and shifts its reservation utility. Red lines are untouched, so core interests
  never move.
* ``misread``: an observer's Bayesian belief that the target's softening is genuine; past a
  threshold the observer tests a core issue, and the target walks out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.errors import suggest


@dataclass(frozen=True)
class PressureSpec:
    name: str
    agent: str
    concession: float  # concessions scale by (1 + concession * level)
    reservation: float  # reservation utility shifts by reservation * level
    threshold: float = 0.0  # the domestic ratification threshold shifts by threshold * level
    by_session: tuple[float, ...] | None = None
    ar1_start: float = 0.0
    ar1_mean: float = 0.0
    ar1_phi: float = 0.0
    ar1_sigma: float = 0.0

    @property
    def stochastic(self) -> bool:
        return self.by_session is None


@dataclass(frozen=True)
class MisreadSpec:
    observer: str
    target: str
    prior: float  # P(the target's softening is genuine) before talks
    signal: (
        float  # a round in which the target's cooperation index exceeds this looks like softening
    )
    soft_if_genuine: float  # P(such a round | the softening is genuine)
    soft_if_tactical: float  # P(such a round | it is a tactical pause)
    threshold: float  # belief at which the observer tests a core issue
    probe_issue: str
    probe_value: float
    walkout_trust_penalty: float


def pressures(c, node, agent_names) -> tuple[PressureSpec, ...]:
    found = []
    for name, entry in c.names(node, "pressures").items():
        path = f"pressures.{name}"
        c.mapping(
            entry,
            path,
            required=("agent",),
            optional=("concession", "reservation", "threshold", "by_session", "ar1", "description"),
        )
        agent = c.choice(entry["agent"], f"{path}.agent", agent_names, "agent")
        if ("by_session" in entry) == ("ar1" in entry):
            c.fail(path, "a pressure needs either 'by_session' (scheduled) or 'ar1' (stochastic)")
        common = {
            "name": name,
            "agent": agent,
            "concession": c.number(entry.get("concession", 1.0), f"{path}.concession", -1.0, 10.0),
            "reservation": c.number(
                entry.get("reservation", 0.0), f"{path}.reservation", -1.0, 1.0
            ),
            "threshold": c.number(entry.get("threshold", 0.0), f"{path}.threshold", -1.0, 1.0),
        }
        if "by_session" in entry:
            levels = entry["by_session"]
            if not isinstance(levels, list) or not levels:
                c.fail(f"{path}.by_session", "expected a list of levels in [0, 1], one per session")
            found.append(
                PressureSpec(
                    **common,
                    by_session=tuple(
                        c.number(v, f"{path}.by_session[{i}]", 0.0, 1.0)
                        for i, v in enumerate(levels)
                    ),
                )
            )
        else:
            ar = entry["ar1"]
            where = f"{path}.ar1"
            c.mapping(ar, where, required=("mean", "phi", "sigma"), optional=("start",))
            mean = c.number(ar["mean"], f"{where}.mean", 0.0, 1.0)
            found.append(
                PressureSpec(
                    **common,
                    ar1_start=c.number(ar.get("start", mean), f"{where}.start", 0.0, 1.0),
                    ar1_mean=mean,
                    ar1_phi=c.number(ar["phi"], f"{where}.phi", 0.0, 1.0),
                    ar1_sigma=c.number(ar["sigma"], f"{where}.sigma", 0.0, 1.0),
                )
            )
    return tuple(found)


def misread(c, node, agents, issue_names) -> MisreadSpec:
    path = "misread"
    c.mapping(
        node,
        path,
        required=("observer", "target", "probe"),
        optional=(
            "prior",
            "signal",
            "soft_if_genuine",
            "soft_if_tactical",
            "threshold",
            "walkout_trust_penalty",
        ),
    )
    names = tuple(agent.name for agent in agents)
    observer = c.choice(node["observer"], f"{path}.observer", names, "agent")
    target = c.choice(node["target"], f"{path}.target", names, "agent")
    if observer == target:
        c.fail(f"{path}.target", "must be the other agent, not the observer")
    probe = c.mapping(node["probe"], f"{path}.probe", required=("issue", "value"))
    issue = c.choice(probe["issue"], f"{path}.probe.issue", issue_names, "issue")
    target_spec = next(agent for agent in agents if agent.name == target)
    low, high = target_spec.red_line(issue)
    if low <= 0.0 and high >= 1.0:
        c.fail(
            f"{path}.probe.issue",
            f"'{issue}' is not a core interest of {target}: give it a red line there"
            + suggest(issue, target_spec.red_lines),
        )
    genuine = c.number(
        node.get("soft_if_genuine", 0.7), f"{path}.soft_if_genuine", 0.0, 1.0, low_open=True
    )
    tactical = c.number(
        node.get("soft_if_tactical", 0.5), f"{path}.soft_if_tactical", 0.0, 1.0, low_open=True
    )
    if genuine >= 1.0 or tactical >= 1.0:
        c.fail(
            path,
            "signal probabilities must be below 1 (a round without softening must be possible)",
        )
    return MisreadSpec(
        observer=observer,
        target=target,
        prior=c.number(node.get("prior", 0.5), f"{path}.prior", 0.0, 1.0, low_open=True),
        signal=c.number(node.get("signal", 0.7), f"{path}.signal", 0.0, 1.0),
        soft_if_genuine=genuine,
        soft_if_tactical=tactical,
        threshold=c.number(node.get("threshold", 0.9), f"{path}.threshold", 0.0, 1.0),
        probe_issue=issue,
        probe_value=c.number(probe["value"], f"{path}.probe.value", 0.0, 1.0),
        walkout_trust_penalty=c.number(
            node.get("walkout_trust_penalty", 0.5), f"{path}.walkout_trust_penalty", 0.0, 1.0
        ),
    )
