"""The AWS front without models: validation text, protocol round trips through botocore, error rendering."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from oculi.aws import api
from oculi.aws.dispatch import handle
from oculi.aws.spec import operation_model, service_model
from tests.conftest import ROOT


class EchoProvider(api.RekognitionApi):
    """Answers DetectLabels with the request it parsed, to test the protocol layer alone."""

    def __init__(self):
        self.seen = None

    def detect_labels(self, context, request):
        self.seen = (context, request)
        return {"Labels": [{"Name": "Dog", "Confidence": 91.5, "Instances": [], "Parents": [{"Name": "Animal"}]}],
                "LabelModelVersion": "test"}


def call(provider, target: str, body, auth: str | None = None):
    headers = {"x-amz-target": f"RekognitionService.{target}"}
    if auth:
        headers["authorization"] = auth
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, out_headers, payload = handle(provider, headers, raw)
    return status, out_headers, json.loads(payload)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "1 validation error detected: Value null at 'image' failed to satisfy constraint: "
             "Member must not be null"),
        ({"Image": {"Bytes": "aGk="}, "MinConfidence": 101},
         "1 validation error detected: Value '101' at 'minConfidence' failed to satisfy constraint: "
         "Member must have value less than or equal to 100"),
        ({"Image": {"Bytes": "aGk="}, "MaxLabels": -1},
         "1 validation error detected: Value '-1' at 'maxLabels' failed to satisfy constraint: "
         "Member must have value greater than or equal to 0"),
        ({"Image": {"Bytes": "aGk="}, "Features": ["COLOURS"]},
         "1 validation error detected: Value 'COLOURS' at 'features.1.member' failed to satisfy constraint: "
         "Member must satisfy enum value set: [GENERAL_LABELS, IMAGE_PROPERTIES]"),
        ({"Image": {"S3Object": {"Bucket": "a", "Name": "k"}}},
         "1 validation error detected: Value 'a' at 'image.s3Object.bucket' failed to satisfy constraint: "
         "Member must have length greater than or equal to 3"),
    ],
)
def test_validation_messages(body, message):
    status, headers, out = call(EchoProvider(), "DetectLabels", body)
    assert status == 400
    assert out == {"__type": "ValidationException", "Message": message}
    assert headers["x-amzn-ErrorType"] == "ValidationException"


def test_several_violations_are_counted_and_joined():
    body = {"Image": {"Bytes": "aGk="}, "MinConfidence": -5, "MaxLabels": -1}
    _, _, out = call(EchoProvider(), "DetectLabels", body)
    assert out["Message"].startswith("2 validation errors detected: ")
    assert out["Message"].count("failed to satisfy constraint") == 2


def test_pattern_violation_names_the_pattern():
    body = {"CollectionId": "bad name!", "FaceIds": ["x"]}
    _, _, out = call(EchoProvider(), "DeleteFaces", body)
    assert "at 'collectionId' failed to satisfy constraint: Member must satisfy regular expression pattern: " \
           "[a-zA-Z0-9_.\\-]+" in out["Message"]


def test_tag_patterns_use_java_unicode_classes():
    """Tag keys are `[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`: Unicode letters pass, `aws:` keys and symbols do not."""
    status, _, out = call(EchoProvider(), "CreateCollection", {"CollectionId": "c", "Tags": {"Équipe née": "ü 1"}})
    assert (status, out["__type"]) == (400, "NotImplementedException")  # valid: it reached the provider
    _, _, out = call(EchoProvider(), "CreateCollection", {"CollectionId": "c", "Tags": {"aws:team": "a", "k": "$"}})
    assert out["__type"] == "ValidationException"
    assert out["Message"].startswith("2 validation errors detected: ")


def test_every_pattern_in_the_model_compiles():
    from oculi.aws.validate import _regex

    def patterns(shape, seen):
        if shape.name in seen:
            return
        seen.add(shape.name)
        if "pattern" in shape.metadata:
            yield shape.metadata["pattern"]
        for child in [*getattr(shape, "members", {}).values(), *[getattr(shape, a) for a in ("member", "key", "value")
                                                               if hasattr(shape, a)]]:
            yield from patterns(child, seen)

    seen: set[str] = set()
    found = {p for op in service_model().operation_names if operation_model(op).input_shape
             for p in patterns(operation_model(op).input_shape, seen)}
    assert len(found) > 20
    for pattern in found:
        _regex(pattern)


@pytest.mark.parametrize(
    ("target", "raw", "code"),
    [
        ("DetectLabels", b"{not json", "SerializationException"),
        ("DetectLabels", json.dumps({"Image": {"Bytes": "aGk="}, "MaxLabels": "ten"}).encode(),
         "SerializationException"),
        ("DetectLabels", json.dumps({"Image": {"Bytes": "!!not base64!!"}}).encode(), "SerializationException"),
        ("NoSuchOperation", b"{}", "UnknownOperationException"),
        ("ListCollections", b"{}", "NotImplementedException"),
    ],
)
def test_protocol_errors_are_client_errors(target, raw, code):
    status, _, out = call(EchoProvider(), target, raw)
    assert (status, out["__type"]) == (400, code)
    if code == "NotImplementedException":
        assert "ListCollections" in out["Message"]


def test_request_round_trip_through_botocore_serializer():
    """botocore's own serializer builds the request; our protocol must recover every member (blobs too)."""
    model = operation_model("DetectLabels")
    params = {"Image": {"Bytes": b"\x89PNG\x00\x01binary"}, "MaxLabels": 7, "MinConfidence": 42.5,
              "Features": ["GENERAL_LABELS"],
              "Settings": {"GeneralLabels": {"LabelInclusionFilters": ["Dog"]}}}
    request = create_serializer("json").serialize_to_request(params, model)
    provider = EchoProvider()
    auth = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-3/rekognition/aws4_request, "
            "SignedHeaders=host, Signature=abc")
    headers = {k.lower(): v for k, v in request["headers"].items()} | {"authorization": auth}
    status, out_headers, payload = handle(provider, headers, request["body"])
    assert status == 200
    context, seen = provider.seen
    assert seen == params
    assert (context.access_key, context.region, context.operation) == ("AKIDEXAMPLE", "eu-west-3", "DetectLabels")
    parsed = create_parser("json").parse(
        {"status_code": status, "headers": out_headers, "body": payload}, model.output_shape)
    assert parsed["Labels"][0]["Name"] == "Dog" and parsed["Labels"][0]["Confidence"] == 91.5


def test_error_parses_as_botocore_client_error():
    status, headers, payload = handle(EchoProvider(), {"x-amz-target": "RekognitionService.DetectLabels"}, b"{}")
    parsed = create_parser("json").parse({"status_code": status, "headers": headers, "body": payload},
                                         operation_model("DetectLabels").output_shape)
    assert parsed["Error"]["Code"] == "ValidationException"
    assert "Member must not be null" in parsed["Error"]["Message"]


def test_uncaught_error_is_internal_server_error_with_request_id():
    class Broken(api.RekognitionApi):
        def detect_labels(self, context, request):
            raise RuntimeError("boom")

    status, headers, out = call(Broken(), "DetectLabels", {"Image": {"Bytes": "aGk="}})
    assert (status, out["__type"]) == (500, "InternalServerError")
    assert headers["x-amzn-RequestId"] in out["Message"]


def test_generated_api_matches_botocore():
    assert set(api.OPERATIONS) == set(service_model().operation_names)
    done = subprocess.run([sys.executable, "scripts/gen_aws_api.py", "--check"], cwd=ROOT)
    assert done.returncode == 0, "oculi/aws/api.py drifted from botocore: run scripts/gen_aws_api.py"


@pytest.mark.parametrize("blob, decoded", [
    ("YWJj", b"abc"), ("YWI=", b"ab"), ("YWJjZA==", b"abcd"),
    ("YWI", None), ("YWJj\n", None), ("YW Jj", None), ("YWI=YWI=", None), ("=YWJj", None), ("YWJjZA=", None),
    ("YWJj====", None), ("YW*j", None), ("Y", None)])
def test_image_bytes_are_strict_base64(blob, decoded):
    """Image blobs decode with pybase64 (SIMD): padded standard base64 only, anything else a
    SerializationException naming the member."""
    from oculi.aws.errors import CommonServiceError
    from oculi.aws.protocol import decode_blobs

    shape = operation_model("DetectLabels").input_shape
    if decoded is None:
        with pytest.raises(CommonServiceError) as err:
            decode_blobs(shape, {"Image": {"Bytes": blob}})
        assert err.value.code == "SerializationException" and ".Image.Bytes" in err.value.message
    else:
        assert decode_blobs(shape, {"Image": {"Bytes": blob}}) == {"Image": {"Bytes": decoded}}
