"""Image decoding: Rekognition's formats and limits, hostile inputs, EXIF orientation."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image

from oculi.services import imaging
from oculi.services.errors import ImageTooLarge, InvalidImageFormat, InvalidParameter


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def png_bomb(side: int = 30000) -> bytes:
    """A valid 1-bit PNG header claiming side x side pixels, with a tiny compressed body (a bomb)."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = zlib.compress(b"\x00" * (side // 8 + 1) * 64)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def test_jpeg_and_png_decode_to_rgb():
    img = Image.new("RGB", (120, 90), (200, 10, 30))
    for fmt in ("JPEG", "PNG"):
        out = imaging.decode(encode(img, fmt))
        assert out.rgb.shape == (90, 120, 3) and out.format == fmt
        assert abs(int(out.rgb[45, 60, 0]) - 200) < 6


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 50])
def test_empty_or_corrupt_is_invalid_format(data):
    with pytest.raises(InvalidImageFormat):
        imaging.decode(data)


def test_truncated_jpeg_is_invalid_format():
    data = encode(Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 300, 3), np.uint8)), "JPEG")
    with pytest.raises(InvalidImageFormat):
        imaging.decode(data[: len(data) // 2])


def test_gif_is_rejected_for_rekognition_but_accepted_for_rest():
    data = encode(Image.new("RGB", (100, 100), "blue"), "GIF")
    with pytest.raises(InvalidImageFormat, match="GIF"):
        imaging.decode(data)
    assert imaging.decode(data, formats=imaging.ALL_FORMATS).format == "GIF"


def test_under_80_pixels_is_invalid_parameter():
    with pytest.raises(InvalidParameter, match="minimum is 80"):
        imaging.decode(encode(Image.new("RGB", (79, 200)), "PNG"))


def test_over_5_mb_is_too_large():
    with pytest.raises(ImageTooLarge):
        imaging.decode(b"\xff\xd8" + b"\x00" * (imaging.MAX_BYTES + 1))


def test_decompression_bomb_is_too_large_without_decoding():
    with pytest.raises(ImageTooLarge):
        imaging.decode(png_bomb())


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (200, 100), "white")
    img.paste((255, 0, 0), (0, 0, 20, 20))  # red mark top-left in stored pixels
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    out = imaging.decode(encode(img, "JPEG", exif=exif.tobytes(), quality=95))
    assert out.rgb.shape[:2] == (200, 100)  # portrait after orientation
    assert out.rgb[5, 95, 0] > 200 and out.rgb[5, 95, 1] < 80  # mark now top-right


@pytest.mark.parametrize(("mode", "fmt"), [("L", "JPEG"), ("CMYK", "JPEG"), ("P", "PNG"), ("RGBA", "PNG"),
                                           ("LA", "PNG"), ("I;16", "PNG")])
def test_every_pixel_mode_becomes_rgb(mode, fmt):
    img = Image.new("RGB", (120, 90), (200, 40, 40)).convert(mode)
    out = imaging.decode(encode(img, fmt))
    assert out.rgb.shape == (90, 120, 3) and out.rgb.dtype == np.uint8 and out.rgb.flags.c_contiguous
    expected = np.asarray(img.convert("RGB"))[45, 60].astype(int)
    assert np.abs(out.rgb[45, 60].astype(int) - expected).max() <= 12


def test_large_images_are_copied_in_bands_with_the_same_pixels(monkeypatch):
    """Past BAND_PIXELS the pixels leave Pillow band by band (both limits lowered here for a small image)."""
    rgb = np.random.default_rng(3).integers(0, 256, (301, 257, 3), dtype=np.uint8)
    data = encode(Image.fromarray(rgb), "PNG")
    monkeypatch.setattr(imaging, "BAND_PIXELS", 1000)
    monkeypatch.setattr(imaging, "BAND_BYTES", 257 * 3 * 40)  # 7 bands of 40 rows and one of 21
    out = imaging.decode(data)
    assert out.rgb.shape == (301, 257, 3) and out.rgb.flags.c_contiguous
    assert np.array_equal(out.rgb, rgb)
