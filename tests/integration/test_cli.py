"""The AWS CLI against the live server, and Oculi's own CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import data


def aws_cli(server_url: str, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    assert exe, "the AWS CLI is installed with the test extras (pip install -e .[test])"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    return subprocess.run([exe, "rekognition", *args, "--endpoint-url", server_url, "--output", "json"],
                          capture_output=True, text=True, env=env, timeout=300)


def test_aws_cli_detect_labels(server):
    photo = data("faces/face_recognition/examples/two_people.jpg")
    # AWS CLI v1 takes image files with its Rekognition customisation --image-bytes
    done = aws_cli(server[0], "detect-labels", "--image-bytes", f"fileb://{photo}", "--max-labels", "5")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "Person" in {lb["Name"] for lb in out["Labels"]}


def test_aws_cli_compare_faces(server):
    a = data("faces/face_recognition/examples/obama.jpg")
    b = data("faces/face_recognition/examples/obama2.jpg")
    done = aws_cli(server[0], "compare-faces", "--source-image-bytes", f"fileb://{a}",
                   "--target-image-bytes", f"fileb://{b}")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["FaceMatches"][0]["Similarity"] > 90


def test_aws_cli_reports_service_errors(server, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a picture")
    done = aws_cli(server[0], "detect-faces", "--image-bytes", f"fileb://{bad}")
    assert done.returncode != 0 and "InvalidImageFormatException" in done.stderr


def test_aws_cli_s3_object_shorthand(server):
    url, data_dir = server
    target = data_dir / "objects" / "cli-bucket" / "obama.jpg"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data("faces/face_recognition/examples/obama.jpg").read_bytes())
    done = aws_cli(url, "detect-faces", "--image", "S3Object={Bucket=cli-bucket,Name=obama.jpg}",
                   "--attributes", "ALL")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["FaceDetails"][0]["Gender"]["Value"] == "Male"


def run_oculi(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "oculi.cli", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_oculi_analyze_json_and_table(pack):
    photo = str(data("faces/face_recognition/examples/two_people.jpg"))
    done = run_oculi("analyze", photo, "--json", "--features", "labels,faces,moderation")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    names = [label["name"] for label in out["labels"]]
    assert len(out["faces"]) == 2 and {"Person", "Man", "Face"} <= set(names) and out["moderation"] == []
    assert names.index("Person") < 5  # among the top labels (people labels and clothing rank beside it)
    assert set(out["models"]) == {"labels", "faces", "moderation"}
    table = run_oculi("analyze", photo, "--features", "faces")
    assert table.returncode == 0 and "FACES (2)" in table.stdout
    bad = run_oculi("analyze", photo, "--features", "colour")
    assert bad.returncode == 1 and "unknown features" in bad.stderr


def test_oculi_models_list(pack):
    done = run_oculi("models", "list")
    assert done.returncode == 0
    for needle in ("blazeface", "mediapipe==0.10.14", "CC0-1.0", "present", "rapidocr=="):
        assert needle in done.stdout
    nudenet = next(line for line in done.stdout.splitlines() if line.startswith("nudenet "))
    assert "AGPL-3.0" in nudenet and "optional, off" in nudenet
    on = run_oculi("models", "list", env={"OCULI_OPTIONAL_MODELS": "nudenet"})
    assert "optional, on, present" in next(line for line in on.stdout.splitlines() if line.startswith("nudenet "))
    bad = run_oculi("models", "fetch", "--with", "nudenets")
    assert bad.returncode == 1 and "unknown optional model package" in bad.stderr
