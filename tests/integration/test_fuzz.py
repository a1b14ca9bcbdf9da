"""Random requests built from botocore's input shapes against a live server: never a 5xx, every error one the
operation declares (or a protocol error), every success in the operation's output shape.

Two passes with fixed seeds. The first mutates requests for all operations (wrong types, lengths, patterns,
enums, bad JSON). The second keeps every value inside the model's constraints, so that the requests reach the
implemented operations with odd but legal parameters and a mix of good, corrupt and hostile images."""

from __future__ import annotations

import base64
import io
import json
import random

import httpx
import numpy as np
import pytest
import regex
from PIL import Image

from oculi.aws import api
from oculi.aws.spec import operation_model
from oculi.operations.provider import RekognitionProvider
from tests.conftest import assert_shape, data
from tests.unit.test_imaging import png_bomb

PROTOCOL_ERRORS = {"ValidationException", "SerializationException", "NotImplementedException"}
# the operations the provider overrides (the rest answer NotImplementedException)
IMPLEMENTED = [op for op, method in api.OPERATIONS.items()
               if getattr(RekognitionProvider, method) is not getattr(api.RekognitionApi, method)]
STRINGS = ["", "a", "x" * 300, "fuzz-1", "user-1", "img_1", "üñí", "../etc", "a b", "*", "\x00",
           "00000000-0000-0000-0000-000000000000", "arn:aws:rekognition:us-east-1:000000000000:collection/fuzz-1"]


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _images() -> list[bytes]:
    face = Image.open(data("faces/face_recognition/examples/obama.jpg")).convert("RGB")
    face = face.resize((face.width // 3, face.height // 3))
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8))
    good = _encode(face, "JPEG")
    return [good, _encode(face, "PNG"), _encode(noise, "JPEG", progressive=True),
            _encode(noise.resize((60, 60)), "PNG"), good[: len(good) // 2], b"\xff\xd8\xff",
            b"GIF89a" + b"\0" * 64, png_bomb(), bytes(range(256)) * 8]


class Requests:
    """Request bodies for an operation's input shape; `legal` keeps every value inside the constraints."""

    def __init__(self, rng: random.Random, images: list[bytes], legal: bool):
        self.rng, self.images, self.legal = rng, images, legal

    def image(self) -> dict:
        if self.rng.random() < 0.85:
            return {"Bytes": base64.b64encode(self.rng.choice(self.images)).decode()}
        return {"S3Object": {"Bucket": self.rng.choice(["bkt", "no-such-bucket"]), "Name": self.rng.choice(STRINGS)}}

    def value(self, shape, depth: int = 0):
        rng, meta, kind = self.rng, shape.metadata, shape.type_name
        if not self.legal and rng.random() < 0.05:
            return rng.choice([None, 1, "s", [], {}, True, -1.5])
        if kind == "structure":
            if shape.name == "Image":
                return self.image()
            return {name: self.value(member, depth + 1) for name, member in shape.members.items()
                    if depth < 5 and (name in shape.required_members or rng.random() < 0.5)}
        if kind == "list":
            low, high = (meta.get("min", 0), min(meta.get("max", 5), 5)) if self.legal else (0, 120)
            return [self.value(shape.member, depth + 1) for _ in range(rng.randint(low, max(low, high)))]
        if kind == "map":
            return {rng.choice(STRINGS) or "k": self.value(shape.value, depth + 1) for _ in range(rng.randint(0, 3))}
        if kind == "string":
            if shape.enum:
                return rng.choice(shape.enum if self.legal else [*shape.enum, "BOGUS"])
            fits = [s for s in STRINGS if not self.legal or (
                meta.get("min", 0) <= len(s) <= meta.get("max", 1 << 30)
                and ("pattern" not in meta or regex.fullmatch(meta["pattern"], s)))]
            return rng.choice(fits or STRINGS)
        if kind in ("integer", "long"):
            low, high = meta.get("min", 0), meta.get("max", 4096)
            return rng.choice([low, high, (low + high) // 2] if self.legal else [-1, 0, 2**31, 2**63, 10**30])
        if kind in ("float", "double"):
            low, high = meta.get("min", 0.0), meta.get("max", 100.0)
            return rng.choice([low, high, rng.uniform(low, high)] if self.legal else [-1.0, 101.0, 1e308])
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "blob":
            return base64.b64encode(rng.choice(self.images)).decode() if rng.random() < 0.9 else "!!not base64"
        if kind == "timestamp":
            return rng.choice([0, 1700000000, "2024-01-01T00:00:00Z", "not a date"])
        return None


def send(client: httpx.Client, url: str, op: str, raw: bytes) -> httpx.Response:
    return client.post(url, content=raw, headers={"x-amz-target": f"RekognitionService.{op}",
                                                  "content-type": "application/x-amz-json-1.1"})


def check(op: str, body: dict, response: httpx.Response) -> str:
    assert response.status_code < 500, f"{op} {response.status_code} {response.text[:300]} for {str(body)[:500]}"
    out = response.json()
    if response.status_code == 200:
        assert_shape(op, out)
        return "ok"
    declared = {s.name for s in operation_model(op).error_shapes} | PROTOCOL_ERRORS
    assert out["__type"] in declared, f"{op} answered {out['__type']}, which it does not declare: {out}"
    assert out["Message"]
    return out["__type"]


@pytest.fixture(scope="module")
def target(srv):
    client = httpx.Client(timeout=300)
    images = _images()
    send(client, srv.url, "CreateCollection", b'{"CollectionId": "fuzz-1"}')
    send(client, srv.url, "IndexFaces", json.dumps({"CollectionId": "fuzz-1", "Image": {
        "Bytes": base64.b64encode(images[0]).decode()}}).encode()).raise_for_status()
    yield client, srv.url, images
    client.close()


def fuzz(target, seed: int, count: int, operations: list[str], legal: bool) -> set[str]:
    """Sends `count` random requests; the set of outcomes ("ok" or the error code)."""
    client, url, images = target
    rng = random.Random(seed)
    requests = Requests(rng, images, legal)
    codes = set()
    for _ in range(count):
        op = rng.choice(operations)
        body = requests.value(operation_model(op).input_shape)
        raw = json.dumps(body).encode()
        if not legal and rng.random() < 0.05:
            raw = rng.choice([b"", b"[]", b"{", b"null", b"\xff"])
        codes.add(check(op, body, send(client, url, op, raw)))
    return codes


def test_mutated_requests_to_every_operation(target):
    codes = fuzz(target, 7, 500, sorted(api.OPERATIONS), legal=False)
    assert {"ValidationException", "SerializationException", "NotImplementedException"} <= codes


def test_legal_requests_to_the_implemented_operations(target):
    codes = fuzz(target, 11, 160, IMPLEMENTED, legal=True)
    # the pass reaches the operations themselves, not only the validator
    assert {"ok", "InvalidImageFormatException", "ImageTooLargeException", "ResourceNotFoundException"} <= codes
