"""Test videos made by the tests, encoded with PyAV (H.264 in MP4), from ../shared/data photos and drawn frames.

The storyboard clip (320x240, 10 fps, 10 s), with its ground truth in SCENES:
  0.0-2.0 s  a pan across a VOC photo (a dining room)
  2.0-4.0 s  cut to a photo of two known people (Biden and Obama)
  4.0-5.0 s  cut to burned-in text
  5.0-6.0 s  black frames
  6.0-7.0 s  SMPTE colour bars
  7.0-10.0 s a person (not in any collection) walking left to right behind a pillar (an occluder)
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import data, load_rgb

W, H, FPS = 320, 240, 10
SCENES = {"pan": (0, 20), "people": (20, 40), "text": (40, 50), "black": (50, 60), "bars": (60, 70),
          "walk": (70, 100)}  # frame ranges [first, end)
CUTS = [20, 40, 50, 60, 70]  # frames where a new shot or cue starts
WORDS = ("OCULI", "VIDEO")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
PILLAR = (150, 200)  # the occluder's columns during the walk


def _fit(rgb: np.ndarray, w: int, h: int) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).resize((w, h), Image.BILINEAR))


def pan_frames(n: int) -> list[np.ndarray]:
    photo = load_rgb(data("objects/voc2007/images-optional/2007_000129.jpg"))
    scale = H / photo.shape[0]
    wide = _fit(photo, int(photo.shape[1] * scale), H)
    span = max(wide.shape[1] - W, 1)
    return [wide[:, int(span * i / max(n - 1, 1)):][:, :W] for i in range(n)]


def people_frame() -> np.ndarray:
    photo = load_rgb(data("faces/face_recognition/examples/two_people.jpg"))  # 1126x661: Biden, Obama
    h = photo.shape[0]
    w = int(h * W / H)
    x0 = (photo.shape[1] - w) // 2
    return _fit(photo[:, x0:x0 + w], W, H)


def text_frame() -> np.ndarray:
    img = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 44)
    draw.text((30, 50), WORDS[0], font=font, fill=(0, 0, 0))
    draw.text((30, 130), WORDS[1], font=font, fill=(0, 0, 0))
    return np.asarray(img)


def bars_frame() -> np.ndarray:
    """SMPTE ECR 1-1978 bars: seven 75% bars over two thirds, the castellations, then the bottom band."""
    top = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0), (0, 0, 191)]
    mid = [(0, 0, 191), (19, 19, 19), (191, 0, 191), (19, 19, 19), (0, 191, 191), (19, 19, 19), (191, 191, 191)]
    img = np.zeros((H, W, 3), np.uint8)
    edges = np.linspace(0, W, 8).astype(int)
    for i in range(7):
        img[: H * 2 // 3, edges[i]:edges[i + 1]] = top[i]
        img[H * 2 // 3: H * 3 // 4, edges[i]:edges[i + 1]] = mid[i]
    bottom = [(0, 33, 76), (255, 255, 255), (50, 0, 106), (19, 19, 19), (19, 19, 19), (19, 19, 19), (19, 19, 19)]
    for i in range(7):
        img[H * 3 // 4:, edges[i]:edges[i + 1]] = bottom[i]
    return img


def person_cutout() -> np.ndarray:
    photo = load_rgb(data("faces/aws-rekognition-lambda/Jim-Carrey.jpg"))  # 1080x1440: head and shoulders
    return _fit(photo, 108, 144)


def walk_frames(n: int) -> list[np.ndarray]:
    person = person_cutout()
    ph, pw = person.shape[:2]
    frames = []
    for i in range(n):
        img = np.full((H, W, 3), (120, 160, 110), np.uint8)  # a green wall
        x = int(-20 + (W - pw + 40) * i / max(n - 1, 1))
        y = H - ph
        x0, x1 = max(x, 0), min(x + pw, W)
        img[y:, x0:x1] = person[:, x0 - x: x1 - x]
        img[:, PILLAR[0]:PILLAR[1]] = (90, 70, 60)  # the pillar, in front of the person
        frames.append(img)
    return frames


def storyboard() -> list[np.ndarray]:
    frames = pan_frames(20)
    frames += [people_frame()] * 20
    frames += [text_frame()] * 10
    frames += [np.zeros((H, W, 3), np.uint8)] * 10
    frames += [bars_frame()] * 10
    frames += walk_frames(30)
    return frames


def encode(frames: list[np.ndarray], path: Path, fps: int = FPS, codec: str = "libx264",
           container: str | None = None, gop: int = 12, crf: int = 18) -> Path:
    with av.open(str(path), mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=Fraction(fps))
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": str(crf), "g": str(gop), "preset": "veryfast"}
        for rgb in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def storyboard_mp4(path: Path) -> Path:
    return encode(storyboard(), path)


# The transitions clip (320x240, 25 fps, 10 s): gradual transitions, with their ground truth in TRANSITIONS.
#   0-49     shot A: a diagonal pan across a VOC photo (a street), still panning through the dissolve
#   50-74    a 1 s linear dissolve from A into B (frame 50 + i is (i + 1) / 26 of B), its middle at frame 62
#   75-124   shot B: two known people
#   125      cut to C: another VOC photo
#   175-199  a 1 s fade through black: C fades out over 12 frames to a black frame 187, D fades up over 12
#   200-249  shot D: a person walking behind a pillar (motion, no transition)
T_FPS = 25
TRANSITIONS = {"dissolve": (50, 75), "cut": (125, 126), "fade": (175, 200)}  # [first, end) of each transition
TRANSITION_MIDDLES = [62, 125, 187]  # where a new shot should start


def fade_alpha(i: int) -> float:
    """Brightness of frame 175 + i of the fade through black (0 <= i < 25): 1 -> 0 at i = 12 -> 1."""
    return abs(i - 12) / 12


def transition_frames() -> list[np.ndarray]:
    street = load_rgb(data("objects/voc2007/images-optional/2007_000129.jpg"))
    wide = _fit(street, int(street.shape[1] * 1.5 * H / street.shape[0]), int(H * 1.5))
    pan = [wide[int((wide.shape[0] - H) * i / 74):][:H, int((wide.shape[1] - W) * i / 74):][:, :W] for i in range(75)]
    people = people_frame()
    other = load_rgb(data("objects/voc2007/images-optional/2007_000032.jpg"))
    c = _fit(other, W, H)
    walk = walk_frames(50)
    frames = pan[:50]
    for i in range(25):
        a = (i + 1) / 26
        frames.append(np.rint((1 - a) * pan[50 + i].astype(np.float32) + a * people).astype(np.uint8))
    frames += [people] * 50
    frames += [c] * 50
    for i in range(25):
        base = c if i < 12 else walk[0]
        frames.append(np.rint(fade_alpha(i) * base.astype(np.float32)).astype(np.uint8))
    frames += walk
    return frames


def transitions_mp4(path: Path) -> Path:
    return encode(transition_frames(), path, fps=T_FPS)
