"""`oculi analyze clip.mp4`: a video analysed in this process (no server, no queue), chunk by chunk with a
progress bar, then a summary; --json prints the full timeline."""

from __future__ import annotations

import json
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from oculi.services.collections import Scope
from oculi.video import chunks, decode, sampling, timeline
from oculi.video.features import Context

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".wmv", ".flv"})
LOCAL_FEATURES = ("labels", "faces", "text", "moderation", "segments", "persons")


def analyze_file(path: Path, features: list[str], analyzer, progress=None) -> tuple[decode.VideoInfo, dict]:
    settings = analyzer.settings
    info, _audio = decode.probe(str(path))
    plan = chunks.plan(info, settings.video_chunk_seconds)
    ctx = Context(analyzer.models, None, Scope(settings.rest_account, settings.rest_region),
                  settings.face_tile_min_side)
    rates = sampling.rates(settings.video_sample_fps)
    state, done = {}, []
    with ThreadPoolExecutor(max(settings.video_frame_threads, 1)) as pool:
        for first, end in plan:
            result = chunks.run(str(path), info, features, {}, ctx, first, end, state, rates, pool)
            state = result.state
            done.append({"records": result.records, "rows": result.rows})
            if progress:
                progress((end - first) / info.frame_rate)
    return info, timeline.assemble(features, {}, info, done)


def summary(info: decode.VideoInfo, results: dict) -> str:
    lines = [f"{info.duration_ms / 1000:.1f} s, {info.width}x{info.height} {info.codec} at {info.frame_rate:g} fps "
             f"({info.format})"]
    if "labels" in results:
        counts = Counter(r["Label"]["Name"] for r in results["labels"])
        lines.append("labels: " + (", ".join(f"{n} ({c})" for n, c in counts.most_common(12)) or "none"))
    if "segments" in results:
        shots = [s for s in results["segments"] if s["Type"] == "SHOT"]
        cues = [f"{s['TechnicalCueSegment']['Type']} {s['StartTimecodeSMPTE']}-{s['EndTimecodeSMPTE']}"
                for s in results["segments"] if s["Type"] == "TECHNICAL_CUE"]
        lines.append(f"shots: {len(shots)} (" + ", ".join(s["StartTimecodeSMPTE"] for s in shots) + ")")
        lines.append("technical cues: " + (", ".join(cues) or "none"))
    if "faces" in results:
        lines.append(f"faces: {len(results['faces'])} detections")
    if "persons" in results:
        lines.append(f"people tracked: {len({r['Person']['Index'] for r in results['persons']})}")
    if "text" in results:
        words = dict.fromkeys(r["TextDetection"]["DetectedText"] for r in results["text"]
                              if r["TextDetection"]["Type"] == "LINE")
        lines.append("text: " + (" | ".join(words) or "none"))
    if "moderation" in results:
        names = Counter(r["ModerationLabel"]["Name"] for r in results["moderation"])
        lines.append("moderation: " + (", ".join(f"{n} ({c})" for n, c in names.most_common()) or "nothing flagged"))
    return "\n".join(lines)


def cmd_analyze_video(args, analyzer) -> int:
    from tqdm import tqdm

    from oculi.services.errors import ServiceError

    features = [f.strip() for f in args.features.split(",") if f.strip() in LOCAL_FEATURES]
    if not features:
        print(f"error: choose video features from {', '.join(LOCAL_FEATURES)}", file=sys.stderr)
        return 1
    try:
        info, _ = decode.probe(args.image)
        with tqdm(total=round(info.duration_ms / 1000, 1), unit="s", desc="analysing", file=sys.stderr,
                  bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} s [{elapsed}<{remaining}]") as bar:
            info, results = analyze_file(Path(args.image), features, analyzer, lambda s: bar.update(round(s, 3)))
    except (OSError, ServiceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"video": vars(info), "results": results}, indent=2) if args.json else summary(info, results))
    return 0
