"""The image operations' own work, as a script calling Oculi's services would do it: decode the image(s) the way
the server does (same decoder, same DCT scale), then the models.

One table, used twice: `bench/image_ops.py` times these calls in its own process as the reference of the
server-side ratio, and `bench/floor_server.py` serves them behind the least any Python server must do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from oculi.services.analysis import Analyzer
from oculi.services.faces import compare_faces, detect_faces
from oculi.services.labels import detect_labels
from oculi.services.labels import input_side as label_side
from oculi.services.moderation import detect_moderation_labels
from oculi.services.moderation import input_side as moderation_side
from oculi.services.text import detect_text


@dataclass(frozen=True)
class ImageCall:
    images: tuple[str, ...]  # the request members that carry the images, in the order `models` takes them
    side: Callable[[Analyzer], int | None]  # the fewest pixels the models need (the server's decode scale)
    models: Callable[..., object]  # (analyzer, *rgb arrays) -> the models' result

    def decode(self, analyzer: Analyzer, blobs: list[bytes]) -> list[np.ndarray]:
        return [analyzer.from_bytes(b, at_least=self.side(analyzer)).rgb for b in blobs]

    def run(self, analyzer: Analyzer, blobs: list[bytes]):
        """Decode + models: the raw call the server's time is compared with."""
        return self.models(analyzer, *self.decode(analyzer, blobs))


CALLS = {
    "DetectLabels": ImageCall(("Image",), lambda a: label_side(a.models),
                              lambda a, rgb: detect_labels(a.models, rgb)),
    "DetectFaces": ImageCall(("Image",), lambda a: None,
                             lambda a, rgb: detect_faces(a.models, rgb, attributes=True)),
    "CompareFaces": ImageCall(("SourceImage", "TargetImage"), lambda a: None,
                              lambda a, src, tgt: compare_faces(a.models, src, tgt)),
    "DetectText": ImageCall(("Image",), lambda a: None, lambda a, rgb: detect_text(a.models, rgb)),
    "DetectModerationLabels": ImageCall(("Image",), lambda a: moderation_side(a.models),
                                        lambda a, rgb: detect_moderation_labels(a.models, rgb)),
}
