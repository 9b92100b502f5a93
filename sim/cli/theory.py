"""The ``negsim-theory`` command: what bargaining theory predicts for a scenario, as a table.

Nothing is simulated: the numbers come from :mod:`sim.theory` (Nash 1950, the weighted Nash
solution where the agents' weights differ, Kalai & Smorodinsky 1975, the utilitarian solution,
Rubinstein 1982 for two agents), for any number of agents.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from sim.cli.guard import EXIT_BAD_INPUT, ArgumentParser, guarded
from sim.core.catalogue import load_scenario
from sim.outputs.theory import two_level_lines
from sim.scenario.errors import ScenarioError
from sim.scenario.library import scenario_path
from sim.scenario.spec import Scenario
from sim.theory.axiomatic import nash_product
from sim.theory.problem import DISAGREEMENT_MEANING, DISAGREEMENT_POINTS, with_medians
from sim.theory.ratifiable import two_level_section
from sim.theory.results import TheoryResult, analyse_scenario
from sim.theory.rubinstein import RubinsteinSolution

PROG = "negsim-theory"


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog=PROG,
        description="Print the Nash (and weighted Nash), Kalai-Smorodinsky, utilitarian and (two "
        "agents, one issue) Rubinstein solutions of a scenario, without simulating.",
    )
    parser.add_argument("scenario", help="a shipped scenario name or a path to a .yaml file")
    parser.add_argument(
        "--disagreement",
        choices=DISAGREEMENT_POINTS,
        default=None,
        help="disagreement point (default: what the simulation falls back on: the scenario's "
        "reservation utilities, or the session floor max(reservation, U(status quo)))",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the predictions as JSON (the same numbers, machine-readable)",
    )
    return parser


def _number(x: float) -> str:
    return f"{0.0 if abs(x) < 5e-5 else x:.4f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[k]) for row in (header, *rows)) for k in range(len(header))]

    def line(row):
        first = row[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))
        return "  ".join((first, *rest)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]


TITLES = {
    "nash": "Nash",
    "weighted_nash": "weighted Nash",
    "kalai_smorodinsky": "KS",
    "utilitarian": "utilitarian",
    "rubinstein": "Rubinstein",
}


def _issue_values(scenario: Scenario, result: TheoryResult) -> list[str]:
    """Per issue: status quo, ideals, the feasible interval and each solution's value."""
    solutions = result.solutions
    header = [
        "issue",
        "status quo",
        *(f"ideal {agent}" for agent in result.agents),
        "feasible",
        *(TITLES[name] for name in solutions),
    ]
    rows = [
        [
            issue.name,
            _number(issue.status_quo),
            *(_number(scenario.agent(agent).ideal[issue.name]) for agent in result.agents),
            f"[{result.box.low[i]:g}, {result.box.high[i]:g}]",
            *(_number(s.package[i]) for s in solutions.values()),
        ]
        for i, issue in enumerate(scenario.issues)
    ]
    return ["Issue values", *_table(header, rows)]


def _utilities(scenario: Scenario, result: TheoryResult) -> list[str]:
    """Per agent: disagreement, ideal and each solution's utility; then the Nash products."""
    solutions, ideal, d = result.solutions, result.ideal_utility, result.disagreement_utility
    header = ["agent", "disagreement", "ideal", *(TITLES[name] for name in solutions)]
    rows = []
    for j, agent in enumerate(result.agents):
        label = scenario.agent(agent).label
        rows.append(
            [
                agent if label == agent else f"{agent} ({label})",
                _number(d[j]),
                "-" if ideal is None else _number(ideal[j]),
                *(_number(s.utility[j]) for s in solutions.values()),
            ]
        )
    rows.append(
        [
            "Nash product",
            _number(0.0),
            "-",
            *(_number(nash_product(s.utility, d)) for s in solutions.values()),
        ]
    )
    others = "the other keeps" if len(result.agents) == 2 else "every other agent keeps"
    lines = [
        "Utilities",
        *_table(header, rows),
        "",
        f"ideal: the most an agent can get while {others} its disagreement utility",
    ]
    if result.weights_differ:
        weights = ", ".join(
            f"{agent} {w:.4g}" for agent, w in zip(result.agents, result.weights, strict=True)
        )
        lines.append(f"weighted Nash: each gain raised to its agent's weight ({weights})")
    return lines


def _rubinstein_split(scenario: Scenario, rubinstein: RubinsteinSolution | None) -> list[str]:
    """Rubinstein's (1982) formula with the scenario's discount factors, where it applies."""
    if rubinstein is None:
        return []
    d1 = scenario.agent(rubinstein.proposer).discount
    d2 = scenario.agent(rubinstein.responder).discount
    return [
        "",
        f"Rubinstein (1982), {rubinstein.proposer} proposing first, discount factors "
        f"{rubinstein.proposer} {d1:g}, {rubinstein.responder} {d2:g}:",
        f"  {rubinstein.proposer} gets (1 - {d2:g}) / (1 - {d1:g} * {d2:g}) = "
        f"{_number(rubinstein.proposer_share)}, {rubinstein.responder} gets "
        f"{_number(rubinstein.responder_share)}",
    ]


def _notes(result: TheoryResult, at_median: Sequence[str]) -> list[str]:
    notes = list(result.notes)
    if at_median:
        notes.append(
            "uncertain numbers (drawn per replication when simulating) are set to their "
            f"medians: {', '.join(at_median)}"
        )
    return ["", *(f"Note: {note}" for note in notes)] if notes else []


def render(scenario: Scenario, result: TheoryResult, at_median: Sequence[str] = ()) -> str:
    """The readable report: issue values, utilities, Rubinstein's split and notes.

    ``at_median``: fields drawn per replication in the simulation, shown at their medians.
    """
    disagreement = result.disagreement
    return "\n".join(
        [
            f"{scenario.name}: {scenario.title}" if scenario.title else scenario.name,
            "Bargaining theory for the initial status quo; nothing is simulated.",
            "",
            f"Disagreement point: {disagreement} ({DISAGREEMENT_MEANING[disagreement]})",
            "",
            *_issue_values(scenario, result),
            "",
            *_utilities(scenario, result),
            *_rubinstein_split(scenario, result.rubinstein),
            *two_level_lines(
                two_level_section(scenario), {a.name: a.label for a in scenario.agents}
            ),
            *_notes(result, at_median),
        ]
    )


def predictions(scenario: Scenario, result: TheoryResult, at_median: Sequence[str] = ()) -> dict:
    """What ``--json`` prints: the result as plain data (as in summary.json's ``theory``), with
    the scenario's title and the uncertain fields set to their medians."""
    data = result.to_dict()
    return {
        "scenario": data.pop("scenario"),
        "title": scenario.title,
        **data,
        "two_level": two_level_section(scenario),
        "uncertain_at_median": list(at_median),
    }


@guarded(PROG)
def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        path = scenario_path(args.scenario)
        scenario, at_median = with_medians(load_scenario(path))
        result = analyse_scenario(scenario, args.disagreement)
    except (ScenarioError, LookupError) as exc:
        print(
            f"{PROG}: error: {exc.args[0] if isinstance(exc, LookupError) else exc}",
            file=sys.stderr,
        )
        sys.exit(EXIT_BAD_INPUT)
    if args.json:
        print(json.dumps(predictions(scenario, result, at_median), indent=2, allow_nan=False))
    else:
        print(render(scenario, result, at_median))


if __name__ == "__main__":
    main()
