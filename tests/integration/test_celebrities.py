"""Celebrities from the operator's own gallery: RecognizeCelebrities and GetCelebrityInfo through boto3, the
gallery filled with `oculi celebrities add` and POST /v1/celebrities, on a server of its own (empty at first)."""

from __future__ import annotations

import re

import botocore.exceptions
import httpx
import pytest

from tests.conftest import Server, assert_shape, data
from tests.integration.test_cli import run_oculi

AWS = "faces/aws-rekognition-lambda/"


@pytest.fixture(scope="module")
def gallery_server(pack, tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("celebrities"), workers=1)
    yield server
    server.stop()


def image(name: str) -> dict:
    return {"Bytes": data(AWS + name).read_bytes()}


def names(answer: dict) -> set[str]:
    return {c["Name"] for c in answer["CelebrityFaces"]}


def test_gallery_filled_by_the_operator(gallery_server):
    rek = gallery_server.client()
    empty = rek.recognize_celebrities(Image=image("Keanu-Avril-Mike.jpg"))
    assert_shape("RecognizeCelebrities", empty)
    assert empty["CelebrityFaces"] == [] and len(empty["UnrecognizedFaces"]) == 3  # an empty gallery knows nobody

    done = run_oculi("celebrities", "add", "Keanu Reeves", "--url", "https://example.org/keanu", "--gender", "Male",
                     str(data(AWS + "Keanu-Reeves.jpg")), env={"OCULI_DATA_DIR": str(gallery_server.data_dir)})
    assert done.returncode == 0, done.stderr
    keanu = re.match(r"([0-9A-Za-z]{8}) Keanu Reeves: 1 face\(s\) added", done.stdout)
    assert keanu, done.stdout
    keanu_id = keanu[1]

    added = httpx.post(gallery_server.url + "/v1/celebrities", data={"name": "Avril Lavigne", "gender": "Female"},
                       files=[("images", ("avril.jpg", data(AWS + "Avril-Lavigne.jpg").read_bytes(), "image/jpeg")),
                              ("images", ("none.jpg", data(AWS + "no-face.jpg").read_bytes(), "image/jpeg"))],
                       timeout=120)
    assert added.status_code == 201, added.text
    avril = added.json()
    assert avril["celebrity"]["name"] == "Avril Lavigne" and len(avril["face_ids"]) == 1
    assert [s["filename"] for s in avril["skipped"]] == ["none.jpg"]
    listed = httpx.get(gallery_server.url + "/v1/celebrities").json()
    assert {c["id"]: c["face_count"] for c in listed["data"]} == {keanu_id: 1, avril["celebrity"]["id"]: 1}

    # both in the photos they are in, each once, the third person unrecognised
    for photo, third in (("Keanu-Avril-Mike.jpg", "Mike"), ("Keanu-Avril-Lawrence.jpg", "Lawrence")):
        found = rek.recognize_celebrities(Image=image(photo))
        assert_shape("RecognizeCelebrities", found)
        assert names(found) == {"Keanu Reeves", "Avril Lavigne"}, (photo, found["CelebrityFaces"])
        assert len(found["CelebrityFaces"]) == 2 and len(found["UnrecognizedFaces"]) == 1, third
        keanu_face = next(c for c in found["CelebrityFaces"] if c["Name"] == "Keanu Reeves")
        assert keanu_face["Id"] == keanu_id and keanu_face["Urls"] == ["https://example.org/keanu"]
        assert keanu_face["KnownGender"] == {"Type": "Male"} and keanu_face["MatchConfidence"] >= 80
        assert {"BoundingBox", "Confidence", "Landmarks", "Pose", "Quality", "Emotions", "Smile"} <= set(
            keanu_face["Face"])
    rest = httpx.post(gallery_server.url + "/v1/celebrities/recognize", timeout=120,
                      files={"image": ("g.jpg", data(AWS + "Keanu-Avril-Mike.jpg").read_bytes(), "image/jpeg")})
    assert rest.status_code == 200, rest.text
    assert {c["celebrity"]["name"] for c in rest.json()["celebrities"]} == {"Keanu Reeves", "Avril Lavigne"}
    assert len(rest.json()["unrecognized"]) == 1
    paths = httpx.get(gallery_server.url + "/openapi.json").json()["paths"]
    assert {"/v1/celebrities", "/v1/celebrities/{celebrity_id}", "/v1/celebrities/recognize"} <= set(paths)
    assert "422" in paths["/v1/celebrities"]["post"]["responses"]
    # alone, they are themselves; and nobody in photos of other people
    assert names(rek.recognize_celebrities(Image=image("Keanu-Reeves.jpg"))) == {"Keanu Reeves"}
    for other in ("Mike-Meyers.jpg", "Jim-Carrey.jpg", "Lawrence2.jpg", "smiling-lady.jpg"):
        answer = rek.recognize_celebrities(Image=image(other))
        assert answer["CelebrityFaces"] == [] and answer["UnrecognizedFaces"], other
    nobody = rek.recognize_celebrities(Image=image("no-face.jpg"))
    assert nobody["CelebrityFaces"] == [] and nobody["UnrecognizedFaces"] == []

    info = rek.get_celebrity_info(Id=keanu_id)
    assert_shape("GetCelebrityInfo", info)
    assert (info["Name"], info["Urls"], info["KnownGender"]) == ("Keanu Reeves", ["https://example.org/keanu"],
                                                                  {"Type": "Male"})
    assert rek.get_celebrity_info(Id=avril["celebrity"]["id"])["KnownGender"] == {"Type": "Female"}

    # the id is stable: more photos of the same name extend the same person
    again = run_oculi("celebrities", "add", "Keanu  Reeves", str(data(AWS + "Keanu-Reeves.jpg")),
                      env={"OCULI_DATA_DIR": str(gallery_server.data_dir)})
    assert again.returncode == 0 and again.stdout.startswith(f"{keanu_id} Keanu Reeves"), again.stdout
    assert rek.get_celebrity_info(Id=keanu_id)["Urls"] == ["https://example.org/keanu"]  # kept


def test_rekognition_errors(gallery_server):
    rek = gallery_server.client()
    with pytest.raises(botocore.exceptions.ClientError) as unknown:
        rek.get_celebrity_info(Id="1SK7cR8M")
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(botocore.exceptions.ClientError) as bad:
        rek.get_celebrity_info(Id="not-an-id")
    assert bad.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as no_image:
        rek.recognize_celebrities(Image={"Bytes": b"not a picture"})
    assert no_image.value.response["Error"]["Code"] == "InvalidImageFormatException"
    gone = httpx.get(gallery_server.url + "/v1/celebrities/1SK7cR8M")
    assert gone.status_code == 404


def test_remove_from_the_gallery(gallery_server):
    rek = gallery_server.client()
    added = httpx.post(gallery_server.url + "/v1/celebrities", data={"name": "Jim Carrey"},
                       files=[("images", ("jim.jpg", data(AWS + "Jim-Carrey.jpg").read_bytes(), "image/jpeg"))],
                       timeout=120).json()
    jim = added["celebrity"]["id"]
    assert names(rek.recognize_celebrities(Image=image("Jim-Carrey.jpg"))) == {"Jim Carrey"}
    assert httpx.delete(f"{gallery_server.url}/v1/celebrities/{jim}").status_code == 204
    assert rek.recognize_celebrities(Image=image("Jim-Carrey.jpg"))["CelebrityFaces"] == []
    with pytest.raises(botocore.exceptions.ClientError):
        rek.get_celebrity_info(Id=jim)


def test_celebrities_in_stored_video(gallery_server):
    """The storyboard clip's people scene (Biden and Obama): with Obama in the gallery, GetCelebrityRecognition
    names him there, on the left, and nobody else anywhere."""
    from tests.integration.test_video import ms, wait
    from tests.video_clips import SCENES, storyboard_mp4

    folder = gallery_server.data_dir / "objects" / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    storyboard_mp4(folder / "story.mp4")
    added = httpx.post(gallery_server.url + "/v1/celebrities", data={"name": "Barack Obama", "gender": "Male"},
                       files=[("images", ("obama.jpg", data("faces/face_recognition/examples/obama.jpg")
                                          .read_bytes(), "image/jpeg"))], timeout=120)
    assert added.status_code == 201, added.text
    obama = added.json()["celebrity"]["id"]
    rek = gallery_server.client()
    started = rek.start_celebrity_recognition(Video={"S3Object": {"Bucket": "videos", "Name": "story.mp4"}})
    assert_shape("StartCelebrityRecognition", started)
    r = wait(rek.get_celebrity_recognition, started["JobId"])
    assert_shape("GetCelebrityRecognition", r)
    assert r["JobStatus"] == "SUCCEEDED" and r["Celebrities"], r
    first, end = SCENES["people"]
    for item in r["Celebrities"]:
        c = item["Celebrity"]
        assert (c["Id"], c["Name"], c["KnownGender"]) == (obama, "Barack Obama", {"Type": "Male"})
        assert ms(first) <= item["Timestamp"] < ms(end) and c["BoundingBox"]["Left"] < 0.5 and c["Confidence"] >= 80
    by_id = rek.get_celebrity_recognition(JobId=started["JobId"], SortBy="ID")
    assert_shape("GetCelebrityRecognition", by_id)
    assert len(by_id["Celebrities"]) == len(r["Celebrities"])
