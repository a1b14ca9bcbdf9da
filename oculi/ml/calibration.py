"""Calibrated confidences: a model's raw score mapped to the probability that what it names is really there.

The mapping is Platt scaling on the score's log-odds, P = 1 / (1 + exp(-(a * logit(s) + b))), fitted per model
(the detector's box scores; the classifier's class probabilities) and, where the fitting photos have enough
examples, per Rekognition category of the label (a chair and a cup are not equally easy for one model).
`oculi/data/label_calibration.json` holds the fitted (a, b); scripts/fit_label_calibration.py refits it on the
fitting half of the VOC photos (bench/voc.py) and records what it was fitted on. A (model, category) pair
without its own fit uses the model's; a model without any fit keeps its raw score (a = 1, b = 0).
Where the fitting photos have at least a few examples of one label (the classifier's Pillow, Desk...), that
label gets its own mapping too: its category's with the offset refitted and pulled back towards it (`shift`):
the classifier is surer of some labels than of others at the same probability (a pillow it names at 3% was
there every time, a desk at 30% often was not), which one mapping per category cannot say.
A fit also lists the labels its examples could judge (`judged`): the photos say how often a chair the models
report is there, not how often a refrigerator is (they are not annotated), and the indoor classes' high
prior would lift every rare label over MinConfidence. Labels outside that list keep the raw score
(`covers(name)` says which).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

FILE = "data/label_calibration.json"


@dataclass(frozen=True)
class Platt:
    a: float = 1.0
    b: float = 0.0

    def __call__(self, score: float) -> float:
        s = min(max(score, 1e-6), 1 - 1e-6)
        return float(1.0 / (1.0 + np.exp(-(self.a * np.log(s / (1 - s)) + self.b))))


@dataclass(frozen=True)
class Calibration:
    """The fitted mappings of one model: its own, and per category where fitted."""

    default: Platt
    groups: dict[str, Platt]
    judged: frozenset[str] | None = None  # None: every label
    labels: dict[str, Platt] = field(default_factory=dict)  # per label, where fitted

    def covers(self, name: str) -> bool:
        return self.judged is None or name in self.judged

    def __call__(self, score: float, group: str = "", name: str = "") -> float:
        return self.labels.get(name, self.groups.get(group, self.default))(score)


@lru_cache
def _table() -> dict:
    try:
        return json.loads(resources.files("oculi").joinpath(FILE).read_text())
    except FileNotFoundError:
        return {}


def calibration(implementation: str, use: str = "") -> Calibration:
    """The calibration of a model implementation (as the registry names it: "ssd-mobilenet-v2"); `use` names
    a second mapping of the same model's scores ("label": a detector's best box score -> P(the class is in the
    photo), where the plain one is P(this box is a true object))."""
    entry = _table().get("models", {}).get(implementation + (f"/{use}" if use else ""), {})
    judged = entry.get("judged")
    return Calibration(Platt(*entry.get("default", (1.0, 0.0))),
                       {k: Platt(*v) for k, v in entry.get("groups", {}).items()},
                       frozenset(judged) if judged is not None else None,
                       {k: Platt(*v) for k, v in entry.get("labels", {}).items()})


def shift(scores: np.ndarray, truth: np.ndarray, prior: Platt, pull: float) -> Platt:
    """`prior` with its offset b refitted (Newton steps on the log-loss plus pull * (b - prior.b)^2 / 2), its
    slope kept: for a label with a few examples, which say how sure it is, not how its sureness grows."""
    s = np.clip(np.asarray(scores, float), 1e-4, 1 - 1e-4)
    x, y = prior.a * np.log(s / (1 - s)), np.asarray(truth, float)
    b = prior.b
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x + b)))
        step = (np.sum(p - y) + pull * (b - prior.b)) / (np.sum(p * (1 - p)) + pull)
        b -= step
        if abs(step) < 1e-10:
            break
    return Platt(prior.a, float(b))


def fit(scores: np.ndarray, truth: np.ndarray, l2: float = 0.01) -> Platt:
    """Platt scaling by damped Newton steps on the log-loss, with a small L2 pull towards (1, 0) (the identity)."""
    s = np.clip(np.asarray(scores, float), 1e-4, 1 - 1e-4)
    x, y, n = np.log(s / (1 - s)), np.asarray(truth, float), len(scores)
    prior = np.array([1.0, 0.0])

    def loss(w):
        z = w[0] * x + w[1]
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * l2 * n * np.sum((w - prior) ** 2))

    w = prior.copy()
    for _ in range(100):
        p = 1 / (1 + np.exp(-(w[0] * x + w[1])))
        grad = np.array([np.sum((p - y) * x), np.sum(p - y)]) + l2 * n * (w - prior)
        r = p * (1 - p)
        hess = np.array([[np.sum(r * x * x), np.sum(r * x)], [np.sum(r * x), np.sum(r)]]) + l2 * n * np.eye(2)
        step, t = np.linalg.solve(hess, grad), 1.0
        while loss(w - t * step) > loss(w) and t > 1e-4:
            t /= 2
        w = w - t * step
        if np.max(np.abs(t * step)) < 1e-8:
            break
    return Platt(float(w[0]), float(w[1]))
