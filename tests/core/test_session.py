"""The session interface (sim.core.session): the model provides every member, collaborators use
nothing else, a protocol plays against any Session, and the session's own operations."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

from sim.core.catalogue import load_scenario, validate
from sim.core.model import NegotiationModel
from sim.core.protocols.alternating import AlternatingOffers, IssueByIssue
from sim.core.session import Session

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "sim" / "core"
SCENARIOS = ROOT / "scenarios"
MEMBERS = {name for name in vars(Session) if not name.startswith("_")}
METHODS = {name for name in MEMBERS if inspect.isfunction(vars(Session)[name])}


@pytest.fixture(scope="module")
def tactical_pause():
    return load_scenario(SCENARIOS / "tactical_pause.yaml")


COLLABORATORS = [
    *sorted((CORE / "protocols").glob("*.py")),
    *(CORE / f"{name}.py" for name in ("events", "pressures", "cooperation", "beliefs", "trace")),
]


def test_a_built_model_has_every_member_of_the_session(tactical_pause):
    model = NegotiationModel(tactical_pause, 2, seed=0, trace=1)
    model.step()
    for name in sorted(MEMBERS):
        assert hasattr(model, name), name
        assert callable(getattr(model, name)) == (name in METHODS), name
    for name in METHODS:
        declared = inspect.signature(vars(Session)[name]).parameters
        provided = inspect.signature(getattr(model, name)).parameters
        assert list(declared)[1:] == list(provided), name


def is_self_session(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "session"
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def session_uses(path: Path) -> set[str]:
    """Attributes read off a Session in ``path``: a parameter annotated ``Session``,
    ``self.session``, or a local name bound to ``self.session``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used: set[str] = set()
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        names = {
            arg.arg
            for arg in function.args.args
            if isinstance(arg.annotation, ast.Name) and arg.annotation.id == "Session"
        }
        names |= {
            target.id
            for node in ast.walk(function)
            if isinstance(node, ast.Assign) and is_self_session(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(function):
            if isinstance(node, ast.Attribute):
                base = node.value
                if (isinstance(base, ast.Name) and base.id in names) or is_self_session(base):
                    used.add(node.attr)
    return used


@pytest.mark.parametrize("path", COLLABORATORS, ids=lambda p: p.stem)
def test_collaborators_see_the_model_only_through_the_session(path):
    source = path.read_text(encoding="utf-8")
    assert "NegotiationModel" not in source and "sim.core.model" not in source
    assert session_uses(path) <= MEMBERS, session_uses(path) - MEMBERS


def test_the_session_holds_exactly_what_collaborators_use():
    assert set().union(*(session_uses(path) for path in COLLABORATORS)) == MEMBERS


def test_the_usage_check_sees_what_a_collaborator_reads():
    used = session_uses(CORE / "trace.py")
    assert {"open", "start", "active_events", "belief", "pressure"} <= used


class FakeSession:
    """A Session with two agents from a model, nothing else: what a protocol does with it is
    recorded, and the responder's verdict is set by the test."""

    def __init__(self, model: NegotiationModel):
        self.model = model
        self.round = 0
        self.open = np.ones((model.n, len(model.issues)), dtype=bool)
        self.events: list[tuple] = []

    def proposer_order(self, round_):
        return self.model.proposer_order(round_)

    def others(self, agent):
        return self.model.others(agent)

    @property
    def ratifier(self):
        return self.model.ratifier

    def update_aspirations(self):
        self.events.append(("update_aspirations",))

    def record_offer(self, agent, offer):
        self.events.append(("offer", agent.name))

    def record_votes(self, proposer, offer, votes):
        self.events.append(("votes", proposer.name))

    def record_response(self, responder, accepted, offered_by=None):
        self.events.append(("response", responder.name, np.asarray(accepted).copy()))

    def close(self, accepted, package, votes=None):
        self.events.append(("close", np.asarray(accepted).copy(), package.copy()))


@pytest.mark.parametrize("protocol", [AlternatingOffers, IssueByIssue])
def test_a_protocol_plays_a_round_against_any_session(tactical_pause, monkeypatch, protocol):
    model = NegotiationModel(tactical_pause, 2, seed=0)
    for agent in model.state_agents:
        agent.start_session(model.status_quo, False)
    fake = FakeSession(model)
    proposer, responder = model.proposer_order(0)
    verdict = np.array([True, False])
    monkeypatch.setattr(responder, "accepts", lambda offer: verdict)
    issues = np.zeros(len(model.issues), dtype=bool)
    issues[0] = True
    monkeypatch.setattr(responder, "accepts_issues", lambda offer: np.outer(verdict, issues))
    protocol().play_round(fake)
    kinds = [event[0] for event in fake.events]
    assert kinds == ["update_aspirations", "offer", "votes", "response", "close"]
    assert fake.events[1][1] == proposer.name and fake.events[3][1] == responder.name
    closed = fake.events[4][1]
    expected = verdict[:, None] & (True if protocol.linkage else issues)
    np.testing.assert_array_equal(closed, np.broadcast_to(expected, closed.shape))
    np.testing.assert_array_equal(fake.events[4][2], proposer.last_offer)


# --- the session's own operations --------------------------------------------------------------


def three_issues(rounds: int = 4) -> dict:
    """p implemented by a, q by b, c by a and a core interest of a (at most .2)."""
    prefs = {"p": 1.0, "q": 1.0, "c": 1.0}
    return {
        "negotiation": {"rounds": rounds},
        "issues": {
            "p": {"status_quo": 0.1, "implementer": "a"},
            "q": {"status_quo": 0.1, "implementer": "b"},
            "c": {"status_quo": 0.1, "implementer": "a"},
        },
        "agents": {
            "a": {
                "reservation": 0.0,
                "strategy": "time_dependent",
                "preferences": {k: {"ideal": 0.0, "salience": v} for k, v in prefs.items()},
                "red_lines": {"c": {"max": 0.2}},
            },
            "b": {
                "reservation": 0.0,
                "strategy": "time_dependent",
                "preferences": {k: {"ideal": 1.0, "salience": v} for k, v in prefs.items()},
            },
        },
    }


def test_others_and_standing_position():
    model = NegotiationModel(validate(three_issues(), "test.yaml"), 2, seed=0)
    a, b = model.state_agents
    assert model.others(a) == [b] and model.others(b) == [a]
    model.step()
    model.agreed[0, 0] = True
    model.agreed_value[0, 0] = 0.55
    model.walked_out[1] = True
    position = model.standing_position(a)
    np.testing.assert_array_equal(position[0], [0.55, *a.last_offer[0, 1:]])  # agreed, else offer
    np.testing.assert_array_equal(position[1], model.status_quo[1])  # walked out


def test_walking_out_suspends_the_peripheral_issues_the_agent_implements():
    """Rows that walk out end in conflict and are marked; there the walker's peripheral issue
    p returns to its pre-talks value, while q (the other's) and c (its core interest) stay."""
    model = NegotiationModel(validate(three_issues(), "test.yaml"), 3, seed=0, trace=3)
    model.step()
    a = model.state_agents[0]
    model.status_quo = np.full((3, 3), 0.7)  # where later sessions had got to
    rows = np.array([True, False, True])
    before = model.cooperation[a.name].copy()
    model.walk_out(a, rows)
    np.testing.assert_array_equal(model.conflict, rows)
    np.testing.assert_array_equal(model.walked_out, rows)
    assert not model.open[rows].any() and model.open[~rows].all()
    np.testing.assert_array_equal(model.status_quo[rows], [[0.1, 0.7, 0.7]] * 2)
    np.testing.assert_array_equal(model.status_quo[~rows], [[0.7, 0.7, 0.7]])
    after = model.cooperation[a.name]
    np.testing.assert_array_equal(after[~rows], before[~rows])
    assert not np.array_equal(after[rows], before[rows])  # rescored at the status quo


def test_close_settles_only_open_issues_once():
    model = NegotiationModel(validate(three_issues(rounds=5), "test.yaml"), 2, seed=0)
    model.step()
    model.open[:] = True
    model.agreed[:] = False
    model.round = 2
    model.close(np.array([[True, False, False], [False, False, False]]), np.full((2, 3), 0.4))
    model.round = 3
    model.close(np.array([[True, True, False], [False, False, False]]), np.full((2, 3), 0.9))
    np.testing.assert_array_equal(model.agreed, [[True, True, False], [False] * 3])
    np.testing.assert_array_equal(model.agreed_value[0, :2], [0.4, 0.9])
    np.testing.assert_array_equal(model.agreed_round[0, :2], [2, 3])
    np.testing.assert_array_equal(model.open, ~model.agreed)
