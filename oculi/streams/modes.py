"""What a stream processor does with an analysed frame, by mode.

Face search reuses stored video's FaceSearch feature (oculi/video/features.py): faces found by the image
service, tracked across frames, each track's face embedded and searched in the collection once. Each frame
with faces becomes one record in Rekognition's streaming face-search format (InputInformation,
StreamProcessorInformation, FaceSearchResponse) for the Kinesis data stream; a track's first match is also a
`stream.face_matched` webhook event.

Connected home runs the object detector (as person tracking does) and keeps one session per appearance of a
label: it opens on the first detection (the frame is stored, a `stream.label_detected` event sent at once, and
Rekognition's LABEL_DETECTED notification too when it is the label's first in the session, as Rekognition
notifies each label once a session), follows the best-scoring frame, and closes after
`stream_session_gap_seconds` without the label (the best frame and its crop are stored, `stream.session_ended`
says start, end and where the frames are). PET is a dog or a cat; PACKAGE has no model (refused at create).
"""

from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from oculi.ml.interfaces import ObjectDetector
from oculi.operations.shapes import box_out
from oculi.streams.regions import Regions
from oculi.video.features import Context, FaceSearch

PET_CLASSES = {"Dog", "Cat"}


def jpeg(rgb: np.ndarray, quality: int = 85) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=quality)
    return out.getvalue()


@dataclass
class Result:
    """What one frame gave: Kinesis records, SNS messages, webhook events, frames to store."""

    kinesis: list[dict] = field(default_factory=list)
    sns: list[dict] = field(default_factory=list)
    events: list[tuple[str, dict]] = field(default_factory=list)  # (type, payload)
    frames: list[tuple[str, np.ndarray]] = field(default_factory=list)  # (key, RGB), stored as JPEG


class FaceSearchMode:
    def __init__(self, ctx: Context, proc, regions: Regions):
        self.proc = proc
        self.regions = regions
        self.feature = FaceSearch(ctx, {"collection": proc.settings["CollectionId"],
                                        "threshold": proc.settings.get("FaceMatchThreshold", 80.0)})
        self.announced: set[int] = set()

    def frame(self, live, rgb: np.ndarray, offset: float) -> Result:
        self.feature.out.clear()
        self.feature.frame(live.frame, rgb)
        found = []
        for rec in self.feature.out:
            b = rec["Person"]["BoundingBox"]
            if self.regions.admits((b["Left"], b["Top"], b["Left"] + b["Width"], b["Top"] + b["Height"])):
                found.append(rec)
        out = Result()
        if not found:
            return out
        out.kinesis.append({
            "InputInformation": {"KinesisVideo": {
                "StreamArn": self.proc.input_arn, "FragmentNumber": str(live.frame.number),
                "ServerTimestamp": round(live.read_at, 3), "ProducerTimestamp": round(live.read_at, 3),
                "FrameOffsetInSeconds": round(offset, 3)}},
            "StreamProcessorInformation": {"Status": "RUNNING"},
            "FaceSearchResponse": [{"DetectedFace": {**rec["Person"]["Face"]},
                                    "MatchedFaces": rec["FaceMatches"]} for rec in found]})
        for rec in found:
            index = rec["Person"]["Index"]
            if rec["FaceMatches"] and index not in self.announced:
                self.announced.add(index)
                best = rec["FaceMatches"][0]
                out.events.append(("stream.face_matched", {
                    "face": {"box": rec["Person"]["BoundingBox"], "confidence": rec["Person"]["Face"]["Confidence"],
                             "track": index},
                    "match": {"face_id": best["Face"]["FaceId"], "similarity": best["Similarity"],
                              "external_image_id": best["Face"].get("ExternalImageId"),
                              "user_id": best["Face"].get("UserId"),
                              "collection": self.proc.settings["CollectionId"]},
                    "frame_offset_seconds": round(offset, 3), "frame_read_at": round(live.read_at, 3)}))
        return out

    def close(self) -> Result:
        return Result()


@dataclass
class Appearance:
    id: str
    label: str
    start: float  # offset in the session, seconds
    last: float
    started_at: float  # wall clock
    best_score: float
    best_box: tuple
    best_rgb: np.ndarray
    best_offset: float
    first_key: str


class ConnectedHomeMode:
    def __init__(self, ctx: Context, proc, regions: Regions, gap_seconds: float):
        self.ctx = ctx
        self.proc = proc
        self.regions = regions
        self.gap = gap_seconds
        self.open: dict[str, Appearance] = {}
        self.notified: set[str] = set()  # labels already announced on SNS in this session
        self.configure(proc)

    def configure(self, proc) -> None:
        """The settings that UpdateStreamProcessor may change while the processor runs."""
        self.proc = proc
        labels = set(proc.settings.get("Labels") or [])
        self.labels = {"PERSON", "PET"} if "ALL" in labels else labels & {"PERSON", "PET"}
        self.min_confidence = float(proc.settings.get("MinConfidence", 50.0))

    def _key(self, name: str) -> str:
        return f"{self.proc.s3_prefix or ''}{self.proc.name}/{self.proc.session_id}/{name}.jpg"

    def _uri(self, key: str) -> str:
        return f"s3://{self.proc.s3_bucket}/{key}"

    def frame(self, live, rgb: np.ndarray, offset: float) -> Result:
        out = Result()
        best: dict[str, tuple[float, tuple]] = {}
        for d in self.ctx.models.get(ObjectDetector).predict(rgb, min_score=min(self.min_confidence / 100, 0.99)):
            label = "PERSON" if d.name == "Person" else "PET" if d.name in PET_CLASSES else None
            if label not in self.labels or not self.regions.admits(d.box):
                continue
            if d.score > best.get(label, (0.0, None))[0]:
                best[label] = (d.score, d.box)
        for label, (score, box) in best.items():
            app = self.open.get(label)
            if app is None:
                app = self._open(out, label, score, box, rgb, live, offset)
            elif score > app.best_score:
                app.best_score, app.best_box, app.best_rgb, app.best_offset = score, box, rgb, offset
            app.last = offset
        for label in [lb for lb, a in self.open.items() if offset - a.last > self.gap]:
            self._close(out, self.open.pop(label))
        return out

    def _open(self, out: Result, label: str, score: float, box: tuple, rgb, live, offset: float) -> Appearance:
        app = Appearance(str(uuid.uuid4()), label, offset, offset, live.read_at, score, box, rgb, offset,
                         self._key(f"{uuid.uuid4()}-{label.lower()}-first"))
        self.open[label] = app
        crop_key = app.first_key.replace("-first.jpg", "-first-crop.jpg")
        out.frames += [(app.first_key, rgb), (crop_key, _crop(rgb, box))]
        bbox = box_out_ratio(box)
        if label not in self.notified:  # Rekognition notifies the first detection of each label in a session
            self.notified.add(label)
            out.sns.append(self._notification(app, label, crop_key, bbox, live, offset))
        out.events.append(("stream.label_detected", {
            "label": {"id": app.id, "name": label, "confidence": round(score * 100, 3), "box": bbox},
            "frame": self._uri(app.first_key), "frame_offset_seconds": round(offset, 3),
            "frame_read_at": round(live.read_at, 3)}))
        return app

    def _notification(self, app: Appearance, label: str, crop_key: str, bbox: dict, live, offset: float) -> dict:
        return {
            "inputInformation": {"kinesisVideo": {"streamArn": self.proc.input_arn}},
            "eventNamespace": {"type": "LABEL_DETECTED"},
            "labels": [{"id": app.id, "name": label, "frameImageUri": self._uri(app.first_key),
                        "croppedImageUri": self._uri(crop_key),
                        "videoMapping": {"kinesisVideoMapping": {
                            "fragmentNumber": str(live.frame.number), "serverTimestamp": int(live.read_at * 1000),
                            "producerTimestamp": int(live.read_at * 1000),
                            "frameOffsetMillis": int(offset * 1000)}},
                        "boundingBox": {k[0].lower() + k[1:]: v for k, v in bbox.items()}}],
            "eventId": str(uuid.uuid4()), "tags": {}, "sessionId": self.proc.session_id,
            "startStreamProcessorSessionId": self.proc.session_id}

    def _close(self, out: Result, app: Appearance) -> None:
        key = self._key(f"{app.id}-{app.label.lower()}-best")
        crop = key.replace("-best.jpg", "-best-crop.jpg")
        out.frames += [(key, app.best_rgb), (crop, _crop(app.best_rgb, app.best_box))]
        out.events.append(("stream.session_ended", {
            "label": {"id": app.id, "name": app.label, "confidence": round(app.best_score * 100, 3),
                      "box": box_out_ratio(app.best_box)},
            "start_offset_seconds": round(app.start, 3), "end_offset_seconds": round(app.last, 3),
            "best_frame": self._uri(key), "best_frame_crop": self._uri(crop),
            "best_frame_offset_seconds": round(app.best_offset, 3), "first_frame": self._uri(app.first_key),
            "ended_at": round(time.time(), 3)}))

    def close(self) -> Result:
        out = Result()
        for app in self.open.values():
            self._close(out, app)
        self.open.clear()
        return out


def box_out_ratio(box: tuple) -> dict:
    from oculi.services.types import Box

    return box_out(Box.from_corners(*box))


def _crop(rgb: np.ndarray, box: tuple) -> np.ndarray:
    h, w = rgb.shape[:2]
    x0, y0 = max(int(box[0] * w), 0), max(int(box[1] * h), 0)
    x1, y1 = min(int(round(box[2] * w)), w), min(int(round(box[3] * h)), h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return rgb
    return np.ascontiguousarray(rgb[y0:y1, x0:x1])
