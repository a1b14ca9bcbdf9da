"""Large images decode band by band, reduced to what the operation's models need (issue 9: bounded memory).

The pixels: the banded path gives what converting and turning the whole image gives, for every mode and EXIF
orientation (the large-image threshold lowered here, so that small images take it). The memory: in a fresh
process, the peak (VmHWM) of decoding 80 MP stays under what the old whole-image conversion needed.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from oculi.services import imaging
from oculi.services.errors import InvalidImageFormat
from oculi.services.imaging import Need
from tests.hostile_images import encode

ROOT = Path(__file__).resolve().parents[2]


def test_need_factor():
    assert Need(short_side=600).factor(8944, 8944) == 14  # 639 px a side; 15 would leave 597
    assert Need(short_side=600).factor(80, 1_000_000) == 1  # a side already under the need stays whole
    assert Need(long_side=2000, pixels=3_000_000).factor(8944, 8944) == 4  # 2236 px: a page's 2000 px are kept
    assert Need(long_side=2000, pixels=3_000_000).factor(80, 1_000_000) == 5  # 16 x 200,000: 3.2 MP for a strip
    assert Need(long_side=2000, pixels=3_000_000).factor(1000, 800) == 1
    assert Need().factor(8944, 8944) == 1  # no bound: every pixel


def _photo(w: int = 160, h: int = 120) -> Image.Image:
    rgb = np.random.default_rng(5).integers(0, 256, (h, w, 3), dtype=np.uint8)
    rgb[:8, :12] = (255, 0, 0)  # a mark in the stored top-left corner
    return Image.fromarray(rgb)


def _old_way(data: bytes) -> np.ndarray:
    img = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    return np.asarray(img.convert("RGB"))


@pytest.fixture
def all_large(monkeypatch):
    monkeypatch.setattr(imaging, "LARGE_PIXELS", 100)
    monkeypatch.setattr(imaging, "BAND_BYTES", 160 * 4 * 10)  # bands of 10 rows


@pytest.mark.parametrize(("mode", "fmt"), [("RGB", "PNG"), ("1", "PNG"), ("L", "PNG"), ("P", "PNG"),
                                           ("RGBA", "PNG"), ("LA", "PNG"), ("I;16", "PNG"), ("RGB", "JPEG"),
                                           ("L", "JPEG"), ("CMYK", "JPEG"), ("CMYK", "TIFF"), ("I;16", "TIFF"),
                                           ("P", "GIF"), ("RGBA", "WEBP")])
def test_banded_conversion_gives_the_same_pixels(all_large, mode, fmt):
    photo = _photo()
    img = photo.convert("L").convert("I;16") if mode == "I;16" else photo.convert(mode)
    data = encode(img, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    out = imaging.decode(data, formats=imaging.ALL_FORMATS)
    assert out.reduced == 1 and out.rgb.flags.c_contiguous and out.rgb.dtype == np.uint8
    assert np.array_equal(out.rgb, _old_way(data))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_banded_orientation_is_exif_transpose(all_large, orientation):
    exif = Image.Exif()
    exif[imaging.ORIENTATION] = orientation
    data = encode(_photo(), "JPEG", exif=exif.tobytes(), quality=95)
    out = imaging.decode(data)
    assert np.array_equal(out.rgb, _old_way(data))


@pytest.mark.parametrize("orientation", [None, 1, 3, 6, 8])
def test_reduced_is_the_whole_image_reduced(all_large, orientation):
    """Sides divisible by the factor: reducing then turning is turning then reducing."""
    exif = Image.Exif()
    if orientation is not None:
        exif[imaging.ORIENTATION] = orientation
    data = encode(_photo(), "PNG", **({"exif": exif.tobytes()} if orientation is not None else {}))
    out = imaging.decode(data, at_least=Need(long_side=40))  # 160 x 120 -> factor 4: 40 x 30
    expected = Image.fromarray(_old_way(data)).reduce(4)
    assert out.reduced == 4 and out.rgb.shape == (expected.height, expected.width, 3)
    assert np.array_equal(out.rgb, np.asarray(expected))


def test_small_images_are_never_reduced_by_a_need():
    """Ordinary photos decode as before: the need reduces large images only."""
    data = encode(_photo(960, 640), "PNG")
    out = imaging.decode(data, at_least=Need(long_side=100))
    assert out.reduced == 1 and out.rgb.shape == (640, 960, 3)


def test_a_large_image_for_a_model_that_needs_less_is_never_whole():
    """An 80 MP page for a text reader that reads at most 2000 px a side: 2236 px a side come back, and the
    full-size RGB (240 MB) is never made (the test asks for the returned size; the peak is measured below)."""
    side = int(80_000_000 ** 0.5)
    data = encode(Image.new("L", (side, side), 255), "PNG")
    out = imaging.decode(data, at_least=Need(long_side=2000, pixels=3_000_000))
    assert out.reduced == 4 and out.rgb.shape == (2236, 2236, 3)
    strip = imaging.decode(encode(Image.new("L", (1_000_000, 80), 255), "PNG"),
                           at_least=Need(long_side=2000, pixels=3_000_000))
    assert strip.reduced == 5 and strip.rgb.shape == (16, 200_000, 3)


PEAK = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from PIL import Image
    from oculi.services import imaging
    from tests.hostile_images import encode, png_bomb

    def status(field):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024

    side = int(80_000_000 ** 0.5)
    case = sys.argv[1]
    if case == "two-threads":  # CompareFaces: one image decoded in another thread, both held
        import threading
        from tests.hostile_images import white_strip
        data = encode(white_strip(1_000_000, 80), "PNG", optimize=False)
        Path("/proc/self/clear_refs").write_text("5")
        rest, held = status("VmRSS"), []
        thread = threading.Thread(target=lambda: held.append(imaging.decode(data)))
        thread.start()
        thread.join()
        held.append(imaging.decode(data))
        print(json.dumps({"over_mib": status("VmHWM") - rest, "shape": list(held[1].rgb.shape)}))
        sys.exit()
    if case == "bomb":
        data, need = png_bomb(side - 8), None
    else:
        data, need = encode(Image.new("RGB", (side, side), "white"), "PNG"), imaging.Need(long_side=2000,
                                                                                           pixels=3_000_000)
    Path("/proc/self/clear_refs").write_text("5")
    rest = status("VmRSS")
    out = imaging.decode(data, at_least=need)
    print(json.dumps({"over_mib": status("VmHWM") - rest, "shape": list(out.rgb.shape)}))
""")


def _peak(case: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PEAK, case], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_peak_of_an_80_mp_bomb_is_its_depth_plus_the_rgb():
    """The 1-bit bomb at the pixel limit (79.9 MP): 80 MB decoded (a byte a pixel) and 240 MB of RGB, never the
    320 MB of Pillow's RGB more (the whole-image conversion peaked at 560 MB over the process)."""
    result = _peak("bomb")
    assert result["shape"] == [8936, 8936, 3]
    assert result["over_mib"] < 400


def test_peak_of_an_80_mp_png_for_text_is_its_decoded_form():
    """An 80 MP RGB PNG decoded for the text reader: Pillow's decoded pixels (305 MiB, 4 bytes a pixel) and 15 MB
    reduced, not 240 MB of full-size RGB beside them (545 MiB)."""
    result = _peak("page")
    assert result["shape"] == [2236, 2236, 3]
    assert result["over_mib"] < 400


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_truncated_large_image_is_still_an_invalid_format(all_large, fmt):
    """As for any image."""
    data = encode(_photo(), fmt)
    with pytest.raises(InvalidImageFormat):
        imaging.decode(data[: len(data) * 2 // 3])


def test_peak_of_two_80_mp_images_decoded_in_two_threads():
    """The first image's decode memory is handed back, not kept in its thread's malloc arena: 240 MB held plus
    one decode (545 MiB), not that plus ~300 MB left from the first (957 MiB with Pillow's 16 MB blocks)."""
    result = _peak("two-threads")
    assert result["shape"] == [80, 1_000_000, 3]
    assert result["over_mib"] < 870


def test_detect_text_asks_for_what_the_reader_looks_at(models):
    """DetectText's need comes from the text reader: a page shrunk to 2000 px a side, a strip to 3 MP."""
    from oculi.services.text import decode_need

    assert decode_need(models) == Need(long_side=2000, pixels=3_000_000)
