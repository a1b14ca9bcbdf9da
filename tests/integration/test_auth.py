"""Authentication on the AWS front (OCULI_SECRET_KEYS) and per-key policies (OCULI_ACCESS_POLICIES), driven by
boto3 and the AWS CLI against a live server; signatures that do not cover the request (its host, its
X-Amz-Target) or are scoped to another service, region or day, sent as botocore-signed raw requests; the
signature check itself against botocore's signer; settings that cannot be enforced refused at start-up; API
keys on the REST API and /metrics (OCULI_API_KEYS)."""

from __future__ import annotations

import calendar
import contextlib
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

from oculi.aws.auth import HOST_NOT_SIGNED, Authenticator
from oculi.aws.errors import CommonServiceError
from tests.conftest import Server, _free_port, data

SECRETS = {"AKIDTEAMA": "secret-a", "AKIDREADER": "secret-r", "AKIDOWNER": "secret-o", "AKIDLIMITED": "secret-l"}
ACCOUNT = "000000000000"  # AKIDOWNER's and AKIDLIMITED's (neither is in OCULI_ACCESS_KEYS): only the policy
# keeps the limited key from the owner's collections
LIMITED = [{"Action": ["rekognition:*"], "Resource": [f"arn:aws:rekognition:*:{ACCOUNT}:collection/team-a*"]}]
POLICIES = {"AKIDREADER": ["rekognition:List*", "rekognition:Describe*"], "AKIDLIMITED": LIMITED}
API_KEYS = ["rest-key-1", "rest-key-2"]
TARGET = "RekognitionService."
EX = "faces/face_recognition/examples"


@pytest.fixture(scope="module")
def guarded(pack, tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("auth"), workers=1, role="api",
                    env={"OCULI_SECRET_KEYS": json.dumps(SECRETS), "OCULI_ACCESS_POLICIES": json.dumps(POLICIES),
                         "OCULI_API_KEYS": json.dumps(API_KEYS),
                         "OCULI_EMBEDDING_PROCESSES": "0"})
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


# -- signatures that must cover the request -------------------------------------------------------------------
def _raw(server: Server, operation: str, payload: dict, *, only: set[str] | None = None, service: str = "rekognition",
         region: str = "us-east-1", then: dict[str, str] | None = None) -> httpx.Response:
    """POST a request signed by botocore's SigV4 signer as AKIDTEAMA, over only the headers in `only` (all of
    them, as boto3 signs, by default) and for `service`/`region`; `then` changes headers after signing, as
    someone re-sending a captured request would."""

    class Signer(SigV4Auth):
        def headers_to_sign(self, request):
            headers = super().headers_to_sign(request)
            for name in [n for n in headers if only is not None and n not in only]:
                del headers[name]
            return headers

    body = json.dumps(payload).encode()
    request = AWSRequest(method="POST", url=server.url + "/", data=body, headers={
        "X-Amz-Target": TARGET + operation, "Content-Type": "application/x-amz-json-1.1"})
    Signer(Credentials("AKIDTEAMA", SECRETS["AKIDTEAMA"]), service, region).add_auth(request)
    headers = dict(request.headers.items()) | (then or {})
    return httpx.post(server.url + "/", content=body, headers=headers)


def _refused(response: httpx.Response) -> tuple[str, str]:
    assert response.status_code == 400, response.text
    return response.json()["__type"], response.json()["Message"]


def test_replayed_request_with_another_target_is_refused(guarded):
    owner = guarded.client("AKIDTEAMA", secret="secret-a")
    owner.create_collection(CollectionId="victim")
    unsigned_target = {"content-type", "host", "x-amz-date"}  # X-Amz-Target sent but left out of the signature
    code, message = _refused(_raw(guarded, "DescribeCollection", {"CollectionId": "victim"}, only=unsigned_target))
    assert code == "InvalidSignatureException" and "not signed: x-amz-target" in message
    code, message = _refused(_raw(guarded, "DescribeCollection", {"CollectionId": "victim"}, only=unsigned_target,
                                  then={"X-Amz-Target": TARGET + "DeleteCollection"}))
    assert code == "InvalidSignatureException" and "not signed: x-amz-target" in message
    # signed as boto3 signs, the target is covered: changing it breaks the signature
    code, message = _refused(_raw(guarded, "DescribeCollection", {"CollectionId": "victim"},
                                  then={"X-Amz-Target": TARGET + "DeleteCollection"}))
    assert code == "InvalidSignatureException" and message.startswith("The request signature we calculated")
    assert "victim" in owner.list_collections()["CollectionIds"]
    ok = _raw(guarded, "DescribeCollection", {"CollectionId": "victim"})  # the very same request, fully signed
    assert ok.status_code == 200 and ok.json()["FaceCount"] == 0


def test_signature_must_cover_host_and_every_x_amz_header(guarded):
    code, message = _refused(_raw(guarded, "ListCollections", {}, only={"x-amz-date"}))
    assert (code, message) == ("InvalidSignatureException", HOST_NOT_SIGNED)
    code, message = _refused(_raw(guarded, "ListCollections", {}, only={"host", "x-amz-target"}))
    assert code == "InvalidSignatureException" and message.endswith("not signed: x-amz-date")
    code, message = _refused(_raw(guarded, "ListCollections", {}, then={"X-Amz-Meta-Extra": "added later"}))
    assert code == "InvalidSignatureException" and message.endswith("not signed: x-amz-meta-extra")


def test_credential_scope_names_rekognition_a_region_and_the_day(guarded):
    code, message = _refused(_raw(guarded, "ListCollections", {}, service="s3"))
    assert (code, message) == ("InvalidSignatureException",
                               "Credential should be scoped to correct service: 'rekognition'. ")
    code, message = _refused(_raw(guarded, "ListCollections", {}, region="nowhere"))
    assert (code, message) == ("InvalidSignatureException",
                               "Credential should be scoped to a valid region, not 'nowhere'. ")
    request = AWSRequest(method="POST", url=guarded.url + "/", data=b"{}", headers={
        "X-Amz-Target": TARGET + "ListCollections", "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials("AKIDTEAMA", SECRETS["AKIDTEAMA"]), "rekognition", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    day = headers["X-Amz-Date"][:8]
    headers["Authorization"] = headers["Authorization"].replace(f"/{day}/", "/20200101/")
    code, message = _refused(httpx.post(guarded.url + "/", content=b"{}", headers=headers))
    assert code == "InvalidSignatureException" and message.startswith(
        f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'20200101' != '{day}'")


def test_boto3_still_passes_every_check(guarded):
    owner = guarded.client("AKIDTEAMA", secret="secret-a")
    arn = owner.create_collection(CollectionId="boto3-signed", Tags={"team": "a"})["CollectionArn"]
    assert owner.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "a"}
    assert guarded.client("AKIDTEAMA", region="eu-west-1", secret="secret-a").list_collections()["CollectionIds"] \
        == []  # another region, another set of collections
    owner.delete_collection(CollectionId="boto3-signed")


# -- policies naming collections ------------------------------------------------------------------------------
def img(name: str) -> dict:
    return {"Bytes": data(f"{EX}/{name}").read_bytes()}


def test_key_limited_to_its_collections(guarded):
    owner = guarded.client("AKIDOWNER", secret="secret-o")
    limited = guarded.client("AKIDLIMITED", secret="secret-l")
    other_arn = owner.create_collection(CollectionId="team-b", Tags={"team": "b"})["CollectionArn"]
    other_face = owner.index_faces(CollectionId="team-b", Image=img("obama.jpg"))["FaceRecords"][0]["Face"]["FaceId"]
    owner.create_user(CollectionId="team-b", UserId="barack")
    owner.associate_faces(CollectionId="team-b", UserId="barack", FaceIds=[other_face])
    b = {"CollectionId": "team-b"}
    calls = {
        "ListCollections": lambda: limited.list_collections(),  # resource "*": a collection-limited key has none
        "CreateCollection": lambda: limited.create_collection(CollectionId="team-b-2"),
        "DescribeCollection": lambda: limited.describe_collection(**b),
        "DeleteCollection": lambda: limited.delete_collection(**b),
        "IndexFaces": lambda: limited.index_faces(**b, Image=img("biden.jpg")),
        "ListFaces": lambda: limited.list_faces(**b),
        "DeleteFaces": lambda: limited.delete_faces(**b, FaceIds=[other_face]),
        "SearchFaces": lambda: limited.search_faces(**b, FaceId=other_face),
        "SearchFacesByImage": lambda: limited.search_faces_by_image(**b, Image=img("obama.jpg")),
        "CreateUser": lambda: limited.create_user(**b, UserId="joe"),
        "DeleteUser": lambda: limited.delete_user(**b, UserId="barack"),
        "ListUsers": lambda: limited.list_users(**b),
        "AssociateFaces": lambda: limited.associate_faces(**b, UserId="barack", FaceIds=[other_face]),
        "DisassociateFaces": lambda: limited.disassociate_faces(**b, UserId="barack", FaceIds=[other_face]),
        "SearchUsers": lambda: limited.search_users(**b, UserId="barack"),
        "SearchUsersByImage": lambda: limited.search_users_by_image(**b, Image=img("obama.jpg")),
        "TagResource": lambda: limited.tag_resource(ResourceArn=other_arn, Tags={"owned": "yes"}),
        "UntagResource": lambda: limited.untag_resource(ResourceArn=f"arn:{other_arn}", TagKeys=["team"]),
        "ListTagsForResource": lambda: limited.list_tags_for_resource(ResourceArn=other_arn),
        "DetectFaces": lambda: limited.detect_faces(Image=img("obama.jpg")),  # no collection: resource "*"
    }
    for operation, call in calls.items():
        with pytest.raises(ClientError) as info:
            call()
        error = info.value.response["Error"]
        assert error["Code"] == "AccessDeniedException", (operation, error)
        assert f"rekognition:{operation}" in error["Message"], (operation, error)
        if operation not in ("ListCollections", "DetectFaces", "CreateCollection"):
            assert error["Message"].endswith(f"on resource: arn:aws:rekognition:us-east-1:{ACCOUNT}:collection/team-b")
    described = owner.describe_collection(**b)  # nothing of team B changed
    assert described["FaceCount"] == 1 and described["UserCount"] == 1
    assert owner.list_tags_for_resource(ResourceArn=other_arn)["Tags"] == {"team": "b"}
    assert "team-b-2" not in owner.list_collections()["CollectionIds"]

    a = {"CollectionId": "team-a-1"}  # and everything on its own collections
    own_arn = limited.create_collection(**a)["CollectionArn"]
    assert limited.describe_collection(**a)["FaceCount"] == 0
    face = limited.index_faces(**a, Image=img("obama.jpg"))["FaceRecords"][0]["Face"]["FaceId"]
    biden = limited.index_faces(**a, Image=img("biden.jpg"))["FaceRecords"][0]["Face"]["FaceId"]
    assert {f["FaceId"] for f in limited.list_faces(**a)["Faces"]} == {face, biden}
    assert limited.search_faces(**a, FaceId=face)["FaceMatches"] == []  # biden is not obama
    assert limited.search_faces_by_image(**a, Image=img("obama.jpg"))["FaceMatches"][0]["Face"]["FaceId"] == face
    limited.create_user(**a, UserId="barack")
    assert limited.associate_faces(**a, UserId="barack", FaceIds=[face])["AssociatedFaces"] == [{"FaceId": face}]
    assert [u["UserId"] for u in limited.list_users(**a)["Users"]] == ["barack"]
    assert limited.search_users(**a, FaceId=face)["UserMatches"][0]["User"]["UserId"] == "barack"
    assert limited.search_users_by_image(**a, Image=img("obama.jpg"))["UserMatches"][0]["User"]["UserId"] \
        == "barack"
    limited.disassociate_faces(**a, UserId="barack", FaceIds=[face])
    limited.delete_user(**a, UserId="barack")
    limited.tag_resource(ResourceArn=own_arn, Tags={"team": "a"})
    assert limited.list_tags_for_resource(ResourceArn=own_arn)["Tags"] == {"team": "a"}
    limited.untag_resource(ResourceArn=own_arn, TagKeys=["team"])
    assert limited.delete_faces(**a, FaceIds=[biden])["DeletedFaces"] == [biden]
    limited.delete_collection(**a)
    assert "team-a-1" not in owner.list_collections()["CollectionIds"]
    with contextlib.suppress(ClientError):
        owner.delete_collection(**b)


# -- settings the service cannot enforce are refused at start-up ---------------------------------------------
REFUSED = {
    "policies without secret keys": ({"OCULI_ACCESS_POLICIES": json.dumps({"AKIDX": ["rekognition:*"]})},
                                     "needs OCULI_SECRET_KEYS"),
    "a policy for a key without a secret": (
        {"OCULI_SECRET_KEYS": json.dumps({"AKIDX": "s"}), "OCULI_ACCESS_POLICIES": json.dumps({"AKIDY": ["*"]})},
        "without a secret in OCULI_SECRET_KEYS: AKIDY"),
    "another service's resource": (
        {"OCULI_SECRET_KEYS": json.dumps({"AKIDX": "s"}), "OCULI_ACCESS_POLICIES": json.dumps(
            {"AKIDX": [{"Action": "rekognition:*", "Resource": "arn:aws:s3:::team-a"}]})}, "names service 's3'"),
    "an unknown resource type": (
        {"OCULI_SECRET_KEYS": json.dumps({"AKIDX": "s"}), "OCULI_ACCESS_POLICIES": json.dumps(
            {"AKIDX": [{"Action": "rekognition:*", "Resource": "arn:aws:rekognition:*:*:project/p/1"}]})},
        "on collections only"),
    "a malformed ARN": (
        {"OCULI_SECRET_KEYS": json.dumps({"AKIDX": "s"}), "OCULI_ACCESS_POLICIES": json.dumps(
            {"AKIDX": [{"Action": "rekognition:*", "Resource": "arn:aws:rekognition:us-east-1:12:collection/a"}]})},
        "must be 12 digits"),
    "an action matching no operation": (
        {"OCULI_SECRET_KEYS": json.dumps({"AKIDX": "s"}), "OCULI_ACCESS_POLICIES": json.dumps(
            {"AKIDX": [{"Action": "rekognition:DescribeCollections", "Resource": "*"}]})},
        "matches no Rekognition operation"),
    "another account's collections": (
        {"OCULI_SECRET_KEYS": json.dumps({"AKIDX": "s"}), "OCULI_ACCESS_POLICIES": json.dumps(
            {"AKIDX": [{"Action": "rekognition:*", "Resource": "arn:aws:rekognition:*:999999999999:collection/*"}]})},
        "acts in account 000000000000"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_unenforceable_settings_are_refused_at_start(case, tmp_path):
    env, reason = REFUSED[case]
    env = {k: v for k, v in os.environ.items() if k not in ("OCULI_SECRET_KEYS", "OCULI_ACCESS_POLICIES")} | env
    env |= {"OCULI_DATA_DIR": str(tmp_path), "OCULI_EMBEDDING_PROCESSES": "0"}  # one process, if it starts
    proc = subprocess.Popen([sys.executable, "-m", "oculi.cli", "serve", "--role", "api", "--workers", "1",
                             "--port", str(_free_port())], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.communicate(timeout=30)
        raise AssertionError(f"{case}: the service started") from None
    assert proc.returncode == 2, stderr
    assert stderr.startswith("oculi: invalid settings") and reason in stderr, stderr


def test_policy_resources_are_read_from_any_request_generically():
    from oculi.aws.errors import RequestContext
    from oculi.aws.policy import Statement, matches, resources_of

    arn = "arn:aws:rekognition:eu-west-1:111111111111:collection/"
    assert resources_of({"MaxResults": 5}, "eu-west-1", "111111111111") == ["*"]
    assert resources_of({"Settings": {"FaceSearch": {"CollectionId": "cams"}}, "Name": "door"}, "eu-west-1",
                        "111111111111") == [arn + "cams"]  # CreateStreamProcessor names it deep inside
    assert resources_of({"ResourceArn": "aws:rekognition:eu-west-1:111111111111:collection/x"}, "eu-west-1",
                        "111111111111") == [arn + "x"]  # CollectionArn as CreateCollection writes it
    assert matches("x[ab]*", "x[ab]-1") and not matches("x[ab]*", "xa-1")  # IAM globs: only * and ? are special
    statement = Statement.model_validate({"Action": "Rekognition:search*", "Resource": arn + "team-a*"})
    assert statement.allows("rekognition:SearchFaces", arn + "team-a1")  # actions ignore case, as in IAM
    assert not statement.allows("rekognition:SearchFaces", arn + "Team-a1")  # resources do not
    auth = Authenticator({}, {"K": "s"}, {"K": [{"Action": "rekognition:*", "Resource": arn + "team-?"}]})
    context = RequestContext(operation="StartFaceSearch", access_key="K", account="111111111111",
                             region="eu-west-1")
    auth.authorize(context, {"CollectionId": "team-1", "Video": {}})
    with pytest.raises(CommonServiceError, match="on resource: .*collection/team-10$"):
        auth.authorize(context, {"CollectionId": "team-10", "Video": {}})
