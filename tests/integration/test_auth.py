"""Authentication on the AWS front (OCULI_SECRET_KEYS) and per-key allow lists (OCULI_ACCESS_POLICIES), driven by
boto3 and the AWS CLI against a live server; the signature check itself against botocore's signer; API keys on
the REST API and /metrics (OCULI_API_KEYS)."""

from __future__ import annotations

import calendar
import json
import os
import subprocess
import sys
import time

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from oculi.aws.auth import Authenticator
from oculi.aws.errors import CommonServiceError
from tests.conftest import Server

SECRETS = {"AKIDTEAMA": "secret-a", "AKIDREADER": "secret-r"}
POLICIES = {"AKIDREADER": ["rekognition:List*", "rekognition:Describe*"]}
API_KEYS = ["rest-key-1", "rest-key-2"]


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("auth"), workers=1, role="api",
                    env={"OCULI_SECRET_KEYS": json.dumps(SECRETS), "OCULI_ACCESS_POLICIES": json.dumps(POLICIES),
                         "OCULI_API_KEYS": json.dumps(API_KEYS)})
    yield server
    server.stop()


def error_of(call) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_signed_requests_pass_and_others_are_refused(guarded):
    owner = guarded.client("AKIDTEAMA", secret="secret-a")
    owner.create_collection(CollectionId="guarded")
    assert "guarded" in owner.list_collections()["CollectionIds"]
    assert error_of(lambda: guarded.client("AKIDTEAMA", secret="wrong").list_collections()) == (
        "InvalidSignatureException", 400)
    assert error_of(lambda: guarded.client("AKIDNOBODY", secret="x").list_collections()) == (
        "UnrecognizedClientException", 400)
    unsigned = httpx.post(guarded.url, content=b"{}", headers={
        "x-amz-target": "RekognitionService.ListCollections", "content-type": "application/x-amz-json-1.1"})
    assert unsigned.status_code == 403 and unsigned.json()["__type"] == "MissingAuthenticationTokenException"


def test_allow_list_gives_access_denied(guarded):
    reader = guarded.client("AKIDREADER", secret="secret-r")
    assert isinstance(reader.list_collections()["CollectionIds"], list)
    code, status = error_of(lambda: reader.create_collection(CollectionId="not-mine"))
    assert (code, status) == ("AccessDeniedException", 400)
    assert "not-mine" not in guarded.client("AKIDTEAMA", secret="secret-a").list_collections()["CollectionIds"]


def test_aws_cli_signs_and_is_verified(guarded):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDTEAMA", AWS_SECRET_ACCESS_KEY="secret-a",
               AWS_DEFAULT_REGION="us-east-1")
    cmd = [sys.executable, "-m", "awscli", "rekognition", "list-collections", "--endpoint-url", guarded.url]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "guarded" in json.loads(ok.stdout)["CollectionIds"]
    bad = subprocess.run(cmd, env={**env, "AWS_SECRET_ACCESS_KEY": "nope"}, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode != 0 and "InvalidSignatureException" in bad.stderr


def _signed(body: bytes, secret: str = "secret-a") -> tuple[dict[str, str], float]:
    request = AWSRequest(method="POST", url="http://oculi.example:8000/", data=body, headers={
        "X-Amz-Target": "RekognitionService.ListCollections", "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials("AKIDTEAMA", secret), "rekognition", "eu-west-1").add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "oculi.example:8000"
    return headers, calendar.timegm(time.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ"))


def test_signature_covers_body_and_date():
    auth = Authenticator({"AKIDTEAMA": "111111111111"}, SECRETS, POLICIES)
    headers, signed_at = _signed(b'{"MaxResults": 5}')
    url = "http://oculi.example:8000/"
    assert auth.identify(headers, b'{"MaxResults": 5}', "POST", url, now=signed_at) == (
        "AKIDTEAMA", "eu-west-1", "111111111111")
    with pytest.raises(CommonServiceError, match="does not match"):
        auth.identify(headers, b'{"MaxResults": 6}', "POST", url, now=signed_at)  # the body was changed
    with pytest.raises(CommonServiceError, match="Signature expired"):
        auth.identify(headers, b'{"MaxResults": 5}', "POST", url, now=signed_at + 16 * 60)
    assert auth.identify(headers, b'{"MaxResults": 5}', "POST", url, now=signed_at + 14 * 60)
    assert Authenticator({}, {}, {}).identify({}, b"") is None  # authentication off, no credential: anonymous


def test_rest_api_and_metrics_want_an_api_key(guarded):
    for path in ("/v1/images", "/v1/jobs", "/v1/webhooks", "/metrics"):
        refused = httpx.get(guarded.url + path)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer", path
        assert refused.json()["error"] == "Unauthorized"
        assert httpx.get(guarded.url + path, headers={"X-Api-Key": "rest-key-wrong"}).status_code == 401
        assert httpx.get(guarded.url + path, headers={"X-Api-Key": "rest-key-1"}).status_code == 200, path
        assert httpx.get(guarded.url + path, headers={"Authorization": "Bearer rest-key-2"}).status_code == 200
    upload = httpx.post(guarded.url + "/v1/images", files={"file": ("x.png", b"any bytes", "image/png")})
    assert upload.status_code == 401
    listed = httpx.get(guarded.url + "/v1/images", headers={"X-Api-Key": "rest-key-1"}).json()
    assert listed["count"] == 0  # nothing was stored for the caller without a key
    assert httpx.get(guarded.url + "/healthz").status_code == 200  # probes stay open
