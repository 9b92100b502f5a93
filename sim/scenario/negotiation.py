"""Validation of a scenario's ``negotiation`` section: the protocol (a bilateral one refused for
more than two agents), sessions and rounds, who proposes first, the disagreement point, the
ratification rule and the single-text mediator."""

from __future__ import annotations

from sim.scenario.catalogue import Catalogue
from sim.scenario.checker import Checker, show
from sim.scenario.spec import (
    BY_COUNT,
    BY_WEIGHT,
    DISAGREEMENT,
    MEDIATOR_RULES,
    QUALIFIED_MAJORITY,
    RATIFICATION_RULES,
    UNANIMITY,
    WIN_SETS,
    Mediator,
    Negotiation,
    Ratification,
)


def negotiation_section(c: Checker, node, agent_names, catalogue: Catalogue) -> Negotiation:
    path = "negotiation"
    c.mapping(
        node,
        path,
        required=("rounds",),
        optional=(
            "protocol",
            "sessions",
            "first_proposer",
            "disagreement",
            "ratification",
            "mediator",
            "win_sets",
        ),
    )
    protocol = c.choice(
        node.get("protocol", "alternating_offers"),
        f"{path}.protocol",
        catalogue.protocols,
        "protocol",
    )
    if protocol in catalogue.bilateral_protocols and len(agent_names) > 2:
        c.fail(f"{path}.protocol", bilateral_refusal(protocol, len(agent_names), catalogue))
    return Negotiation(
        protocol=protocol,
        sessions=c.integer(node.get("sessions", 1), f"{path}.sessions"),
        rounds=c.integer(node["rounds"], f"{path}.rounds"),
        first_proposer=c.choice(
            node.get("first_proposer", agent_names[0]),
            f"{path}.first_proposer",
            agent_names,
            "agent",
        ),
        disagreement=c.choice(
            node.get("disagreement", DISAGREEMENT[0]),
            f"{path}.disagreement",
            DISAGREEMENT,
            "disagreement point",
        ),
        ratification=_ratification(c, node.get("ratification", UNANIMITY), agent_names),
        mediator=_mediator(c, node.get("mediator", {})),
        win_sets=c.choice(
            node.get("win_sets", WIN_SETS[0]), f"{path}.win_sets", WIN_SETS, "win-set knowledge"
        ),
    )


def bilateral_refusal(protocol: str, agents: int, catalogue: Catalogue) -> str:
    """Why a bilateral protocol cannot seat ``agents`` agents, and what can."""
    many = [name for name in catalogue.protocols if name not in catalogue.bilateral_protocols]
    return (
        f"protocol '{protocol}' seats exactly 2 agents, this scenario has {agents}; "
        f"for more use {', '.join(many)}"
    )


def _ratification(c: Checker, node, agent_names) -> Ratification:
    """``unanimity`` (the string or ``{rule: unanimity}``) or ``{rule: qualified_majority,
    threshold: 0.65, by: weight, veto: [names]}``."""
    path = "negotiation.ratification"
    if isinstance(node, str):
        node = {"rule": node}
    c.mapping(node, path, required=("rule",), optional=("threshold", "by", "veto"))
    rule = c.choice(node["rule"], f"{path}.rule", RATIFICATION_RULES, "ratification rule")
    if rule == UNANIMITY:
        extra = [key for key in ("threshold", "by", "veto") if key in node]
        if extra:
            c.fail(
                f"{path}.{extra[0]}",
                "unanimity needs every agent to accept: it takes no threshold, by or veto"
                " (use rule: qualified_majority)",
            )
        return Ratification()
    if "threshold" not in node:
        c.fail(f"{path}.threshold", "missing: a qualified majority needs a threshold in (0, 1]")
    threshold = c.number(node["threshold"], f"{path}.threshold", 0.0, 1.0, low_open=True)
    by = c.choice(
        node.get("by", BY_WEIGHT), f"{path}.by", (BY_WEIGHT, BY_COUNT), "share (weight or count)"
    )
    veto = node.get("veto", [])
    if not isinstance(veto, list):
        c.fail(f"{path}.veto", f"expected a list of agent names, got {show(veto)}")
    for i, name in enumerate(veto):
        c.choice(name, f"{path}.veto[{i}]", agent_names, "agent")
        if name in veto[:i]:
            c.fail(f"{path}.veto[{i}]", f"'{name}' is listed twice")
    return Ratification(rule=QUALIFIED_MAJORITY, threshold=threshold, by=by, veto=tuple(veto))


def _mediator(c: Checker, node) -> Mediator:
    path = "negotiation.mediator"
    if isinstance(node, str):
        node = {"rule": node}
    c.mapping(node, path, optional=("rule", "step", "spread", "temperature", "cooling"))
    default = Mediator()
    return Mediator(
        rule=c.choice(
            node.get("rule", default.rule), f"{path}.rule", MEDIATOR_RULES, "mediator rule"
        ),
        step=c.number(node.get("step", default.step), f"{path}.step", 0.0, 1.0, low_open=True),
        spread=c.number(
            node.get("spread", default.spread), f"{path}.spread", 0.0, 1.0, low_open=True
        ),
        temperature=c.number(
            node.get("temperature", default.temperature), f"{path}.temperature", 0.0, low_open=True
        ),
        cooling=c.number(
            node.get("cooling", default.cooling), f"{path}.cooling", 0.0, 1.0, low_open=True
        ),
    )
