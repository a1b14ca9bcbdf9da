"""Hostile images (tests/hostile_images.py, fixed seed) through boto3 to every image operation and through the REST
upload: never a 5xx, only errors the operation declares, every success in its output shape, a failure caused by
the image attempted once by the pipeline, and each server process's peak memory under MAX_PROCESS_BYTES.

MAX_PROCESS_BYTES: 2 GiB per process (uvicorn worker, queue worker, embedding processes), the budget README
gives for a worker. Every model loaded and OCR run takes ~0.85 GiB; the rest is what one request may cost:
the largest legal input here decodes to 80 MP (240 MB of RGB)."""

from __future__ import annotations

from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from PIL import Image

from tests.conftest import Server, assert_shape, data
from tests.hostile_images import hostile_images

MAX_PROCESS_BYTES = 2 * 1024**3
PROTOCOL_ERRORS = {"ValidationException", "SerializationException"}
CASES = list(hostile_images(Image.open(data("faces/face_recognition/examples/obama.jpg"))))
GOOD = dict(CASES)["jpeg-good"]


@pytest.fixture(scope="module")
def hostile_server(pack, tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("hostile"), workers=1,
                    env={"OCULI_RETRY_BASE_SECONDS": "0.3", "OCULI_EMBEDDING_PROCESSES": "1"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(hostile_server):
    # parameter_validation off: the server, not botocore, must refuse an empty or oversized blob
    return boto3.client("rekognition", endpoint_url=hostile_server.url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(retries={"max_attempts": 1}, read_timeout=600, parameter_validation=False))


def _calls(client, image: bytes):
    yield "DetectLabels", lambda: client.detect_labels(Image={"Bytes": image},
                                                       Features=["GENERAL_LABELS", "IMAGE_PROPERTIES"])
    yield "DetectFaces", lambda: client.detect_faces(Image={"Bytes": image}, Attributes=["ALL"])
    yield "CompareFaces", lambda: client.compare_faces(SourceImage={"Bytes": GOOD}, TargetImage={"Bytes": image})
    yield "CompareFaces", lambda: client.compare_faces(SourceImage={"Bytes": image}, TargetImage={"Bytes": GOOD})
    yield "DetectText", lambda: client.detect_text(Image={"Bytes": image})
    yield "DetectModerationLabels", lambda: client.detect_moderation_labels(Image={"Bytes": image})
    yield "SearchFacesByImage", lambda: client.search_faces_by_image(CollectionId="hostile", Image={"Bytes": image})
    yield "IndexFaces", lambda: client.index_faces(CollectionId="hostile", Image={"Bytes": image},
                                                   ExternalImageId="hostile", MaxFaces=2)


def _outcome(op: str, call) -> str:
    """'ok' or the error code; raises AssertionError for a 5xx, an undeclared error or an answer off its shape."""
    from oculi.aws.spec import operation_model

    try:
        assert_shape(op, {k: v for k, v in call().items() if k != "ResponseMetadata"})
        return "ok"
    except ClientError as exc:
        status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        code = exc.response["Error"]["Code"]
        assert status < 500, f"{op}: {status} {code} {exc.response['Error'].get('Message')}"
        declared = {s.name for s in operation_model(op).error_shapes} | PROTOCOL_ERRORS
        assert code in declared, f"{op} answered {code}, which it does not declare"
        return code


def test_every_image_operation_through_boto3(client):
    client.create_collection(CollectionId="hostile")
    problems, outcomes = [], {}
    for name, image in CASES:
        for op, call in _calls(client, image):
            try:
                outcomes.setdefault(_outcome(op, call), set()).add(name)
            except AssertionError as exc:
                problems.append(f"{name}: {exc}")
    assert not problems, "\n".join(problems)
    # the cases reach the operations, and the limits answer with their own codes
    assert {"ok", "InvalidImageFormatException", "ImageTooLargeException"} <= set(outcomes)
    assert "jpeg-5MiB+1" in outcomes["ImageTooLargeException"]
    assert "jpeg-5MiB+0" in outcomes["ok"] and "png-bomb-30000" in outcomes["ImageTooLargeException"]


def test_rest_uploads(hostile_server):
    """Each case alone (a batch with one bad file is refused whole): 200/400/413, never a 5xx; a stored image
    that then fails for a reason of its own was attempted once."""
    problems, failed = [], []
    with httpx.Client(base_url=hostile_server.url, timeout=600) as http:
        for name, image in CASES:
            r = http.post("/v1/images", params={"wait": "true"}, files=[("files", (f"{name}.bin", image))],
                          data={"features": "labels,faces,text,moderation"})
            if r.status_code >= 500 or r.status_code not in (200, 400, 413):
                problems.append(f"{name}: {r.status_code} {r.text[:200]}")
                continue
            if r.status_code == 200:
                for item in r.json()["data"]:
                    if item["status"] == "failed":
                        failed.append((name, item["id"]))
                    elif item["status"] != "done":
                        problems.append(f"{name}: left {item['status']}")
        assert not problems, "\n".join(problems)
        assert failed, "no stored image failed in analysis: the truncated cases should"
        jobs = http.get("/v1/jobs", params={"state": "failed", "kind": "analyze", "limit": 1000}).json()["data"]
        attempts = {job["ref"]: job["attempts"] for job in jobs}
        for name, image_id in failed:
            assert attempts.get(image_id) == 1, f"{name} failed after {attempts.get(image_id)} attempts"


def _descendants(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children] + [d for c in children for d in _descendants(int(c))]


def _peak_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def test_peak_memory_per_process_stays_bounded(hostile_server):
    """Runs after the two tests above (file order): the high-water mark of every process of the server."""
    peaks = {pid: _peak_bytes(pid) for pid in [hostile_server.proc.pid, *_descendants(hostile_server.proc.pid)]}
    assert len(peaks) >= 2
    over = {pid: f"{peak / 2**30:.2f} GiB" for pid, peak in peaks.items() if peak > MAX_PROCESS_BYTES}
    assert not over, f"peak memory over {MAX_PROCESS_BYTES / 2**30:.0f} GiB: {over}"


def test_blob_sizes_of_the_cases_are_what_they_say():
    sizes = {name: len(image) for name, image in CASES}
    assert sizes["jpeg-5MiB-1"] == 5 * 2**20 - 1 and sizes["jpeg-5MiB+1"] == 5 * 2**20 + 1
