"""What an opponent model is, the registry that finds one by name, and how its accuracy is
measured.

An agent holds one model of every other agent (``StateAgent.beliefs``). A model believes the
other's preferences (``preferences``) and where its red lines lie (``region``, the values it
believes the other accepts): the agent's offers maximise the other's *believed* utility inside
the *believed* red lines (``StateAgent.propose``). A red line the other declared
(``red_lines.<issue>.declared: true``) is known from the start. Models learn from the other's
offers (``observe_offer``) and its answers to the agent's own offers (``observe_answer``), and
keep what they learned from one session to the next. Each is vectorised over replications.

Accuracy (Baarslag et al. 2013, "Predicting the performance of opponent models in automated
negotiation"): the Pearson correlation, per replication, between the believed and the true
utility of the other over a fixed sample of packages; and the share of the other's red-line
region (the values outside its red lines) the model believes forbidden.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

import numpy as np

from sim.core.backrefs import Weak, WeakBackRefs
from sim.core.preferences import Preferences
from sim.core.red_lines import RedLines
from sim.core.registry import Registry
from sim.scenario.catalogue import Param


class Observed(Protocol):
    """What a model may read of the agent it models (a ``StateAgent``): its true preferences
    and red lines only to score its own accuracy."""

    name: str
    preferences: Preferences
    red_lines: RedLines


#: Packages the accuracy is measured on: fixed, so every replication and run is scored alike.
SAMPLE_SIZE = 32
_SAMPLES: dict[int, np.ndarray] = {}


def sample_packages(issues: int) -> np.ndarray:
    """(SAMPLE_SIZE, I) packages uniform in the issue box, the same in every run."""
    if issues not in _SAMPLES:
        _SAMPLES[issues] = np.random.default_rng(20140101).random((SAMPLE_SIZE, issues))
    return _SAMPLES[issues]


class OpponentModel(WeakBackRefs):
    """Base class: the ``oracle`` beliefs (the other's true preferences; of its red lines, the
    declared ones). Subclasses set ``name`` and ``params`` and learn."""

    name: ClassVar[str]
    params: ClassVar[dict[str, Param]] = {}
    #: whether the model changes its beliefs (False: nothing to score round by round)
    learns: ClassVar[bool] = False
    #: the agent modelled, held by a weak reference: the agents model one another, and strong
    #: references both ways would keep a finished model's agents alive until a full collection
    other = Weak("the agent this model believes in")

    def __init__(self, n: int, other: Observed, declared: RedLines | None, **values):
        self.n, self.other = n, other
        for key, spec in self.params.items():
            value = values.get(key, spec.default)
            setattr(self, key, np.broadcast_to(np.asarray(value, dtype=float), (n,)))
        #: the values the model believes the other accepts; None: no red line known
        self.region: RedLines | None = declared
        #: the misread observer's log-odds that the other's softening is genuine, when this
        #: agent observes the other (:mod:`sim.core.beliefs`): one belief state with the model
        self.softening_log_odds: np.ndarray | None = None

    @property
    def preferences(self) -> Preferences:
        return self.other.preferences

    def start_session(self) -> None:
        """A new session: beliefs carry over (the models remember)."""

    def observe_offer(self, offer: np.ndarray, rows: np.ndarray, time: float) -> None:
        """The other offered ``offer`` (R, I) where ``rows`` (R,) holds, at session time
        ``time``."""

    def observe_answer(self, offer: np.ndarray, accepted: np.ndarray, rows: np.ndarray) -> None:
        """The other answered the agent's ``offer`` (R, I): ``accepted`` (R,) or, issue by
        issue, (R, I), where ``rows`` holds."""

    def red_line_learned(self, issue: int, value: float, rows: np.ndarray) -> None:
        """The other walked out when asked for ``value`` on ``issue``: it is past a red line."""
        low, high = self._bounds()
        ideal = np.broadcast_to(self.other.preferences.ideal, low.shape)[:, issue]
        above = value > ideal
        high[:, issue] = np.where(rows & above, np.minimum(high[:, issue], value), high[:, issue])
        low[:, issue] = np.where(rows & ~above, np.maximum(low[:, issue], value), low[:, issue])
        self.region = RedLines(low, high)

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(R, I) copies of the believed region's bounds."""
        shape = np.shape(self.other.preferences.ideal)
        if self.region is None:
            return np.zeros(shape), np.ones(shape)
        return (
            np.broadcast_to(self.region.low, shape).copy(),
            np.broadcast_to(self.region.high, shape).copy(),
        )

    # --- accuracy ------------------------------------------------------------------------------

    def accuracy(self, rows: np.ndarray | None = None) -> np.ndarray:
        """(R,) Pearson correlation of believed and true utility over the fixed sample; with
        ``rows`` (R,), only those replications are scored (NaN elsewhere: a lineup's part)."""
        if not self.learns and self.preferences is self.other.preferences:
            return np.ones(self.n)
        true = self.other.preferences
        if getattr(self, "_true_for", None) is not true:  # the truth changes only by an event
            self._true = _centred(_utilities(true, sample_packages(np.shape(true.ideal)[-1])))
            self._true_for = true
        sample = sample_packages(np.shape(true.ideal)[-1])
        if rows is None:
            return _correlation(_centred(_utilities(self.preferences, sample)), self._true)
        out = np.full(self.n, np.nan)
        believed = _centred(_utilities(_some(self.preferences, rows), sample))
        truth = (self._true[0][rows], self._true[1][rows])
        out[rows] = _correlation(believed, truth)
        return out

    def red_lines_found(self) -> np.ndarray:
        """(R,) share of the other's red-line region (values outside its red lines) believed
        forbidden; NaN where the other has no red line."""
        true = self.other.red_lines
        issues = np.shape(self.other.preferences.ideal)[-1]
        t_low = np.broadcast_to(true.low, (issues,))
        t_high = np.broadcast_to(true.high, (issues,))
        forbidden = float(np.sum(t_low + (1.0 - t_high)))
        if forbidden <= 0:
            return np.full(self.n, np.nan)
        low, high = self._bounds()
        found = np.minimum(low, t_low) + np.minimum(1.0 - high, 1.0 - t_high)
        return np.clip(found.sum(axis=-1) / forbidden, 0.0, 1.0)


def _some(prefs: Preferences, rows: np.ndarray) -> Preferences:
    """``prefs`` of the replications where ``rows`` holds."""
    shape = (len(rows), np.shape(prefs.ideal)[-1])
    return Preferences(
        np.broadcast_to(prefs.ideal, shape)[rows],
        np.broadcast_to(prefs.salience, shape)[rows],
        prefs.shape,
        np.broadcast_to(np.asarray(prefs.risk, dtype=float), shape[:1])[rows],
    )


def _utilities(prefs: Preferences, sample: np.ndarray) -> np.ndarray:
    """(R, S) utility of every sample package under each replication's preferences."""
    distance = np.abs(sample[None] - np.asarray(prefs.ideal)[:, None, :])
    loss = distance if prefs.shape == "linear" else distance * distance
    salience = np.asarray(prefs.salience)
    additive = np.clip(
        salience.sum(axis=-1)[:, None] - np.einsum("rsi,ri->rs", loss, salience), 0.0, 1.0
    )
    risk = np.asarray(prefs.risk, dtype=float)
    return additive if np.all(risk == 1.0) else additive ** risk.reshape(-1, 1)


def _centred(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows minus their means, and the rows' norms."""
    centred = values - values.mean(axis=1, keepdims=True)
    return centred, np.sqrt(np.einsum("rs,rs->r", centred, centred))


def _correlation(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Pearson correlation per row of two centred samples with their norms."""
    (a, a_norm), (b, b_norm) = a, b
    scale = a_norm * b_norm
    return np.divide(np.einsum("rs,rs->r", a, b), scale, out=np.zeros(len(a)), where=scale > 0)


OPPONENT_MODELS: Registry[type[OpponentModel]] = Registry("opponent model", "sim.core.opponents")
register = OPPONENT_MODELS.register
get_opponent_model = OPPONENT_MODELS.lookup
