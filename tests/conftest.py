"""Shared fixtures: the model pack (fetched once into ~/.cache/oculi), a live server, data paths."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image, ImageOps

from oculi.aws.spec import operation_model
from oculi.aws.validate import check_output
from oculi.config import Settings
from oculi.ml.pack import ModelPack

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data"))


def data(rel: str) -> Path:
    path = SHARED_DATA / rel
    assert path.exists(), f"test data {path} is missing (../shared/data beside the repo)"
    return path


def load_rgb(path: Path) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB")))


def assert_shape(operation: str, response: dict) -> None:
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    problems = check_output(operation_model(operation).output_shape, body)
    assert not problems, f"{operation} response departs from botocore's output shape: {problems}"


@pytest.fixture(scope="session")
def pack() -> ModelPack:
    pack = ModelPack(Settings().home)
    if pack.missing():  # scripts/test fetches first; this only runs for a bare `pytest`
        pack.fetch(progress=False)
    assert not pack.missing()
    return pack


@pytest.fixture(scope="session")
def analyzer(pack, tmp_path_factory):
    from oculi.services.analysis import Analyzer

    return Analyzer(Settings(data_dir=tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def models(analyzer):
    return analyzer.models


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(pack, tmp_path_factory):
    """A live `oculi serve` on 127.0.0.1 with its own data folder; yields (url, data_dir)."""
    data_dir = tmp_path_factory.mktemp("server-data")
    port = _free_port()
    env = dict(os.environ, OCULI_DATA_DIR=str(data_dir))
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 (closed at teardown)
    proc = subprocess.Popen([sys.executable, "-m", "oculi.cli", "serve", "--port", str(port), "--workers", "2"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        assert proc.poll() is None, (data_dir / "server.log").read_text()
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        raise AssertionError("server did not start: " + (data_dir / "server.log").read_text())
    yield url, data_dir
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def rekognition(server):
    import boto3
    from botocore.config import Config

    return boto3.client("rekognition", endpoint_url=server[0], region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}, read_timeout=120))
