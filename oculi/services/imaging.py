"""Decoding uploaded images with Rekognition's rules: JPEG/PNG, byte limits, 80 px minimum, EXIF, bomb guard."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from oculi import large_images
from oculi.services.errors import ImageTooLarge, InvalidImageFormat, InvalidParameter

REKOGNITION_FORMATS = frozenset({"JPEG", "PNG"})
ALL_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF"})
MAX_BYTES = 5 * 1024 * 1024
MAX_S3_BYTES = 15 * 1024 * 1024
MIN_SIDE = 80
ORIENTATION = 0x0112  # EXIF tag
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"})  # ALL_FORMATS


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # H x W x 3 uint8, C-contiguous, EXIF orientation applied
    format: str

    @property
    def height(self) -> int:
        return self.rgb.shape[0]

    @property
    def width(self) -> int:
        return self.rgb.shape[1]


CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "BMP": "image/bmp",
                 "TIFF": "image/tiff", "GIF": "image/gif"}


def _open(data: bytes, max_bytes: int, formats: frozenset[str], max_pixels: int) -> Image.Image:
    """Read the header only: format, byte and pixel limits (call inside the guard of `_guarded`)."""
    if not data:
        raise InvalidImageFormat("Request has invalid image format: the image is empty")
    if len(data) > max_bytes:
        raise ImageTooLarge(f"Image size is too large: {len(data)} bytes, the limit is {max_bytes} bytes")
    img = Image.open(io.BytesIO(data))
    if img.format not in formats:
        raise InvalidImageFormat(
            f"Request has invalid image format: {img.format or 'unknown'} is not one of {', '.join(sorted(formats))}")
    if img.width * img.height > max_pixels:
        raise ImageTooLarge(f"Image size is too large: {img.width}x{img.height} pixels, the limit is {max_pixels}")
    return img


def _guarded(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return fn()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"Image size is too large: {exc}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImageFormat(f"Request has invalid image format: {exc}") from None


def probe(data: bytes, *, max_bytes: int = MAX_BYTES, formats: frozenset[str] = REKOGNITION_FORMATS,
          max_pixels: int = 80_000_000) -> tuple[str, int, int]:
    """(format, width, height) from the header, with the same checks as `decode` but no pixel decoding."""
    def read():
        img = _open(data, max_bytes, formats, max_pixels)
        return img.format, img.width, img.height

    return _guarded(read)


def decode(data: bytes, *, max_bytes: int = MAX_BYTES, formats: frozenset[str] = REKOGNITION_FORMATS,
           max_pixels: int = 80_000_000, at_least: int | None = None) -> DecodedImage:
    """`at_least`: the caller's models never look at more than this many pixels a side, so a JPEG may be
    decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (libjpeg's scaling), as long as both sides stay at
    least this long. It is several times cheaper than decoding every pixel and resizing afterwards."""
    def read():
        img = _open(data, max_bytes, formats, max_pixels)
        if min(img.size) < MIN_SIDE:
            raise InvalidParameter(
                f"Request has invalid parameters: the image is {img.width}x{img.height} pixels, "
                f"the minimum is {MIN_SIDE} pixels on each side")
        if at_least and img.format == "JPEG":
            img.draft("RGB", (at_least, at_least))
        large_images.admit(img.width * img.height)
        img.load()
        fmt = img.format
        if img.getexif().get(ORIENTATION, 1) != 1:  # each step copies every pixel: only when it changes them
            img = ImageOps.exif_transpose(img)
        if img.mode != "RGB":
            img = img.convert("RGB")
        return DecodedImage(_pixels(img), fmt)

    return _guarded(read)


BAND_PIXELS = 16_000_000
BAND_BYTES = 4 << 20


def _pixels(img: Image.Image) -> np.ndarray:
    """The RGB pixels as H x W x 3 uint8. `np.asarray(img)` goes through `Image.tobytes`, which holds the
    pixels twice more for a moment (its chunks, then their join): 384 MB extra for a 64 MP photo. Past
    BAND_PIXELS they are copied in BAND_BYTES bands instead, which is also faster there (182 vs 284 ms at 64 MP)
    but slower on small images."""
    if img.width * img.height <= BAND_PIXELS:
        return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))
    out = np.empty((img.height, img.width, 3), np.uint8)
    rows = max(1, BAND_BYTES // (img.width * 3))
    for top in range(0, img.height, rows):
        band = img.crop((0, top, img.width, min(img.height, top + rows)))
        out[top: top + band.height] = np.asarray(band)
    return out
