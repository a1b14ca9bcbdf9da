"""Which frames each feature looks at, and how large.

Default rates (frames analysed per second of video; OCULI_VIDEO_SAMPLE_FPS overrides any of them):
  segments     every frame, at 64x36 luma + 32x18 colour (cuts within a frame need every frame)
  labels       2 a second, at 640 px on the long side (the label models see 300-320 px)
  moderation   2 a second, at 640 px
  text         1 a second, at up to 1280 px (small print needs pixels)
  faces        5 a second, at up to 1280 px
  face_search  5 a second, at up to 1280 px; a face is embedded once per track, not once per frame
  persons      5 a second, at up to 1280 px (detector + tracker; faces matched to the person boxes)
  celebrities  5 a second, at up to 1280 px; a face is looked up in the celebrity gallery once per track
A frame is taken when its number starts a new sampling interval, a pure function of the frame number and
the rates, so a chunk run again after a crash samples exactly the same frames.
"""

from __future__ import annotations

import math

DEFAULT_FPS = {"segments": 0.0, "labels": 2.0, "moderation": 2.0, "text": 1.0, "faces": 5.0, "face_search": 5.0,
               "persons": 5.0, "celebrities": 5.0}  # 0: every frame
MAX_SIDE = {"segments": 0, "labels": 640, "moderation": 640, "text": 1280, "faces": 1280, "face_search": 1280,
            "persons": 1280, "celebrities": 1280}
FEATURES = tuple(DEFAULT_FPS)


def rates(overrides: dict[str, float] | None = None) -> dict[str, float]:
    out = dict(DEFAULT_FPS)
    for k, v in (overrides or {}).items():
        if k in out:
            out[k] = float(v)
    return out


def takes(number: int, rate: float, fps: float) -> bool:
    """Whether frame `number` (of a video at `fps`) is sampled at `rate` a second."""
    if rate <= 0 or rate >= fps:
        return True
    if number == 0:
        return True
    return math.floor(number * rate / fps) > math.floor((number - 1) * rate / fps)
