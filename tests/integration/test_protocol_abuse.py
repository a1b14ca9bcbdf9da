"""Protocol abuse on a live server: malformed JSON, oversized and slow bodies, wrong Content-Type, and the
OpenAPI pages behind the API key. Raw sockets where a client library would refuse to misbehave."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from botocore.exceptions import ClientError

from oculi.aws.protocol import max_request_bytes
from tests.conftest import Server

API_KEY = "abuse-key"
BODY_TIMEOUT = 3.0
AWS_HEADERS = {"x-amz-target": "RekognitionService.DetectLabels", "content-type": "application/x-amz-json-1.1"}
REST_HEADERS = {"x-api-key": API_KEY, "content-type": "multipart/form-data; boundary=b"}
# the start of a valid upload, so that the multipart parser keeps reading what follows as the file
MULTIPART_START = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\n'
                   b"Content-Type: image/jpeg\r\n\r\n")


@pytest.fixture(scope="module")
def abuse(pack, tmp_path_factory) -> Server:
    server = Server(tmp_path_factory.mktemp("abuse"), workers=1, role="api",
                    env={"OCULI_API_KEYS": json.dumps([API_KEY]), "OCULI_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
                         "OCULI_MAX_UPLOAD_BYTES": str(2 * 1024 * 1024)})
    yield server
    server.stop()


def _rss(server: Server) -> int:
    """Resident memory of the server and its children (uvicorn's workers), bytes."""
    root = psutil.Process(server.proc.pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def _connect(server: Server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    return sock


def _head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_response(sock: socket.socket, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one response (Content-Length framed), within `timeout` seconds."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    while len(body) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the response body"
        body += chunk
    return int(status_line.split()[1]), headers, body


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
        return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


# -- malformed JSON ------------------------------------------------------------------------------------------

DEEP = 1000
BAD_BODIES = {
    "arrays nested 1000 deep": b"[" * DEEP + b"]" * DEEP,
    "objects nested 1000 deep": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "deep value inside a valid member": b'{"Image": {"S3Object": ' + b"[" * DEEP + b"]" * DEEP + b"}}",
    "integer of 4301 digits": b'{"MaxLabels": ' + b"9" * 4301 + b"}",
    "negative integer of 5000 digits": b'{"MaxLabels": -' + b"1" * 5000 + b"}",
    "integer beyond 64 bits": b'{"MaxLabels": 99999999999999999999999}',
    "NaN": b'{"MinConfidence": NaN}',
    "Infinity": b'{"MinConfidence": Infinity}',
    "-Infinity": b'{"MinConfidence": -Infinity}',
    "escaped lone surrogate": b'{"Image": {"S3Object": {"Bucket": "b\\ud800", "Name": "x"}}}',
    "UTF-8 encoded surrogate": b'{"Image": {"S3Object": {"Bucket": "b\xed\xa0\x80", "Name": "x"}}}',
    "invalid UTF-8": b'{"Image": {"S3Object": {"Bucket": "\xff\xfe", "Name": "x"}}}',
    "UTF-16": '{"MaxLabels": 5}'.encode("utf-16"),
    "UTF-8 byte order mark": b"\xef\xbb\xbf{}",
    "truncated": b'{"Image": {"Bytes": "iVBORw0KGgo',
    "trailing garbage": b"{} {}",
    "NUL byte": b'{"MaxLabels":\x00 1}',
    "top-level array": b"[]",
    "top-level string": b'"DetectLabels"',
}


def test_malformed_json_is_a_serialization_exception(abuse):
    with httpx.Client(base_url=abuse.url, timeout=30) as client:
        answers = {name: client.post("/", content=body, headers=AWS_HEADERS) for name, body in BAD_BODIES.items()}
        wrong = {name: (r.status_code, r.text[:120]) for name, r in answers.items()
                 if r.status_code != 400 or r.json().get("__type") != "SerializationException"
                 or r.headers.get("x-amzn-errortype") != "SerializationException"}
        assert not wrong, f"expected 400 SerializationException: {wrong}"
        assert client.get("/healthz").status_code == 200


# -- size ----------------------------------------------------------------------------------------------------

def test_declared_body_over_the_limit_is_refused_before_it_is_read(abuse):
    before = _rss(abuse)
    for path, headers in [("/", AWS_HEADERS), ("/v1/images", REST_HEADERS)]:
        with _connect(abuse) as sock:
            started = time.monotonic()
            sock.sendall(_head(path, {**headers, "content-length": str(500 * 1024 * 1024)}) + b"x" * 65536)
            status, answer_headers, body = _read_response(sock, timeout=5)
            assert time.monotonic() - started < 5
            assert status == 413, (path, status, body)
            assert answer_headers.get("connection") == "close"
            if path == "/":
                assert json.loads(body)["__type"] == "ImageTooLargeException"
                assert answer_headers["x-amzn-errortype"] == "ImageTooLargeException"
            else:
                assert json.loads(body)["error"] == "RequestTooLarge"
            assert _closed_within(sock, 5)
    assert _rss(abuse) - before < 50 * 1024 * 1024


@pytest.mark.parametrize("path", ["/", "/v1/images"])
def test_streamed_body_over_the_limit_is_cut_off_at_the_limit(abuse, path):
    """Chunked, so no Content-Length to refuse on: the server counts and stops reading at its limit."""
    limit = max_request_bytes() if path == "/" else 2 * 1024 * 1024 + 1024 * 1024
    headers, start = (AWS_HEADERS, b"{") if path == "/" else (REST_HEADERS, MULTIPART_START)
    chunk = b"x" * 65536
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    before = _rss(abuse)
    with _connect(abuse) as sock:
        sock.sendall(_head(path, {**headers, "transfer-encoding": "chunked"}) + f"{len(start):x}\r\n".encode()
                     + start + b"\r\n")
        sent, answered, pending = 0, False, b""
        sock.setblocking(False)
        deadline = time.monotonic() + 60
        while sent < 4 * limit and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock], [], 1)
            if readable:
                answered = True
                break
            if writable:
                pending = pending or frame
                try:
                    n = sock.send(pending)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    break
                sent, pending = sent + n, pending[n:]
        sock.setblocking(True)
        assert answered or sent < 4 * limit, "the server read the whole stream without answering"
        status, _, body = _read_response(sock, timeout=5)
    assert status == 413, body
    # what the client managed to send: the limit, plus what the two sockets' buffers hold
    assert sent < limit + 8 * 1024 * 1024, (sent, limit)
    assert _rss(abuse) - before < limit + 50 * 1024 * 1024


def test_the_largest_legal_request_is_admitted(abuse):
    """CompareFaces with two 5 MB images is the largest request Rekognition allows: not refused for size."""
    client = abuse.client()
    junk = b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(ClientError) as err:
        client.compare_faces(SourceImage={"Bytes": junk}, TargetImage={"Bytes": junk})
    assert err.value.response["Error"]["Code"] == "InvalidImageFormatException"


def test_boto3_reads_the_refusal_of_an_oversized_request(abuse):
    """A 40 MB image: refused on its Content-Length while boto3 is still sending; it reads the early answer."""
    with pytest.raises(ClientError) as err:
        abuse.client().detect_labels(Image={"Bytes": b"\xff" * (40 * 1024 * 1024)})
    assert err.value.response["Error"]["Code"] == "ImageTooLargeException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


# -- time ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/v1/images"])
def test_short_body_is_cut_off_after_the_timeout(abuse, path):
    """Content-Length says 1000, a few bytes come: the server answers 408 and closes within the timeout."""
    headers, start = (AWS_HEADERS, b"{" * 10) if path == "/" else (REST_HEADERS, MULTIPART_START)
    with _connect(abuse) as sock:
        started = time.monotonic()
        sock.sendall(_head(path, {**headers, "content-length": "1000"}) + start)
        status, headers, body = _read_response(sock, timeout=BODY_TIMEOUT + 5)
        waited = time.monotonic() - started
        assert status == 408, body
        assert BODY_TIMEOUT - 0.5 < waited < BODY_TIMEOUT + 3, waited
        assert headers.get("connection") == "close"
        if path == "/":
            assert json.loads(body)["__type"] == "RequestTimeoutException"
        assert _closed_within(sock, 3)


def test_trickled_body_is_cut_off_after_the_timeout(abuse):
    """One byte every 0.4 s never lets an idle timer fire: the deadline is on the whole body."""
    with _connect(abuse) as sock:
        started = time.monotonic()
        sock.sendall(_head("/", {**AWS_HEADERS, "content-length": "1000"}))
        sock.settimeout(0.4)
        status = None
        while time.monotonic() - started < BODY_TIMEOUT + 5:
            try:
                sock.sendall(b" ")
                if sock.recv(1, socket.MSG_PEEK):
                    status, _, body = _read_response(sock, timeout=2)
                    break
            except TimeoutError:
                continue
        assert status == 408
        assert time.monotonic() - started < BODY_TIMEOUT + 3


def test_unfinished_request_head_is_cut_off(abuse):
    """Headers that never end (slowloris) are closed as well, after the same timeout."""
    with _connect(abuse) as sock:
        started = time.monotonic()
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nx-amz-target: RekognitionService.ListCollections\r\n")
        assert _closed_within(sock, BODY_TIMEOUT + 5)
        assert time.monotonic() - started < BODY_TIMEOUT + 3


# -- Content-Type --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain", "application/x-www-form-urlencoded",
                                          "application/x-amz-json-1.0", "application/x-amz-json-1.1x"])
def test_wrong_content_type_is_refused(abuse, content_type):
    headers = {"x-amz-target": "RekognitionService.ListCollections"}
    if content_type:
        headers["content-type"] = content_type
    answer = httpx.post(abuse.url + "/", content=b"{}", headers=headers, timeout=10)
    assert answer.status_code == 415, answer.text
    assert answer.json()["__type"] == "UnsupportedMediaTypeException"
    assert answer.headers["x-amzn-errortype"] == "UnsupportedMediaTypeException"


def test_json_content_type_with_parameters_boto3_and_the_aws_cli_are_accepted(abuse):
    answer = httpx.post(abuse.url + "/", content=b"{}", timeout=10,
                        headers={"x-amz-target": "RekognitionService.ListCollections",
                                 "content-type": "Application/X-Amz-Json-1.1; charset=utf-8"})
    assert answer.status_code == 200, answer.text
    assert "CollectionIds" in abuse.client().list_collections()
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
    cli = subprocess.run([str(Path(sys.executable).parent / "aws"), "rekognition", "list-collections",
                          "--endpoint-url", abuse.url], capture_output=True, text=True, env=env, timeout=60)
    assert cli.returncode == 0 and "CollectionIds" in json.loads(cli.stdout), cli.stderr


# -- OpenAPI pages -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
def test_openapi_pages_need_the_key_when_keys_are_set(abuse, path):
    assert httpx.get(abuse.url + path, timeout=10).status_code == 401
    assert httpx.get(abuse.url + path, headers={"x-api-key": "wrong"}, timeout=10).status_code == 401
    assert httpx.get(abuse.url + path, headers={"x-api-key": API_KEY}, timeout=10).status_code == 200
    assert httpx.get(abuse.url + path, headers={"authorization": f"Bearer {API_KEY}"}, timeout=10).status_code == 200

