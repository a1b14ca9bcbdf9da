"""Hostile images, generated with a fixed seed: what an attacker (or a broken camera) sends.

Shared by the hostile-input test (tests/integration/test_hostile_input.py) and the benchmark (bench/hostile.py).
Each case is (name, bytes). Everything is drawn here from one real photo of ../shared/data and random noise:
truncated and bit-flipped files of every format the REST API reads, headers that claim huge sizes,
decompression bombs, extreme aspect ratios up to the pixel limit, 1-bit, 16-bit, CMYK, palette with alpha,
every EXIF orientation, polyglots, and files of 5 MiB minus one, exactly and plus one byte.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Iterator

import numpy as np
from PIL import Image

FIVE_MIB = 5 * 1024 * 1024
FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "GIF")


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int, bit_depth: int = 8, colour: int = 2, body: bytes = b"") -> bytes:
    """A PNG whose header claims width x height, with a tiny (or given) compressed body."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(body))
            + _png_chunk(b"IEND", b""))


def png_bomb(side: int = 30000) -> bytes:
    """1-bit, side x side, every row present and all zero: a few KB that decode to side^2 pixels."""
    return png_claiming(side, side, 1, 0, b"\x00" * (side // 8 + 1) * side)


def jpeg_claiming(jpeg: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0/SOF2) is rewritten to claim width x height."""
    data = bytearray(jpeg)
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at > 0:
            struct.pack_into(">HH", data, at + 5, height, width)
            return bytes(data)
    raise ValueError("no SOF marker")


def white_strip(width: int, height: int) -> Image.Image:
    return Image.new("RGB", (width, height), (255, 255, 255))


def _with_orientation(img: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(img, "JPEG", exif=exif.tobytes(), quality=85)


def _padded_jpeg(jpeg: bytes, size: int) -> bytes:
    """A valid JPEG of exactly `size` bytes: COM segments (at most 65533 bytes of payload each) after SOI."""
    need = size - len(jpeg)
    segments = []
    while need > 0:
        payload = min(need - 4, 65533)
        if payload < 0:  # fewer than 4 bytes to add: trailing bytes after EOI, which decoders ignore
            break
        segments.append(b"\xff\xfe" + struct.pack(">H", payload + 2) + b"\0" * payload)
        need -= payload + 4
    out = jpeg[:2] + b"".join(segments) + jpeg[2:]
    return out + b"\0" * (size - len(out))


def hostile_images(photo: Image.Image, seed: int = 0, max_pixels: int = 80_000_000,
                   large: bool = True) -> Iterator[tuple[str, bytes]]:
    """`photo`: an ordinary RGB photo. `large=False` leaves out the cases that decode to tens of megapixels."""
    rng = random.Random(seed)
    photo = photo.convert("RGB")
    if max(photo.size) > 640:
        photo = photo.resize((640, round(640 * photo.height / photo.width)))
    noise = Image.fromarray(np.random.default_rng(seed).integers(0, 255, (240, 320, 3), dtype=np.uint8))
    originals = {fmt: encode(photo if fmt != "GIF" else photo.convert("P"), fmt) for fmt in FORMATS}

    for fmt, good in originals.items():
        yield f"{fmt.lower()}-good", good
        for frac in (0.01, 0.3, 0.7, 0.99):
            yield f"{fmt.lower()}-truncated-{frac}", good[: max(1, int(len(good) * frac))]
        for i in range(3):
            flipped = bytearray(good)
            for _ in range(rng.choice([1, 8, 64])):
                pos = rng.randrange(len(flipped))
                flipped[pos] ^= 1 << rng.randrange(8)
            yield f"{fmt.lower()}-bitflip-{i}", bytes(flipped)
    yield "jpeg-progressive-noise", encode(noise, "JPEG", progressive=True)

    # headers that claim more than the bytes hold, or more than the pixel limit
    yield "png-claims-100000x100000", png_claiming(100_000, 100_000)
    yield "png-claims-2^31-wide", png_claiming(2**31 - 1, 1)
    yield "png-claims-0x0", png_claiming(0, 0)
    yield "jpeg-claims-65500x65500", jpeg_claiming(originals["JPEG"], 65500, 65500)
    yield "jpeg-claims-1x65500", jpeg_claiming(originals["JPEG"], 1, 65500)
    yield "png-bomb-30000", png_bomb(30000)
    yield "png-bomb-at-limit", png_bomb(int(max_pixels**0.5) - 8)

    # extreme aspect ratios, legal sizes (the pixel limit caps them)
    sides = [5000, 10000, 65500] + ([max_pixels // 80] if large else [])
    for long in sides:
        if long <= 65500:
            yield f"jpeg-80x{long}", encode(white_strip(80, long), "JPEG")
            yield f"jpeg-{long}x80", encode(white_strip(long, 80), "JPEG")
        if large or long <= 10000:
            yield f"png-80x{long}", encode(white_strip(80, long), "PNG", optimize=False)
            yield f"png-{long}x80", encode(white_strip(long, 80), "PNG", optimize=False)

    # modes and depths
    yield "png-1bit", encode(photo.convert("1"), "PNG")
    yield "png-16bit-gray", encode(photo.convert("L").convert("I;16"), "PNG")
    yield "tiff-16bit-gray", encode(photo.convert("L").convert("I;16"), "TIFF")
    yield "jpeg-cmyk", encode(photo.convert("CMYK"), "JPEG")
    yield "tiff-cmyk", encode(photo.convert("CMYK"), "TIFF")
    palette = photo.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    palette.info["transparency"] = 0
    yield "png-palette-alpha", encode(palette, "PNG", transparency=0)
    yield "png-rgba-transparent", encode(Image.new("RGBA", (200, 200), (0, 0, 0, 0)), "PNG")
    yield "png-la", encode(photo.convert("LA"), "PNG")
    yield "jpeg-gray", encode(photo.convert("L"), "JPEG")
    yield "gif-animated", encode(photo.convert("P"), "GIF", save_all=True,
                                 append_images=[noise.convert("P")] * 3)
    yield "webp-lossless-alpha", encode(photo.convert("RGBA"), "WEBP", lossless=True)

    for orientation in range(1, 9):
        yield f"jpeg-exif-orientation-{orientation}", _with_orientation(photo, orientation)
    bad_exif = bytearray(_with_orientation(photo, 6))
    at = bad_exif.find(b"Exif\0\0")
    bad_exif[at + 10: at + 30] = bytes(rng.randrange(256) for _ in range(20))
    yield "jpeg-exif-garbage", bytes(bad_exif)

    # polyglots and impostors
    yield "jpeg-with-zip-appended", originals["JPEG"] + b"PK\x03\x04" + bytes(200)
    yield "png-with-html-appended", originals["PNG"] + b"<html><script>alert(1)</script></html>"
    yield "html-with-jpeg-magic", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"
    yield "svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="9" height="9"/></svg>'
    yield "pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    yield "empty", b""
    yield "one-byte", b"\xff"
    yield "random-bytes", bytes(rng.randrange(256) for _ in range(4096))

    # the byte limit of Image.Bytes, each side of it
    for delta in (-1, 0, 1):
        yield f"jpeg-5MiB{delta:+d}", _padded_jpeg(originals["JPEG"], FIVE_MIB + delta)
