"""`oculi collections enroll` and POST /v1/identify: employee / visitor / outsider against a live server."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from tests.conftest import data

EX = "faces/face_recognition/examples"


def enroll(data_dir, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OCULI_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "oculi.cli", "collections", "enroll", *args],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def enrolled(server):
    url, data_dir = server
    done = enroll(data_dir, "employees", "--name", "barack", str(data(f"{EX}/knn_examples/train/obama")))
    assert done.returncode == 0, done.stderr
    assert "user barack: 2 face(s) indexed into employees, 2 associated" in done.stdout
    done = enroll(data_dir, "visitors", str(data(f"{EX}/biden.jpg")))
    assert done.returncode == 0 and "1 face(s) indexed into visitors" in done.stdout
    return url


def identify(url: str, rel: str, **form) -> httpx.Response:
    with open(data(rel), "rb") as fh:
        return httpx.post(f"{url}/v1/identify", files={"image": (rel.rsplit("/", 1)[-1], fh)},
                          data={k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()},
                          timeout=120)


def test_employee_visitor_outsider(enrolled):
    r = identify(enrolled, f"{EX}/obama2.jpg")
    assert r.status_code == 200, r.text
    (face,) = r.json()["data"]
    assert (face["status"], face["user_id"]) == ("employees", "barack") and face["similarity"] > 90
    visitor = identify(enrolled, f"{EX}/knn_examples/train/biden/biden2.jpg").json()["data"][0]
    assert (visitor["status"], visitor["external_image_id"], visitor["user_id"]) == ("visitors", "biden", None)
    outsider = identify(enrolled, f"{EX}/alex-lacamoire.png").json()["data"][0]
    assert outsider["status"] == "outsider" and outsider["similarity"] is None


def test_all_faces_and_collection_order(enrolled):
    both = identify(enrolled, f"{EX}/knn_examples/test/obama_and_biden.jpg", all_faces=True).json()
    statuses = [f["status"] for f in both["data"]]
    assert both["count"] == len(both["data"]) >= 2
    assert statuses.count("employees") == 1 and statuses.count("visitors") == 1  # others are outsiders
    assert set(statuses) <= {"employees", "visitors", "outsider"}
    only_visitors = identify(enrolled, f"{EX}/obama2.jpg", collections="visitors").json()["data"][0]
    assert only_visitors["status"] == "outsider"


def test_identify_errors(enrolled):
    missing = identify(enrolled, f"{EX}/obama2.jpg", collections="employees,contractors")
    assert missing.status_code == 404 and "contractors" in missing.json()["message"]
    bad = httpx.post(f"{enrolled}/v1/identify", files={"image": ("x.jpg", b"not an image")}, timeout=60)
    assert bad.status_code == 400 and bad.json()["error"] == "InvalidImageFormat"
    assert identify(enrolled, f"{EX}/obama2.jpg", threshold=150).status_code == 422
