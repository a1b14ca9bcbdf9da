"""Gallery thumbnails, kept beside the original as `<key>.thumb.jpg`: made by the analysis job from the pixels
it has already decoded (so a new image's first view in the gallery waits for no thumbnail), or on the first
request for an image that has none (stored before this existed, or its job has not run yet).

A grid of 50 full-size originals would be tens of megabytes; a 320 px JPEG is ~15 KB. The thumbnail's
ETag is the original's sha256 (plus the size), so a browser revalidates with one 304."""

from __future__ import annotations

import io

from PIL import Image as PILImage
from PIL import ImageOps

from oculi.storage.blobs import BlobNotFound, BlobStore

SIDE = 320
QUALITY = 80


def thumb_key(key: str) -> str:
    return key + ".thumb.jpg"


def make_thumbnail(data: bytes, side: int = SIDE) -> bytes:
    with PILImage.open(io.BytesIO(data)) as im:
        im.draft("RGB", (side * 2, side * 2))  # JPEG: decode at a reduced scale, far less memory and time
        return _encode(ImageOps.exif_transpose(im), side)


def thumbnail_of_pixels(rgb, side: int = SIDE) -> bytes:
    """The same thumbnail from an RGB array already decoded and turned upright (the analysis job's)."""
    return _encode(PILImage.fromarray(rgb), side)


def _encode(im: PILImage.Image, side: int) -> bytes:
    im.thumbnail((side, side), PILImage.Resampling.LANCZOS)
    out = io.BytesIO()
    im.convert("RGB").save(out, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return out.getvalue()


class Thumbnails:
    def __init__(self, store: BlobStore):
        self.store = store

    def get(self, bucket: str, key: str) -> bytes:
        """The stored thumbnail, made and stored first when missing (BlobNotFound when the original is gone)."""
        try:
            return self.store.get(bucket, thumb_key(key))
        except BlobNotFound:
            pass
        thumb = make_thumbnail(self.store.get(bucket, key))
        self.store.put(bucket, thumb_key(key), thumb, "image/jpeg")
        return thumb

    def keep(self, bucket: str, key: str, rgb) -> None:
        """Make and store the thumbnail from pixels the caller has decoded."""
        self.store.put(bucket, thumb_key(key), thumbnail_of_pixels(rgb), "image/jpeg")

    def delete(self, bucket: str, key: str) -> None:
        self.store.delete(bucket, thumb_key(key))
