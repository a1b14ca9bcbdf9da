"""What an image's shape costs each image operation: time and peak memory of one call on white images of extreme
shape (issue 9), each in a fresh process after a warm-up call on a 640x480 image.

Usage: python bench/text_shapes.py [--ops text labels faces moderation] [--shapes 80x5000 10000x80 ...]
                                   [--out bench/results/text_shapes.json]

Reported per (operation, shape): seconds for decode + operation, the process's peak RSS (ru_maxrss) and how much
the call raised it above the warm-up's peak, and the outcome (the number of answers, or the error).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHAPES = ["80x5000", "80x10000", "10000x80", "80x20000", "20000x80", "80x65500", "1000x12000", "2000x2000"]

ONE = """
import io, json, resource, sys, time
import numpy as np
from PIL import Image
from oculi.config import Settings
from oculi.services.analysis import Analyzer
from oculi.services import faces, labels, moderation, text

op, (w, h) = sys.argv[1], map(int, sys.argv[2].split("x"))
analyzer = Analyzer(Settings())
m = analyzer.models
call = {"text": lambda rgb: text.detect_text(m, rgb), "labels": lambda rgb: labels.detect_labels(m, rgb),
        "faces": lambda rgb: faces.detect_faces(m, rgb, attributes=True),
        "moderation": lambda rgb: moderation.detect_moderation_labels(m, rgb)}[op]
call(np.full((480, 640, 3), 255, np.uint8))
buf = io.BytesIO()
Image.new("RGB", (w, h), "white").save(buf, "PNG")
warm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    outcome = f"{len(call(analyzer.from_bytes(buf.getvalue()).rgb))} answers"
except Exception as exc:
    outcome = f"{type(exc).__name__}: {exc}"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"op": op, "shape": sys.argv[2], "png_bytes": len(buf.getvalue()),
                  "seconds": round(time.perf_counter() - started, 2), "peak_mb": round(peak / 1024),
                  "growth_mb": round((peak - warm) / 1024), "outcome": outcome}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", nargs="+", default=["text", "labels", "faces", "moderation"])
    parser.add_argument("--shapes", nargs="+", default=SHAPES)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "text_shapes.json")
    args = parser.parse_args()
    rows = []
    for op in args.ops:
        for shape in args.shapes:
            run = subprocess.run([sys.executable, "-c", ONE, op, shape], capture_output=True, text=True, cwd=ROOT,
                                 timeout=1800)
            row = json.loads(run.stdout.strip().splitlines()[-1]) if run.returncode == 0 else \
                {"op": op, "shape": shape, "outcome": f"exit {run.returncode}: {run.stderr[-500:]}"}
            print(json.dumps(row), flush=True)
            rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
