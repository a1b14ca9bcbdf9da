"""Peak memory of one worker process for the largest legal images, per image operation (issue 9).

Usage: python bench/large_image_memory.py [--ops DetectText,...] [--cases png-page-80mp,...] [--concurrent]
                                          [--label NAME] [--out FILE]

bench/hostile.py measures a whole server under thousands of hostile inputs; this finds which operation and which
input make its peak. Each (operation, input) runs in a fresh process that builds the app (`create_app`), warms
every operation up on an ordinary photo (every model loaded, OCR included, as in a server's worker), hands freed
heap back, resets the kernel's high-water mark (`/proc/self/clear_refs`, 5) and then sends the one request
through the ASGI app in-process (the request body, the large-image hold and the operation's whole path).
Reported per case: resting RSS, the peak (VmHWM) during the request, the peak over resting, the status and the
time. `--concurrent` also sends, from a second client while the large one runs (two clients per worker in
bench/hostile.py), the worst request that is not a large image: DetectText on a 2000x1500 page (3 MP, whose text
detector alone takes ~0.75 GB).

The inputs are the worst legal ones, at most 5 MiB each (Image.Bytes) and at most the pixel limit
(`max_image_pixels`, 80 MP): the 1-bit bomb at the limit and the 80xN / Nx80 PNG strips of tests/hostile_images.py,
an 80 MP photo (JPEG), an 80 MP page with text (PNG, RGB), 16-bit gray and CMYK at the limit, and for the REST
API (which reads more formats) TIFF, GIF and WebP at the limit.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT))

from tests.hostile_images import encode, hostile_images  # noqa: E402

PHOTO = DATA / "faces/face_recognition/examples/obama.jpg"
FIVE_MIB = 5 * 1024 * 1024
LIMIT = 80_000_000
SIDE = int(LIMIT**0.5)  # 8944: a square at the pixel limit
REKOGNITION_OPS = ["DetectLabels", "DetectFaces", "CompareFaces", "DetectText", "DetectModerationLabels",
                   "SearchFacesByImage", "IndexFaces"]
REST = "RestAnalyze"  # POST /v1/analyze: the upload pipeline's analysis (report.run), every feature
BOTH = "CompareFaces2"  # CompareFaces with the large image as source and target (both decode at once)
COLLECTION = "bench-large"


def _page(mode: str = "RGB") -> Image.Image:
    """A white page at the pixel limit with lines of large black text: the detector finds regions in it."""
    img = Image.new("L", (SIDE, SIDE), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=160)
    for i, y in enumerate(range(400, SIDE - 400, 1100)):
        draw.text((400, y), f"OCULI LARGE PAGE LINE {i} RECOGNITION", fill=0, font=font)
    return img.convert(mode) if mode != "L" else img


def _photo_at_limit() -> Image.Image:
    photo = Image.open(PHOTO).convert("RGB")
    scale = (LIMIT / (photo.width * photo.height)) ** 0.5
    return photo.resize((int(photo.width * scale), int(photo.height * scale)), Image.Resampling.BILINEAR)


def _jpeg_within(img: Image.Image, limit: int = FIVE_MIB, **kw) -> bytes:
    for quality in (85, 70, 50, 30, 15):
        data = encode(img, "JPEG", quality=quality, **kw)
        if len(data) <= limit:
            return data
    raise ValueError("no JPEG quality fits the limit")


def make_cases(chosen: list[str] | None = None) -> dict[str, tuple[bytes, bool]]:
    """name -> (bytes, whether Rekognition's operations read it: JPEG/PNG; the others go to the REST API only)."""
    def hostile(name):
        return lambda: dict(hostile_images(Image.open(PHOTO), seed=0))[name]

    makers = {
        "png-bomb-at-limit": (hostile("png-bomb-at-limit"), True),
        "png-80x1000000": (hostile("png-80x1000000"), True),
        "png-1000000x80": (hostile("png-1000000x80"), True),
        "jpeg-photo-80mp": (lambda: _jpeg_within(_photo_at_limit()), True),
        "png-page-80mp": (lambda: encode(_page(), "PNG"), True),
        "png-page-3mp": (lambda: encode(_small_page(2000, 1500), "PNG"), True),  # not large: the reference
        "png-16bit-80mp": (lambda: encode(_page("L").convert("I;16"), "PNG"), True),
        "jpeg-cmyk-80mp": (lambda: _jpeg_within(_page("CMYK")), True),
        "tiff-16bit-80mp": (lambda: encode(_page("L").convert("I;16"), "TIFF", compression="tiff_deflate"), False),
        "tiff-cmyk-80mp": (lambda: encode(_page("CMYK"), "TIFF", compression="tiff_deflate"), False),
        "gif-80mp": (lambda: encode(_page("P"), "GIF"), False),
        "webp-80mp": (lambda: encode(_page(), "WEBP", lossless=True), False),
    }
    cases = {}
    for name in chosen or list(makers):
        make, rekognition = makers[name]
        data = make()
        assert len(data) <= FIVE_MIB, f"{name}: {len(data)} bytes"
        cases[name] = (data, rekognition)
    return cases


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def mib(kib: int) -> float:
    return round(kib / 1024, 1)


def _request(op: str, image: bytes, good: bytes) -> dict:
    img = {"Bytes": base64.b64encode(image).decode()}
    return {"DetectLabels": {"Image": img, "Features": ["GENERAL_LABELS", "IMAGE_PROPERTIES"]},
            "DetectFaces": {"Image": img, "Attributes": ["ALL"]},
            "CompareFaces": {"SourceImage": {"Bytes": base64.b64encode(good).decode()}, "TargetImage": img},
            BOTH: {"SourceImage": img, "TargetImage": img},
            "DetectText": {"Image": img},
            "DetectModerationLabels": {"Image": img},
            "SearchFacesByImage": {"CollectionId": COLLECTION, "Image": img},
            "IndexFaces": {"CollectionId": COLLECTION, "Image": img, "MaxFaces": 2}}[op]


def send(client, op: str, image: bytes, good: bytes) -> tuple[int, str]:
    if op == REST:
        r = client.post("/v1/analyze", files={"image": ("image", image)},
                        data={"features": "labels,faces,text,moderation,properties"})
        return r.status_code, "ok" if r.status_code == 200 else str(r.json().get("detail", r.status_code))[:80]
    r = client.post("/", content=json.dumps(_request(op, image, good)).encode(),
                    headers={"x-amz-target": f"RekognitionService.{op.rstrip('2')}",
                             "content-type": "application/x-amz-json-1.1"})
    return r.status_code, "ok" if r.status_code == 200 else r.json().get("__type", str(r.status_code))


def child(op: str, path: str, concurrent: bool) -> dict:
    """One measurement in this (fresh) process."""
    from fastapi.testclient import TestClient

    from oculi.app import create_app
    from oculi.ml import memory

    good = PHOTO.read_bytes()
    small = [good, encode(_small_page(640, 480), "PNG")]
    heavy_small = encode(_small_page(2000, 1500), "PNG")  # under the large-image size, but a heavy text read
    client = TestClient(create_app(), raise_server_exceptions=False)
    send_json(client, "CreateCollection", {"CollectionId": COLLECTION})
    for warm_op in REKOGNITION_OPS:  # every model loaded, as in a warm worker
        send(client, warm_op, good, good)
    send(client, "DetectText", small[1], good)
    memory.trim()
    time.sleep(0.5)
    resting = status_kib("VmRSS")
    warm_peak = status_kib("VmHWM")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    data = Path(path).read_bytes()
    stop, beside = threading.Event(), []

    def other_client():
        other = TestClient(client.app, raise_server_exceptions=False)
        while not stop.is_set():  # the worst small request: a 2000 px page read (~0.75 GB of text detector)
            status, _ = send(other, "DetectText", heavy_small, good)
            beside.append(status)

    thread = threading.Thread(target=other_client, daemon=True) if concurrent else None
    if thread:
        thread.start()
        time.sleep(2.0)  # its first read under way
    t = time.perf_counter()
    status, code = send(client, op, data, good)
    seconds = time.perf_counter() - t
    stop.set()
    if thread:
        thread.join(120)
    peak = status_kib("VmHWM")
    return {"status": status, "code": code, "seconds": round(seconds, 2), "resting_mib": mib(resting),
            "warm_peak_mib": mib(warm_peak), "peak_mib": mib(peak), "peak_over_resting_mib": mib(peak - resting),
            "after_mib": mib(status_kib("VmRSS")), "beside_requests": len(beside),
            "beside_5xx": sum(s >= 500 for s in beside)}


def _small_page(w: int, h: int) -> Image.Image:
    img = Image.new("RGB", (w, h), "white")
    for y in range(h // 10, h - 60, max(80, h // 6)):
        ImageDraw.Draw(img).text((w // 16, y), "Small page of text", fill="black",
                                 font=ImageFont.load_default(size=max(24, h // 10)))
    return img


def send_json(client, target: str, body: dict) -> None:
    client.post("/", content=json.dumps(body).encode(), headers={
        "x-amz-target": f"RekognitionService.{target}", "content-type": "application/x-amz-json-1.1"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", default=",".join(REKOGNITION_OPS + [BOTH, REST]))
    parser.add_argument("--cases", default="")
    parser.add_argument("--concurrent", action="store_true", help="a second client sends ordinary requests beside")
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/large_image_memory.json")
    parser.add_argument("--child", nargs=2, metavar=("OP", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child[0], args.child[1], args.concurrent)))
        return

    cases = make_cases([c for c in args.cases.split(",") if c])
    chosen = list(cases)
    ops = [o for o in args.ops.split(",") if o]
    results = []
    with tempfile.TemporaryDirectory(prefix="oculi-large-") as tmp:
        for name in chosen:
            data, rekognition = cases[name]
            path = Path(tmp) / name
            path.write_bytes(data)
            for op in ops:
                if op != REST and not rekognition:
                    continue
                env = dict(os.environ, OCULI_DATA_DIR=str(Path(tmp) / f"data-{name}-{op}"), OCULI_LOG_FORMAT="text")
                proc = subprocess.run([sys.executable, __file__, "--child", op, str(path)]
                                      + (["--concurrent"] if args.concurrent else []),
                                      env=env, capture_output=True, text=True, timeout=1800)
                line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
                row = {"case": name, "bytes": len(data), "op": op}
                row |= json.loads(line[7:]) if line else {"error": proc.stderr[-2000:]}
                results.append(row)
                print(json.dumps(row), flush=True)
    out = {"label": args.label, "concurrent": args.concurrent,
           "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
           "command": " ".join(["python", "bench/large_image_memory.py", *sys.argv[1:]]), "results": results,
           "worst": max(results, key=lambda r: r.get("peak_mib", 0), default=None)}
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    runs = previous.get("runs", []) + [out]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"runs": runs}, indent=2))


if __name__ == "__main__":
    main()
