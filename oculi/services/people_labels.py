"""People labels (Rekognition's "Person Description" category) derived from what DetectFaces measures.

Run only when the detector found a person (no face pass, so no people label, on photos without people). Each
face of `oculi.services.faces.detect_faces(..., attributes=True)` gives:
- Face: the face box, with DetectFaces' Confidence. Parents Head, Person.
- Head: the face box widened by HEAD_SCALE around its centre (hair, ears and chin around the detector's face
  box), with the face's Confidence. Parent Person.
- Adult / Child: DetectFaces' AgeRange is the 10th-90th percentile of the age network's distribution, read
  as a normal one: mean = the range's middle, sigma = its width / 2.563; P(adult) = P(age >= 18). Adult's
  instance confidence is 100 P(adult), Child's 100 (1 - P(adult)). Parent Person.
- Male / Female: P(male) from DetectFaces' Gender (its Confidence is 100 max(P, 1 - P)). Parent Person.
- Man / Woman / Boy / Girl: the product of the two, e.g. P(man) = P(adult) P(male) (age and gender come from
  separate networks). Parents Adult or Child, Male or Female, Person.
- Smile: the face's Smile Confidence when Smile is true. Parents Face, Head, Person.
- Every attribute label (Adult to Smile) is also multiplied by P(face) = the face's Confidence / 100: what is
  said of a face is said only as surely as it is a face (a 94% face is at most a 94% Man).
- Crowd: at least CROWD people (the larger of the person boxes and the faces); confidence rises from 60 at
  CROWD people by 8 a person, up to 99. Parent Person. No instances (it is the whole group).
A label's confidence is its best instance's; a face is an instance of the labels it is more likely than not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import erf, sqrt

import numpy as np

from oculi.ml.base import Models
from oculi.services.faces import detect_faces
from oculi.services.types import Box

ADULT_AGE = 18
HEAD_SCALE = 1.5
CROWD = 6
MAX_FACES = 20  # bounds the attribute passes on a crowded photo
CATEGORY = "Person Description"
PARENTS = {
    "Face": ["Head", "Person"], "Head": ["Person"], "Adult": ["Person"], "Child": ["Person"],
    "Male": ["Person"], "Female": ["Person"], "Man": ["Adult", "Male", "Person"],
    "Woman": ["Adult", "Female", "Person"], "Boy": ["Child", "Male", "Person"],
    "Girl": ["Child", "Female", "Person"], "Smile": ["Face", "Head", "Person"], "Crowd": ["Person"],
}


@dataclass
class PersonLabel:
    name: str
    confidence: float = 0.0
    instances: list[tuple[Box, float]] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    category: str = CATEGORY


def p_adult(age_low: float, age_high: float) -> float:
    mean, sigma = (age_low + age_high) / 2, max((age_high - age_low) / 2.563, 0.5)
    return 0.5 * (1 + erf((mean - ADULT_AGE) / (sigma * sqrt(2))))


def p_male(gender: tuple[str, float]) -> float:
    value, confidence = gender
    return confidence / 100 if value == "Male" else 1 - confidence / 100


def head_box(b: Box) -> Box:
    cx, cy = b.left + b.width / 2, b.top + b.height / 2
    w, h = b.width * HEAD_SCALE, b.height * HEAD_SCALE
    x0, y0 = max(0.0, cx - w / 2), max(0.0, cy - h / 2)
    return Box.from_corners(x0, y0, min(1.0, cx + w / 2), min(1.0, cy + h / 2))


def people_labels(models: Models, rgb: np.ndarray, person_boxes: list[Box]) -> list[PersonLabel]:
    out: dict[str, PersonLabel] = {}

    def add(name: str, box: Box | None, confidence: float) -> None:
        label = out.setdefault(name, PersonLabel(name, parents=list(PARENTS[name])))
        label.confidence = max(label.confidence, confidence)
        if box is not None and confidence >= 50:  # a face is an instance of what it most likely is
            label.instances.append((box, confidence))

    faces = detect_faces(models, rgb, attributes=True, max_faces=MAX_FACES)
    for f in faces:
        add("Face", f.box, f.confidence)
        add("Head", head_box(f.box), f.confidence)
        a = p_adult(*f.attributes["age_range"])
        m = p_male(f.attributes["gender"])
        real = f.confidence / 100  # what is said of a face is said only as surely as it is a face
        for name, p in (("Adult", a), ("Child", 1 - a), ("Male", m), ("Female", 1 - m), ("Man", a * m),
                        ("Woman", a * (1 - m)), ("Boy", (1 - a) * m), ("Girl", (1 - a) * (1 - m))):
            add(name, f.box, 100 * real * p)
        smiling, smile_conf = f.attributes["smile"]
        if smiling:
            add("Smile", f.box, real * smile_conf)
    people = max(len(person_boxes), len(faces))
    if people >= CROWD:
        add("Crowd", None, min(99.0, 60.0 + 8.0 * (people - CROWD)))
    return list(out.values())
