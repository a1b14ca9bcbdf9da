"""Decoding with PyAV: what a video is (VideoMetadata, AudioMetadata) and its frames over a window of time.

Why PyAV rather than OpenCV's VideoCapture: PyAV's wheel carries FFmpeg's libraries (every codec FFmpeg
decodes: H.264, HEVC, VP8/9, AV1, MPEG-4, MJPEG... in MP4/MOV, Matroska/WebM, AVI, MPEG-TS), and it exposes
what the sampling needs and VideoCapture hides: frame timestamps in the stream's time base, seeking to a
keyframe before a window, the colour range and codec names, audio streams, conversion and scaling of only the
frames that are kept (libswscale, straight to the size a model wants), and FFmpeg's frame threads.

Frames outside every sampling grid are decoded (a codec cannot skip them: later frames depend on them) but
never converted to RGB, which is most of the per-frame cost; a window starts with a seek to the keyframe
before it, so a job resumed at chunk k reads only from there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from oculi.errors import ErrorKind, ServiceError

LOG = logging.getLogger(__name__)


class UnreadableVideo(ServiceError):
    """Not a video the decoder reads: corrupt, truncated, empty, or a codec it does not know."""

    kind = ErrorKind.INVALID_PARAMETER


@dataclass(frozen=True)
class VideoInfo:
    """Rekognition's VideoMetadata, plus what the sampling needs."""

    codec: str
    format: str
    duration_ms: int
    frame_rate: float
    width: int
    height: int
    color_range: str  # FULL | LIMITED
    frames: int  # frames in the stream (counted from the duration when the container does not say)


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    duration_ms: int
    sample_rate: int
    channels: int


@dataclass
class Frame:
    """One decoded frame; `pixels(...)` converts (and scales) it only when a feature keeps it."""

    number: int  # 0-based, from the timestamp and the frame rate
    time: float  # seconds from the start of the stream
    raw: av.VideoFrame

    @property
    def millis(self) -> int:
        return int(round(self.time * 1000))

    def rgb(self, max_side: int | None = None) -> np.ndarray:
        w, h = self.raw.width, self.raw.height
        if max_side and max(w, h) > max_side:
            scale = max_side / max(w, h)
            w, h = max(2, int(round(w * scale))), max(2, int(round(h * scale)))
            return self.raw.to_ndarray(format="rgb24", width=w, height=h)
        return self.raw.to_ndarray(format="rgb24")

    def glance(self, luma_size: tuple[int, int], colour_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """A small luma image (the decoder's own Y values, in the video's range) and a smaller RGB one, for the
        detectors that look at every frame. For 4:2:0 video (nearly all of it) both are read straight from the
        decoded planes, a sample every few pixels, with no conversion of the whole frame: ~50x cheaper than
        libswscale scaling it twice."""
        f = self.raw
        if f.format.name not in ("yuv420p", "yuvj420p"):
            luma = f.to_ndarray(format="gray", width=luma_size[0], height=luma_size[1])
            return luma, f.to_ndarray(format="rgb24", width=colour_size[0], height=colour_size[1])
        (lw, lh), (cw, ch) = luma_size, colour_size
        y = _plane(f, 0)
        luma = y[_grid(f.height, lh)][:, _grid(f.width, lw)]
        rows, cols = _grid(f.height // 2, ch), _grid(f.width // 2, cw)
        u = _plane(f, 1)[rows][:, cols].astype(np.float32) - 128.0
        v = _plane(f, 2)[rows][:, cols].astype(np.float32) - 128.0
        yy = y[rows * 2][:, cols * 2].astype(np.float32)
        if f.format.name == "yuv420p":  # limited range: 16-235 luma, 16-240 chroma
            yy, u, v = (yy - 16.0) * (255 / 219), u * (255 / 224), v * (255 / 224)
        rgb = np.stack([yy + 1.402 * v, yy - 0.344136 * u - 0.714136 * v, yy + 1.772 * u], axis=-1)
        return luma, np.clip(rgb, 0, 255).astype(np.uint8)


def _plane(frame: av.VideoFrame, index: int) -> np.ndarray:
    plane = frame.planes[index]
    return np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)


def _grid(size: int, n: int) -> np.ndarray:
    """n sample positions spread evenly over size pixels (the centres of n equal cells)."""
    return ((np.arange(n) + 0.5) * size / n).astype(np.intp)


def _open(path: str):
    try:
        container = av.open(path, mode="r", metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise UnreadableVideo(f"Unsupported or corrupt video: the decoder could not read the container ({exc})") \
            from None
    if not container.streams.video:
        container.close()
        raise UnreadableVideo("Unsupported video: the file has no video stream")
    return container


def probe(path: str) -> tuple[VideoInfo, list[AudioInfo]]:
    container = _open(path)
    try:
        vs = container.streams.video[0]
        cc = vs.codec_context
        if not cc.name or cc.width <= 0 or cc.height <= 0:
            raise UnreadableVideo("Unsupported video: the decoder does not know the video codec")
        rate = vs.average_rate or vs.guessed_rate or vs.base_rate or Fraction(30)
        duration = _seconds(vs.duration, vs.time_base)
        if duration is None and container.duration:
            duration = container.duration / av.time_base
        if not duration or duration <= 0:
            raise UnreadableVideo("Corrupt or empty video: no duration and no frames could be read")
        frames = vs.frames or int(round(duration * float(rate)))
        color = "FULL" if getattr(cc, "color_range", 0) == 2 else "LIMITED"
        video = VideoInfo(codec=cc.name, format=container.format.long_name or container.format.name,
                          duration_ms=int(round(duration * 1000)), frame_rate=round(float(rate), 3),
                          width=cc.width, height=cc.height, color_range=color, frames=frames)
        audio = []
        for a in container.streams.audio:
            a_duration = _seconds(a.duration, a.time_base) or duration
            audio.append(AudioInfo(codec=a.codec_context.name or "unknown", duration_ms=int(round(a_duration * 1000)),
                                   sample_rate=a.codec_context.sample_rate or 0,
                                   channels=getattr(a.codec_context, "channels", 0) or 0))
        return video, audio
    finally:
        container.close()


def _seconds(value, base) -> float | None:
    return float(value * base) if value and base else None


def frames(path: str, info: VideoInfo, start: float, end: float) -> Iterator[Frame]:
    """Every frame whose time is in [start, end), in order. A broken packet after the first good frames ends
    the window with UnreadableVideo naming the time it stopped at."""
    container = _open(path)
    try:
        vs = container.streams.video[0]
        vs.thread_type = "AUTO"  # FFmpeg's frame + slice threads
        if start > 0:
            container.seek(int(start / vs.time_base), stream=vs, backward=True, any_frame=False)
        origin = float(vs.start_time * vs.time_base) if vs.start_time is not None else 0.0
        fps, last = info.frame_rate, -1
        try:
            for raw in container.decode(vs):
                if raw.pts is None:
                    continue
                t = float(raw.pts * vs.time_base) - origin
                if t < start - 0.5 / fps:
                    continue
                if t >= end - 0.5 / fps:
                    return
                number = int(round(t * fps))
                if number <= last:  # a repeated timestamp: keep one frame per number
                    continue
                last = number
                yield Frame(number, number / fps, raw)
        except av.FFmpegError as exc:
            raise UnreadableVideo(f"Corrupt or truncated video: decoding stopped at {max(last, 0) / fps:.2f} s "
                                  f"({exc})") from None
    finally:
        container.close()
