"""The committed chunks of a job -> its results: each feature's records in timeline order; the segments from
the per-frame signals of every chunk (a cut on a chunk boundary is found: the first frame of a chunk is
compared with the last of the previous one, carried in the chunk's state)."""

from __future__ import annotations

from oculi.video import segments as seg
from oculi.video.decode import VideoInfo

SHOT_MODEL = "oculi-shots-2 (hard cuts, dissolves by the linear-mix test, fades through black)"
CUE_MODEL = "oculi-cues-1 (black frames, SMPTE/EBU colour bars)"


def segment_records(rows: list, info: VideoInfo, params: dict) -> list[dict]:
    types = set(params.get("segment_types") or ["SHOT", "TECHNICAL_CUE"])
    black = seg.BlackFrameFilter(**params.get("black_frame", {}))
    found = seg.segments(rows, black, info.frames - 1, types, params.get("shot_min_confidence", 50.0),
                         params.get("cue_min_confidence", 50.0), info.frame_rate)
    rate, out = info.frame_rate, []
    for s in found:
        start, end = seg.millis(s.first, rate), seg.millis(s.last + 1, rate)
        item = {"Type": s.type, "StartTimestampMillis": start, "EndTimestampMillis": end,
                "DurationMillis": end - start, "StartTimecodeSMPTE": seg.timecode(s.first, rate),
                "EndTimecodeSMPTE": seg.timecode(s.last + 1, rate),
                "DurationSMPTE": seg.timecode(s.last - s.first + 1, rate), "StartFrameNumber": s.first,
                "EndFrameNumber": s.last, "DurationFrames": s.last - s.first + 1}
        if s.type == "SHOT":
            item["ShotSegment"] = {"Index": s.index, "Confidence": float(s.confidence)}
        else:
            item["TechnicalCueSegment"] = {"Type": s.cue, "Confidence": float(s.confidence)}
        out.append(item)
    return out


def assemble(features: list[str], params: dict, info: VideoInfo, chunks: list[dict]) -> dict[str, list[dict]]:
    """`chunks`: the decoded chunk payloads in order ({"records": {...}, "rows": [...]})."""
    out: dict[str, list[dict]] = {}
    for name in features:
        if name == "segments":
            rows = [tuple(r) for c in chunks for r in c.get("rows", [])]
            out[name] = segment_records(rows, info, params)
        else:
            out[name] = [r for c in chunks for r in c["records"].get(name, [])]
    return out


def segment_types_info(params: dict) -> list[dict]:
    models = {"SHOT": SHOT_MODEL, "TECHNICAL_CUE": CUE_MODEL}
    return [{"Type": t, "ModelVersion": models[t]} for t in params.get("segment_types") or ["SHOT", "TECHNICAL_CUE"]]
