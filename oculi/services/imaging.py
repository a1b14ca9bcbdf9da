"""Decoding uploaded images with Rekognition's rules: JPEG/PNG, byte limits, 80 px minimum, EXIF, bomb guard."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from oculi.services.errors import ImageTooLarge, InvalidImageFormat, InvalidParameter

REKOGNITION_FORMATS = frozenset({"JPEG", "PNG"})
ALL_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF"})
MAX_BYTES = 5 * 1024 * 1024
MAX_S3_BYTES = 15 * 1024 * 1024
MIN_SIDE = 80


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


def decode(data: bytes, *, max_bytes: int = MAX_BYTES, formats: frozenset[str] = REKOGNITION_FORMATS,
           max_pixels: int = 80_000_000) -> DecodedImage:
    if not data:
        raise InvalidImageFormat("Request has invalid image format: the image is empty")
    if len(data) > max_bytes:
        raise ImageTooLarge(f"Image size is too large: {len(data)} bytes, the limit is {max_bytes} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in formats:
                raise InvalidImageFormat(
                    f"Request has invalid image format: {img.format or 'unknown'} is not one of "
                    f"{', '.join(sorted(formats))}")
            if img.width * img.height > max_pixels:
                raise ImageTooLarge(
                    f"Image size is too large: {img.width}x{img.height} pixels, the limit is {max_pixels}")
            img.load()
            fmt = img.format
            img = ImageOps.exif_transpose(img)
            rgb = np.ascontiguousarray(np.asarray(img.convert("RGB"), dtype=np.uint8))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"Image size is too large: {exc}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidImageFormat(f"Request has invalid image format: {exc}") from None
    if min(rgb.shape[:2]) < MIN_SIDE:
        raise InvalidParameter(
            f"Request has invalid parameters: the image is {rgb.shape[1]}x{rgb.shape[0]} pixels, "
            f"the minimum is {MIN_SIDE} pixels on each side")
    return DecodedImage(rgb, fmt)
