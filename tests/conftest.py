"""Shared fixtures: the model pack (fetched once into ~/.cache/oculi), a live server, data paths."""

from __future__ import annotations

import json
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


def home_with(pack: ModelPack, home: Path, file_ids: tuple[str, ...] | None = None) -> ModelPack:
    """A model home in `home` holding links to files of the real pack (all, or `file_ids`); its derived/ (the
    converted graphs) starts empty."""
    mine = ModelPack(home)
    for f in pack.files():
        if file_ids is None or f.id in file_ids:
            mine.file_path(f).parent.mkdir(parents=True, exist_ok=True)
            mine.file_path(f).symlink_to(pack.path(f.id))
    return mine


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
def nudenet_analyzer(pack, tmp_path_factory):
    """An analyzer with the optional NudeNet package on (scripts/test fetches it with `--with nudenet`)."""
    from oculi.services.analysis import Analyzer

    settings = Settings(data_dir=tmp_path_factory.mktemp("nudenet"), optional_models="nudenet")
    optional = ModelPack(settings.home, settings.optional_packages)
    if optional.missing():
        optional.fetch(progress=False)
    return Analyzer(settings)


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


ACCESS_KEYS = {"AKIDTEAMA": "111111111111", "AKIDTEAMB": "222222222222"}


class Server:
    """`oculi serve` as a child process on 127.0.0.1 with its own data folder (role all: API + a queue worker)."""

    def __init__(self, data_dir: Path, workers: int = 2, env: dict | None = None, role: str = "all"):
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, OCULI_DATA_DIR=str(data_dir), OCULI_ACCESS_KEYS=json.dumps(ACCESS_KEYS),
                        **(env or {}))
        self.log_path = data_dir / f"server-{self.port}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "oculi.cli", "serve", "--port", str(self.port), "--workers", str(workers),
             "--role", role], env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while time.time() < deadline:
            assert self.proc.poll() is None, self.log_path.read_text()
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise AssertionError("server did not start: " + self.log_path.read_text())

    def client(self, access_key: str = "x", region: str = "us-east-1", secret: str = "x"):
        import boto3
        from botocore.config import Config

        return boto3.client("rekognition", endpoint_url=self.url, region_name=region, aws_access_key_id=access_key,
                            aws_secret_access_key=secret,
                            config=Config(retries={"max_attempts": 1}, read_timeout=300, max_pool_connections=16))

    def worker(self) -> subprocess.Popen:
        """One more `oculi serve --role worker` process on the same settings (logs to the server's log)."""
        return subprocess.Popen([sys.executable, "-m", "oculi.cli", "serve", "--role", "worker"], env=self.env,
                                stdout=self._log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self._log.close()


class Postgres:
    """A real PostgreSQL 16 + pgvector from the `pgserver` package, one database per caller."""

    def __init__(self, folder: Path):
        import pgserver  # a test dependency: missing means a broken setup, never a skip

        self.server = pgserver.get_server(folder, cleanup_mode="stop")
        self.count = 0

    def database(self) -> str:
        self.count += 1
        name = f"oculi_{self.count}"
        self.server.psql(f"CREATE DATABASE {name};")
        return self.server.get_uri(name)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory) -> Postgres:
    pg = Postgres(tmp_path_factory.mktemp("pg"))
    yield pg
    pg.server.cleanup()


@pytest.fixture(scope="session")
def live(pack, tmp_path_factory) -> Server:
    srv = Server(tmp_path_factory.mktemp("server-data"))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def server(live):
    """(url, data_dir) of the shared live server."""
    return live.url, live.data_dir


@pytest.fixture(scope="session")
def rekognition(live):
    return live.client()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    from tests.servers import Redis

    srv = Redis(tmp_path_factory.mktemp("redis"))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    from tests.servers import S3_ENV, MotoS3

    os.environ.update(S3_ENV)  # boto3 in this process (the S3 blob store) signs with moto's test keys
    srv = MotoS3(tmp_path_factory.mktemp("moto"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def srv(pack, tmp_path_factory) -> Server:
    """An embedded `oculi serve` (role all) per test module, with quick retries for the pipeline tests. Its
    webhooks may reach loopback, where the tests' receivers listen (refused by default)."""
    server = Server(tmp_path_factory.mktemp("pipeline"), workers=1,
                    env={"OCULI_RETRY_BASE_SECONDS": "0.3", "OCULI_WEBHOOK_TIMEOUT": "2",
                         "OCULI_OUTBOUND_ALLOW_NETWORKS": json.dumps(["127.0.0.0/8"])})
    yield server
    server.stop()
