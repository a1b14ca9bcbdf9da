"""Request members that the image and the video operations share, read once: AWS dicts in, the analysis
service's typed requests (services/compose.py) out, with Rekognition's InvalidParameter errors for what
botocore's model cannot check (one of two members, both parts of an S3Object, a Polygon point's X and Y).
"""

from __future__ import annotations

from dataclasses import dataclass

from oculi.services import compose
from oculi.services.errors import InvalidParameter
from oculi.services.labels import LabelFilter
from oculi.services.text import WordFilter
from oculi.services.types import Box

INVALID = "Request has invalid parameters: "


@dataclass(frozen=True)
class ImageSource:
    """Image.Bytes, or Image.S3Object's bucket and name (exactly one)."""

    data: bytes | None = None
    bucket: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class VideoObject:
    bucket: str
    name: str
    version: str | None = None


def image_source(image: dict) -> ImageSource:
    has_bytes, s3 = "Bytes" in image, image.get("S3Object")
    if has_bytes == bool(s3):
        raise InvalidParameter(INVALID + "give exactly one of Image.Bytes and Image.S3Object")
    if has_bytes:
        return ImageSource(data=image["Bytes"])
    if not s3.get("Bucket") or not s3.get("Name"):
        raise InvalidParameter(INVALID + "S3Object needs Bucket and Name")
    return ImageSource(bucket=s3["Bucket"], name=s3["Name"])


def video_object(request: dict) -> VideoObject:
    s3 = (request.get("Video") or {}).get("S3Object") or {}
    if not s3.get("Bucket") or not s3.get("Name"):
        raise InvalidParameter(INVALID + "Video.S3Object needs Bucket and Name")
    return VideoObject(s3["Bucket"], s3["Name"], s3.get("Version"))


def regions_of_interest(regions: list[dict] | None) -> tuple[Box, ...]:
    """Filters.RegionsOfInterest: a BoundingBox as given (missing members: the whole side), or the box around
    a Polygon's points (clipped to the image); an entry with neither is passed over."""
    out = []
    for roi in regions or []:
        if roi.get("BoundingBox"):
            b = roi["BoundingBox"]
            out.append(Box(b.get("Left", 0.0), b.get("Top", 0.0), b.get("Width", 1.0), b.get("Height", 1.0)))
        elif roi.get("Polygon"):
            if any("X" not in p or "Y" not in p for p in roi["Polygon"]):
                raise InvalidParameter(INVALID + "each point of a RegionsOfInterest Polygon needs X and Y")
            xs, ys = [p["X"] for p in roi["Polygon"]], [p["Y"] for p in roi["Polygon"]]
            out.append(Box.from_corners(min(xs), min(ys), max(xs), max(ys)))
    return tuple(out)


def text_request(filters: dict | None) -> compose.TextRequest:
    """DetectText's and StartTextDetection's Filters (WordFilter, RegionsOfInterest)."""
    filters = filters or {}
    wf = filters.get("WordFilter") or {}
    word_filter = WordFilter(wf.get("MinConfidence", 0.0), wf.get("MinBoundingBoxHeight", 0.0),
                             wf.get("MinBoundingBoxWidth", 0.0))
    return compose.TextRequest(word_filter, regions_of_interest(filters.get("RegionsOfInterest")))


def label_filter(settings: dict | None) -> LabelFilter:
    """Settings.GeneralLabels of DetectLabels and StartLabelDetection."""
    general = (settings or {}).get("GeneralLabels") or {}
    return compose.label_filter(general.get("LabelInclusionFilters"), general.get("LabelExclusionFilters"),
                                general.get("LabelCategoryInclusionFilters"),
                                general.get("LabelCategoryExclusionFilters"))
