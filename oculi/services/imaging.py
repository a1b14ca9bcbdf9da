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
    reduced: int = 1  # a large image decoded smaller for the caller's models (`Need`): 1/reduced of each side

    @property
    def height(self) -> int:
        return self.rgb.shape[0]

    @property
    def width(self) -> int:
        return self.rgb.shape[1]


@dataclass(frozen=True)
class Need:
    """The fewest pixels an operation's models look at, so that a large image (over
    `large_images.LARGE_PIXELS`) may be decoded smaller by a whole factor: a JPEG in the DCT domain (libjpeg's
    1/2, 1/4, 1/8), any format by averaging f x f boxes band by band, so that its full-size RGB never exists.
    Each bound holds after the reduction, or as far as the image itself reaches it: `short_side` for both sides
    (a model that looks at the whole photo at n px), `long_side` for the longer one and `pixels` for the area
    (a text detector that reads a page at most so large, a strip at most so many pixels)."""

    short_side: int = 0
    long_side: int = 0
    pixels: int = 0

    def keeps(self, width: int, height: int, factor: int) -> bool:
        w, h = -(-width // factor), -(-height // factor)
        short_ok = min(w, h) >= min(self.short_side, width, height)
        long_ok = max(w, h) >= min(self.long_side, max(width, height))
        return short_ok and long_ok and w * h >= min(self.pixels, width * height)

    def factor(self, width: int, height: int) -> int:
        """The largest whole factor the image may be reduced by (1: none); none without any bound."""
        if not (self.short_side or self.long_side or self.pixels):
            return 1
        f = 1
        while f < max(width, height) and self.keeps(width, height, f + 1):
            f += 1
        return f


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
           max_pixels: int = 80_000_000, at_least: int | Need | None = None) -> DecodedImage:
    """`at_least`: the caller's models never look at more than this many pixels a side (or what a `Need`
    says), so a JPEG may be decoded at 1/2, 1/4 or 1/8 scale in the DCT domain (libjpeg's scaling), as long as
    both sides stay at least this long. It is several times cheaper than decoding every pixel and resizing
    afterwards. A large image (over LARGE_PIXELS) of any format is decoded reduced as far as the need allows,
    and converted to RGB band by band: only its decoded form at its own depth and the RGB the caller keeps are
    ever whole in memory (see `_large`)."""
    need = Need(short_side=at_least) if isinstance(at_least, int) else at_least

    def read():
        img = _open(data, max_bytes, formats, max_pixels)
        if min(img.size) < MIN_SIDE:
            raise InvalidParameter(
                f"Request has invalid parameters: the image is {img.width}x{img.height} pixels, "
                f"the minimum is {MIN_SIDE} pixels on each side")
        large = img.width * img.height > LARGE_PIXELS
        if isinstance(at_least, int) and at_least and img.format == "JPEG":
            img.draft("RGB", (at_least, at_least))
        elif need is not None and large and img.format == "JPEG":
            scale = next(s for s in (8, 4, 2, 1) if s <= need.factor(img.width, img.height))
            if scale > 1:
                img.draft("RGB", (img.width // scale, img.height // scale))
        large_images.admit(img.width * img.height)
        with large_images.decoding(img.width * img.height):
            img.load()
            fmt = img.format
            if large:
                return _large(img, fmt, need.factor(img.width, img.height) if need is not None else 1)
            if img.getexif().get(ORIENTATION, 1) != 1:  # each step copies every pixel: only when it changes them
                img = ImageOps.exif_transpose(img)
            if img.mode != "RGB":
                img = img.convert("RGB")
            return DecodedImage(_pixels(img), fmt)

    return _guarded(read)


BAND_PIXELS = 16_000_000
BAND_BYTES = 4 << 20
# Pillow keeps a large image in blocks of this size (16 MB by default). glibc serves blocks under 32 MB from the
# heap of the allocating thread's arena, where freed ones stay: CompareFaces decodes its two images in two
# threads, so an 80 MP decode left ~300 MB resident in one arena while the other decoded (957 -> 777 MiB peak
# for two 80 MP PNGs). Blocks over 32 MB are mapped for themselves and handed back when freed.
PILLOW_BLOCK_BYTES = 64 << 20
Image.core.set_block_size(PILLOW_BLOCK_BYTES)
LARGE_PIXELS = large_images.LARGE_PIXELS  # what a "large image" is, for the hold and for the banded decode


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


def _large(img: Image.Image, fmt: str, factor: int) -> DecodedImage:
    """A large image to RGB, reduced by `factor` (box average) and turned upright, band by band: each band of
    rows is cut from the decoded image at its own depth (1 bit, gray, palette, 16-bit, CMYK...), converted,
    reduced and written straight to where EXIF orientation puts it in the result. The whole image is never
    converted at once (an 80 MP gray bomb: 80 MB decoded plus 240 MB of RGB, instead of 320 MB of Pillow RGB
    more), nor turned as a second copy. Each step is per pixel or per whole f x f box, so the bands together
    give what converting, reducing and turning the whole image gives."""
    out, view = _result(img.width, img.height, factor, _orientation(img))  # bands are written through the view
    rows = max(1, BAND_BYTES // (img.width * 4)) // factor * factor or factor
    for top in range(0, img.height, rows):
        band = img.crop((0, top, img.width, min(img.height, top + rows)))
        if band.mode != "RGB":
            band = band.convert("RGB")
        if factor > 1:
            band = band.reduce(factor)
        view[top // factor: top // factor + band.height] = np.asarray(band)
    return DecodedImage(out, fmt, factor)


def _orientation(img: Image.Image) -> int:
    orientation = img.getexif().get(ORIENTATION, 1)
    return orientation if orientation in _UPRIGHT else 1


def _result(width: int, height: int, factor: int, orientation: int) -> tuple[np.ndarray, np.ndarray]:
    """The upright result of a width x height image reduced by `factor`, and a view of it with the stored axes."""
    w, h = -(-width // factor), -(-height // factor)
    out = np.empty((w, h, 3) if orientation >= 5 else (h, w, 3), np.uint8)
    return out, _UPRIGHT[orientation](out)


# EXIF orientation -> a view of the upright array with the stored image's axes (ImageOps.exif_transpose's methods:
# 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 270, 7 transverse, 8 rotate 90)
_UPRIGHT = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: a[:, ::-1].transpose(1, 0, 2),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: a[::-1].transpose(1, 0, 2),
}
