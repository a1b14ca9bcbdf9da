"""One settings object for the whole service (OCULI_* environment variables)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from oculi.aws.policy import Statement, matches


def _default_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "oculi"


class ModelChoice(BaseModel):
    """One implementation per model task (OCULI_MODELS__FACE_DETECTION=yunet); None: the task's default.
    `oculi.ml.base.Models` checks each name against the registry when the service starts."""

    model_config = ConfigDict(extra="forbid")

    face_detection: str | None = Field(default=None, description="yunet (default) or blazeface")
    face_embedding: str | None = Field(default=None, description="dlib-onnx (default: dlib's ResNet run by "
                                                                 "onnxruntime), dlib (the same network in dlib; "
                                                                 "same vectors) or sface; a collection keeps the "
                                                                 "embedder it was created with")
    face_alignment: str | None = None
    face_mesh: str | None = None
    age_gender: str | None = None
    emotion: str | None = None
    labels: str | None = None
    objects: str | None = Field(default=None, description="ssd-mobilenet-v2-onnx (default: SSD-MobileNetV2 run by "
                                                          "onnxruntime) or ssd-mobilenet-v2 (the same network in "
                                                          "OpenCV DNN; same detections)")
    moderation: str | None = None
    body_parts: str | None = None
    text: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCULI_", extra="ignore", env_nested_delimiter="__")

    home: Path = Field(default_factory=_default_home, description="model pack and wheel cache")
    data_dir: Path = Field(default=Path("data"), description="objects, database")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=0, description="uvicorn worker processes; 0 = one per core")
    threads: int = Field(default=2, ge=1, description="intra-op threads per model session")
    embedding_processes: int = Field(default_factory=lambda: min(os.cpu_count() or 1, 4), ge=0,
                                     description="worker processes of the face embedding in dlib's own "
                                                 "runtime (OCULI_MODELS__FACE_EMBEDDING=dlib), which holds the "
                                                 "GIL (0: run it in the request's process); dlib-onnx and sface "
                                                 "need none")
    models: ModelChoice = Field(default_factory=ModelChoice, description="model implementation per task")
    optional_models: str = Field(default="", description="comma-separated optional model packages to use, "
                                                         "e.g. 'nudenet' (AGPL-3.0: explicit-nudity labels)")
    max_image_pixels: int = Field(default=80_000_000, ge=1_000_000, description="decompression-bomb guard")
    face_tile_min_side: int = Field(default=640, description="images larger than this get a tiled face pass")
    label_passes: str = Field(default="default", pattern="^(default|basic|thorough)$",
                              description="DetectLabels passes: default; basic (one detector and one classifier "
                              "pass, uncalibrated: as before issue 14); thorough (detector tiles on every photo, "
                              "~4x basic's time)")
    database_url: str | None = Field(default=None, description="default: sqlite:///<data_dir>/oculi.db")
    rest_account: str = Field(default="000000000000", description="account of resources used by the REST API")
    rest_region: str = Field(default="us-east-1", description="region of resources used by the REST API")
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, description="REST uploads")
    max_request_bytes: int = Field(default=0, ge=0, description="largest REST request body, all its files and "
                                                                "fields together, refused (413) before it is read; "
                                                                "0: max_upload_bytes + 1 MiB. The Rekognition front "
                                                                "takes what its largest request needs (15,029,592)")
    body_timeout_seconds: float = Field(default=60.0, gt=0, description="longest time to receive a request (its "
                                                                        "headers, then its body): slower or short "
                                                                        "bodies get 408 and the connection closed")
    access_keys: dict[str, str] = Field(default_factory=dict,
                                        description='access key -> 12-digit account, e.g. {"AKIA...": "111122223333"}')
    secret_keys: dict[str, str] = Field(default_factory=dict,
                                        description='access key -> secret key, e.g. {"AKIA...": "wJal..."}: when '
                                                    "set, the AWS front verifies every SigV4 signature and refuses "
                                                    "other keys")
    access_policies: dict[str, list[Statement]] = Field(
        default_factory=dict,
        description='access key -> IAM-like statements: {"AKIA...": [{"Action": ["rekognition:*"], "Resource": '
                    '["arn:aws:rekognition:*:111122223333:collection/team-a*"]}]}; a bare string is an action glob '
                    'on every resource ("rekognition:Detect*"); a key without an entry may call every operation. '
                    "Needs OCULI_SECRET_KEYS, with a secret for each key")
    api_keys: list[str] = Field(default_factory=list,
                                description='keys for the REST API (/v1) and /metrics, e.g. ["k1", "k2"]: '
                                            "X-Api-Key: <key> or Authorization: Bearer <key>; empty = open")
    keep_face_crops: bool = Field(default=False, description="store a JPEG crop of each indexed face (privacy: "
                                                             "off, only vectors and metadata are kept)")
    # -- pipeline --------------------------------------------------------------------------------
    object_store: str = Field(default="", description="file:///dir or s3://bucket; default: <data_dir>/objects")
    s3_endpoint_url: str | None = Field(default=None, description="MinIO, Ceph, moto...; None = AWS")
    upload_bucket: str = Field(default="oculi", description="bucket of REST uploads on a file:// store")
    queue_url: str | None = Field(default=None, description="redis://...; default: SQLite <data_dir>/queue.db")
    queue_workers: int = Field(default=1, ge=1, description="task threads per worker process")
    job_lease_seconds: float = Field(default=60.0, gt=0, description="a running job not heard of for this long "
                                                                      "(its worker died) is run again")
    task_retries: int = Field(default=3, ge=0, description="retries of a transient failure before dead-letter")
    retry_base_seconds: float = Field(default=2.0, gt=0, description="first back-off; doubles each retry")
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_timeout: float = Field(default=10.0, gt=0, description="total time of one delivery attempt")
    outbound_allow_networks: list[str] = Field(
        default_factory=list,
        description='networks that webhooks and upload by URL may reach although they are refused by default '
                    '(loopback, private, link-local, CGNAT, unique-local...), as CIDRs: ["127.0.0.0/8", '
                    '"10.1.0.0/16"]; the cloud metadata addresses stay refused whatever is allowed')
    outbound_connect_timeout: float = Field(default=5.0, gt=0, description="webhooks and upload by URL")
    url_fetch_timeout: float = Field(default=30.0, gt=0, description="total time to fetch an image by URL")
    webhook_retry_for_seconds: float = Field(default=86400.0, gt=0, description="default delivery retry window")
    employees_prefix: str = Field(default="employees/", description="objects under it are enrolled")
    employees_collection: str = "employees"
    wait_timeout: float = Field(default=120.0, gt=0, description="longest ?wait=true on uploads")
    log_format: str = Field(default="json", pattern="^(json|text)$")
    # -- stored video (Start*/Get*) -----------------------------------------------------------------
    video_chunk_seconds: float = Field(default=10.0, gt=0, description="a video job commits its timeline in chunks "
                                                                       "this long: a lost worker costs one chunk")
    video_max_jobs: int = Field(default=20, ge=1, description="video jobs in progress at once per account and "
                                                              "region (Rekognition's default); more: LimitExceeded")
    video_result_seconds: float = Field(default=7 * 86400.0, gt=0,
                                        description="how long a finished video job's results are kept "
                                                    "(Rekognition: 7 days)")
    video_max_bytes: int = Field(default=10 * 1024**3, ge=1, description="largest stored video (Rekognition: 10 GB)")
    video_max_seconds: float = Field(default=6 * 3600.0, gt=0, description="longest stored video (6 hours)")
    video_sample_fps: dict[str, float] = Field(default_factory=dict,
                                               description='frames analysed a second per feature, e.g. {"labels": 1} '
                                                           "(defaults in oculi/video/sampling.py; 0 = every frame)")
    video_frame_threads: int = Field(default=2, ge=0, description="sampled frames a video job detects on at once "
                                                                  "(then tracked in frame order); 0: one by one")
    sns_endpoint_url: str | None = Field(default=None, description="SNS-compatible endpoint for Rekognition's "
                                                                   "completion messages (NotificationChannel); "
                                                                   "None = AWS")
    # -- live streams (stream processors) --------------------------------------------------------------
    kinesis_endpoint_url: str | None = Field(default=None, description="Kinesis-compatible endpoint for face-search "
                                                                       "records (Output.KinesisDataStream); None = AWS")
    stream_sources: dict[str, str] = Field(default_factory=dict,
                                           description='Kinesis video stream ARN -> URL Oculi reads instead: '
                                                       'rtsp://, http(s):// (MJPEG, HLS) or a local file played in '
                                                       'real time; also `oculi streams add-source` and '
                                                       'PUT /v1/streams/sources')
    stream_max_fps: float = Field(default=2.0, gt=0, description="frames analysed a second per stream processor, "
                                                                 "at most: one camera cannot starve the others")
    stream_lease_seconds: float = Field(default=15.0, gt=0, description="a running processor whose worker is not "
                                                                        "heard of for this long is taken over")
    stream_worker_capacity: int = Field(default=8, ge=0, description="stream processors one worker process runs")
    stream_max_processors: int = Field(default=128, ge=1, description="stream processors per account and region "
                                                                      "(more: LimitExceededException)")
    stream_connect_timeout: float = Field(default=5.0, gt=0, description="seconds to open a source, or to wait "
                                                                         "for its next packet")
    stream_reconnect_max_seconds: float = Field(default=10.0, gt=0, description="longest back-off between "
                                                                                "reconnections to a dropped source")
    stream_session_gap_seconds: float = Field(default=2.0, gt=0, description="connected home: an appearance ends "
                                                                             "after this long without a detection")

    @model_validator(mode="after")
    def _policies_enforceable(self) -> Settings:
        """A policy the service could not enforce is refused at start-up rather than silently ignored."""
        if not self.access_policies:
            return self
        if not self.secret_keys:
            raise ValueError("OCULI_ACCESS_POLICIES needs OCULI_SECRET_KEYS: without signature checks any caller "
                             "can name any access key, so no policy would bind")
        if missing := sorted(set(self.access_policies) - set(self.secret_keys)):
            raise ValueError(f"OCULI_ACCESS_POLICIES names access keys without a secret in OCULI_SECRET_KEYS: "
                             f"{', '.join(missing)} (their requests are refused, so the policy never applies)")
        for key, statements in self.access_policies.items():
            account = self.access_keys.get(key, "000000000000")
            for pattern in sorted({a for s in statements for a in s.accounts()}):
                if not matches(pattern, account):
                    raise ValueError(f"OCULI_ACCESS_POLICIES: a resource of {key} names account {pattern}, but "
                                     f"{key} acts in account {account} (OCULI_ACCESS_KEYS), so it never matches")
        return self

    @property
    def optional_packages(self) -> frozenset[str]:
        return frozenset(x.strip() for x in self.optional_models.split(",") if x.strip())

    @property
    def rest_request_bytes(self) -> int:
        return self.max_request_bytes or self.max_upload_bytes + 1024 * 1024

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def wheels_dir(self) -> Path:
        return self.home / "wheels"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'oculi.db').resolve()}"

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def store_url(self) -> str:
        return self.object_store or f"file://{self.objects_dir.resolve()}"

    @property
    def bucket(self) -> str:
        """The bucket that REST uploads and watched folders are written to."""
        if self.store_url.startswith("s3://"):
            return self.store_url.removeprefix("s3://").split("/", 1)[0]
        return self.upload_bucket

    @property
    def queue(self) -> str:
        return self.queue_url or f"sqlite:///{(self.data_dir / 'queue.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
