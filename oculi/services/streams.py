"""Stream processors: Rekognition's lifecycle (create, start, stop, update, delete, tags) and the leases the
workers hold them by.

Statuses as Rekognition's: STOPPED after create and stop; Start sets STARTING, and the worker that claims the
processor sets RUNNING once its source gives a frame; Stop sets STOPPING, and the runner sets STOPPED when it
has let go (at once when no live worker holds it); Update of a running processor sets UPDATING until the
runner has taken the new settings; a source or model that cannot work gives FAILED with a StatusMessage.

Leases, like jobs (services/jobs.py): a worker claims a processor that wants running (STARTING, RUNNING,
UPDATING, STOPPING) and whose lease is free or past, by one conditional UPDATE that also raises `epoch`; every
write of the runner afterwards is conditioned on that epoch (the fence), so a worker presumed dead that wakes
up again cannot touch a processor another worker took over.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from oculi.config import Settings
from oculi.services.collections import MAX_TAGS, Scope, TooManyTags, decode_token, encode_token
from oculi.services.errors import ErrorKind, InvalidParameter, ServiceError
from oculi.services.stream_records import StreamRecords
from oculi.storage.db.stream_models import StreamEventRow, StreamProcessorRow

STOPPED, STARTING, RUNNING, FAILED, STOPPING, UPDATING = "STOPPED", "STARTING", "RUNNING", "FAILED", "STOPPING", \
    "UPDATING"
WANT_RUNNING = (STARTING, RUNNING, UPDATING, STOPPING)
FACE_SEARCH, CONNECTED_HOME = "face_search", "connected_home"
HOME_LABELS = ("PERSON", "PET", "PACKAGE", "ALL")
DETECTABLE = ("PERSON", "PET")  # what the shipped models find; ALL means these here
MAX_REGIONS = 10


class StreamProcessorNotFound(ServiceError):
    kind = ErrorKind.NOT_FOUND


class StreamProcessorInUse(ServiceError):
    """The name is taken, or the processor's status does not allow the request (Rekognition's
    ResourceInUseException)."""

    kind = ErrorKind.RESOURCE_IN_USE


class TooManyProcessors(ServiceError):
    kind = ErrorKind.LIMIT_EXCEEDED


@dataclass(frozen=True)
class ProcessorSpec:
    """CreateStreamProcessor's request, in native names."""

    name: str
    input_arn: str
    role_arn: str
    mode: str
    settings: dict  # Rekognition's Settings.FaceSearch or Settings.ConnectedHome body
    kinesis_arn: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str | None = None
    sns_topic: str | None = None
    kms_key_id: str | None = None
    regions: list = field(default_factory=list)
    data_sharing: dict | None = None
    tags: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ProcessorInfo:
    id: str
    account: str
    region: str
    name: str
    arn: str
    status: str
    status_message: str | None
    created_at: float
    updated_at: float
    input_arn: str
    role_arn: str
    mode: str
    settings: dict
    kinesis_arn: str | None
    s3_bucket: str | None
    s3_prefix: str | None
    sns_topic: str | None
    kms_key_id: str | None
    regions: list
    data_sharing: dict | None
    session_id: str | None
    start_selector: dict | None
    stop_selector: dict | None
    started_at: float | None
    owner: str | None
    epoch: int


def info_of(row: StreamProcessorRow) -> ProcessorInfo:
    loads = lambda v: json.loads(v) if v else None  # noqa: E731
    return ProcessorInfo(row.id, row.account, row.region, row.name, row.arn, row.status, row.status_message,
                         row.created_at, row.updated_at, row.input_arn, row.role_arn, row.mode,
                         json.loads(row.settings), row.kinesis_arn, row.s3_bucket, row.s3_prefix, row.sns_topic,
                         row.kms_key_id, json.loads(row.regions or "[]"), loads(row.data_sharing), row.session_id,
                         loads(row.start_selector), loads(row.stop_selector), row.started_at, row.owner, row.epoch)


def processor_arn(scope: Scope, name: str) -> str:
    return f"arn:aws:rekognition:{scope.region}:{scope.account}:streamprocessor/{name}"


def check_home_labels(labels: list[str]) -> None:
    unknown = [lb for lb in labels if lb not in HOME_LABELS]
    if unknown:
        raise InvalidParameter(f"ConnectedHome Labels must be among {', '.join(HOME_LABELS)}; got {unknown}")
    if "PACKAGE" in labels:
        raise InvalidParameter("ConnectedHome label PACKAGE is not supported by this server: none of its models "
                               "detects packages (PERSON and PET are; ALL means PERSON and PET here)")


def check_regions(regions: list) -> None:
    if len(regions) > MAX_REGIONS:
        raise InvalidParameter(f"At most {MAX_REGIONS} RegionsOfInterest are allowed; got {len(regions)}")
    for roi in regions:
        if bool(roi.get("BoundingBox")) == bool(roi.get("Polygon")):
            raise InvalidParameter("Each RegionOfInterest needs exactly one of BoundingBox and Polygon")
        if roi.get("Polygon") and (len(roi["Polygon"]) < 3 or any("X" not in p or "Y" not in p
                                                                 for p in roi["Polygon"])):
            raise InvalidParameter("A RegionOfInterest Polygon needs at least 3 points, each with X and Y")


class StreamService(StreamRecords):
    def __init__(self, sessions: sessionmaker, settings: Settings, collections=None):
        self.sessions = sessions
        self.settings = settings
        self.collections = collections

    # -- the API's side ---------------------------------------------------------------------------

    def create(self, scope: Scope, spec: ProcessorSpec) -> str:
        if spec.mode == FACE_SEARCH:
            if not spec.kinesis_arn:
                raise InvalidParameter("A face search stream processor needs Output.KinesisDataStream.Arn")
            if not spec.settings.get("CollectionId"):
                raise InvalidParameter("Settings.FaceSearch needs a CollectionId")
            if self.collections is not None:
                try:
                    self.collections.describe(scope, spec.settings["CollectionId"])
                except ServiceError:
                    raise InvalidParameter(f"The collection {spec.settings['CollectionId']} does not exist in "
                                           f"{scope.region} for account {scope.account}") from None
        else:
            check_home_labels(spec.settings.get("Labels") or [])
            if not spec.s3_bucket:
                raise InvalidParameter("A connected home stream processor needs Output.S3Destination.Bucket")
            if not spec.sns_topic:
                raise InvalidParameter("A connected home stream processor needs NotificationChannel.SNSTopicArn")
            if spec.kinesis_arn:
                raise InvalidParameter("Output.KinesisDataStream is for face search; connected home writes to "
                                       "Output.S3Destination")
        check_regions(spec.regions)
        if len(spec.tags) > MAX_TAGS:
            raise TooManyTags(f"A resource can have at most {MAX_TAGS} tags; this would give it {len(spec.tags)}")
        now, arn = time.time(), processor_arn(scope, spec.name)
        try:
            with self.sessions.begin() as s:
                if self._find(s, scope, spec.name) is not None:
                    raise StreamProcessorInUse(f"A stream processor named {spec.name} already exists")
                count = s.scalar(select(func.count()).select_from(StreamProcessorRow).where(
                    StreamProcessorRow.account == scope.account, StreamProcessorRow.region == scope.region))
                if count >= self.settings.stream_max_processors:
                    raise TooManyProcessors(f"{count} stream processors exist in this account and region, the limit "
                                            f"is {self.settings.stream_max_processors} (OCULI_STREAM_MAX_PROCESSORS)")
                s.add(StreamProcessorRow(
                    id=str(uuid.uuid4()), account=scope.account, region=scope.region, name=spec.name, arn=arn,
                    input_arn=spec.input_arn, kinesis_arn=spec.kinesis_arn, s3_bucket=spec.s3_bucket,
                    s3_prefix=spec.s3_prefix, sns_topic=spec.sns_topic, role_arn=spec.role_arn,
                    kms_key_id=spec.kms_key_id, mode=spec.mode, settings=json.dumps(spec.settings),
                    regions=json.dumps(spec.regions),
                    data_sharing=json.dumps(spec.data_sharing) if spec.data_sharing else None,
                    tags=json.dumps(spec.tags, sort_keys=True), status=STOPPED, created_at=now, updated_at=now,
                    epoch=0))
        except IntegrityError:
            raise StreamProcessorInUse(f"A stream processor named {spec.name} already exists") from None
        return arn

    def _find(self, s, scope: Scope, name: str) -> StreamProcessorRow | None:
        return s.scalar(select(StreamProcessorRow).where(StreamProcessorRow.account == scope.account,
                                                         StreamProcessorRow.region == scope.region,
                                                         StreamProcessorRow.name == name))

    def _row(self, s, scope: Scope, name: str) -> StreamProcessorRow:
        row = self._find(s, scope, name)
        if row is None:
            raise StreamProcessorNotFound(f"Stream processor {name} does not exist")
        return row

    def describe(self, scope: Scope, name: str) -> ProcessorInfo:
        with self.sessions() as s:
            return info_of(self._row(s, scope, name))

    def list(self, scope: Scope, max_results: int | None, token: str | None) -> tuple[list[ProcessorInfo],
                                                                                     str | None]:
        after = decode_token(token)
        limit = min(max_results or 1000, 1000)
        with self.sessions() as s:
            q = select(StreamProcessorRow).where(StreamProcessorRow.account == scope.account,
                                                 StreamProcessorRow.region == scope.region)
            if after:
                q = q.where(StreamProcessorRow.name > after)
            rows = list(s.scalars(q.order_by(StreamProcessorRow.name).limit(limit + 1)))
        page = [info_of(r) for r in rows[:limit]]
        return page, encode_token(page[-1].name) if len(rows) > limit else None

    def all(self, limit: int = 1000) -> list[ProcessorInfo]:
        """Every processor, every account (the REST API's and the operators' view)."""
        with self.sessions() as s:
            return [info_of(r) for r in s.scalars(select(StreamProcessorRow).order_by(
                StreamProcessorRow.account, StreamProcessorRow.region, StreamProcessorRow.name).limit(limit))]

    def start(self, scope: Scope, name: str, start_selector: dict | None, stop_selector: dict | None) -> str:
        session_id = str(uuid.uuid4())
        with self.sessions.begin() as s:
            row = self._row(s, scope, name)
            if row.mode == FACE_SEARCH and (start_selector or stop_selector):
                raise InvalidParameter("StartSelector and StopSelector are for connected home stream processors, "
                                       "not face search")
            kvs = (start_selector or {}).get("KVSStreamStartSelector") or {}
            if kvs.get("FragmentNumber"):
                raise InvalidParameter("KVSStreamStartSelector.FragmentNumber names a Kinesis video fragment, which "
                                       "this server's sources do not have; use ProducerTimestamp")
            if row.status not in (STOPPED, FAILED):
                raise StreamProcessorInUse(f"Stream processor {name} is {row.status}; it can start only when "
                                           "STOPPED or FAILED")
            if row.mode == CONNECTED_HOME:
                stop_selector = {"MaxDurationInSeconds": 10, **(stop_selector or {})}  # Rekognition's default
            now = time.time()
            row.status, row.status_message, row.session_id = STARTING, None, session_id
            row.start_selector = json.dumps(start_selector) if start_selector else None
            row.stop_selector = json.dumps(stop_selector) if stop_selector else None
            row.started_at, row.updated_at, row.owner, row.lease_until = now, now, None, None
        return session_id

    def stop(self, scope: Scope, name: str) -> None:
        with self.sessions.begin() as s:
            row = self._row(s, scope, name)
            if row.status not in (STARTING, RUNNING, UPDATING):
                raise StreamProcessorInUse(f"Stream processor {name} is {row.status}; only a running one can stop")
            held = row.owner is not None and (row.lease_until or 0) > time.time()
            row.status = STOPPING if held else STOPPED
            row.status_message = None if held else "Stopped before any worker took it"
            row.updated_at = time.time()

    def update(self, scope: Scope, name: str, home: dict | None, regions: list | None,
               data_sharing: dict | None, to_delete: list[str]) -> None:
        with self.sessions.begin() as s:
            row = self._row(s, scope, name)
            if row.status in (STARTING, STOPPING, UPDATING):
                raise StreamProcessorInUse(f"Stream processor {name} is {row.status}; try again when it is "
                                           "RUNNING or STOPPED")
            settings = json.loads(row.settings)
            if home:
                if row.mode != CONNECTED_HOME:
                    raise InvalidParameter("SettingsForUpdate.ConnectedHomeForUpdate applies to connected home "
                                           "stream processors only")
                if "Labels" in home:
                    check_home_labels(home["Labels"])
                settings.update(home)
            if "ConnectedHomeMinConfidence" in to_delete:
                if row.mode != CONNECTED_HOME:
                    raise InvalidParameter("ConnectedHomeMinConfidence applies to connected home stream processors")
                settings.pop("MinConfidence", None)
            if regions is not None:
                check_regions(regions)
                row.regions = json.dumps(regions)
            if "RegionsOfInterest" in to_delete:
                row.regions = "[]"
            if data_sharing is not None:
                row.data_sharing = json.dumps(data_sharing)
            row.settings = json.dumps(settings)
            row.updated_at = time.time()
            if row.status == RUNNING:
                row.status = UPDATING  # until the runner has taken the new settings

    def delete(self, scope: Scope, name: str) -> None:
        with self.sessions.begin() as s:
            row = self._row(s, scope, name)
            if row.status in WANT_RUNNING:
                raise StreamProcessorInUse(f"Stream processor {name} is {row.status}; stop it before deleting it")
            s.execute(delete(StreamEventRow).where(StreamEventRow.processor_id == row.id))
            s.delete(row)

    # -- tags (on processor ARNs) -----------------------------------------------------------------

    def _by_arn(self, s, scope: Scope, arn: str) -> StreamProcessorRow:
        row = s.scalar(select(StreamProcessorRow).where(StreamProcessorRow.arn == arn))
        if row is None or (row.account, row.region) != (scope.account, scope.region):
            raise StreamProcessorNotFound(f"The resource {arn} does not exist")
        return row

    def tags(self, scope: Scope, arn: str) -> dict[str, str]:
        with self.sessions() as s:
            return json.loads(self._by_arn(s, scope, arn).tags)

    def retag(self, scope: Scope, arn: str, add: dict[str, str] | None = None, drop: list[str] = ()) -> None:
        with self.sessions.begin() as s:
            row = self._by_arn(s, scope, arn)
            tags = {k: v for k, v in json.loads(row.tags).items() if k not in set(drop)} | (add or {})
            if len(tags) > MAX_TAGS:
                raise TooManyTags(f"A resource can have at most {MAX_TAGS} tags; this would give it {len(tags)}")
            row.tags = json.dumps(tags, sort_keys=True)

    # -- the workers' side --------------------------------------------------------------------------

    def claimable(self) -> list[str]:
        now = time.time()
        with self.sessions() as s:
            return list(s.scalars(select(StreamProcessorRow.id).where(
                StreamProcessorRow.status.in_(WANT_RUNNING),
                or_(StreamProcessorRow.lease_until.is_(None), StreamProcessorRow.lease_until < now))
                .order_by(StreamProcessorRow.updated_at)))

    def claim(self, processor_id: str, owner: str) -> ProcessorInfo | None:
        """Take a processor whose lease is free or past; its epoch is raised (the new fence)."""
        now = time.time()
        with self.sessions.begin() as s:
            taken = s.execute(update(StreamProcessorRow).where(
                StreamProcessorRow.id == processor_id, StreamProcessorRow.status.in_(WANT_RUNNING),
                or_(StreamProcessorRow.lease_until.is_(None), StreamProcessorRow.lease_until < now))
                .values(owner=owner, lease_until=now + self.settings.stream_lease_seconds,
                        epoch=StreamProcessorRow.epoch + 1)).rowcount
            return info_of(s.get(StreamProcessorRow, processor_id)) if taken else None

    @staticmethod
    def _held(processor_id: str, epoch: int):
        """UPDATE ... WHERE this claim still holds the processor (the fence)."""
        return update(StreamProcessorRow).where(StreamProcessorRow.id == processor_id,
                                                StreamProcessorRow.epoch == epoch,
                                                StreamProcessorRow.owner.is_not(None))

    def renew(self, processor_id: str, epoch: int, **values) -> ProcessorInfo | None:
        """Extend the lease (and write `values`) while the fence holds; None when the processor is no longer
        ours (taken over, released, or deleted)."""
        now = time.time()
        with self.sessions.begin() as s:
            n = s.execute(self._held(processor_id, epoch)
                          .values(lease_until=now + self.settings.stream_lease_seconds, **values)).rowcount
            return info_of(s.get(StreamProcessorRow, processor_id)) if n else None

    def transition(self, processor_id: str, epoch: int, before: tuple[str, ...], after: str,
                   message: str | None = None) -> bool:
        """Change the status only from one of `before` (RUNNING must not overwrite a Stop that came first)."""
        with self.sessions.begin() as s:
            return s.execute(self._held(processor_id, epoch).where(StreamProcessorRow.status.in_(before))
                             .values(status=after, status_message=message, updated_at=time.time())).rowcount == 1

    def release(self, processor_id: str, epoch: int, status: str, message: str | None) -> bool:
        """The runner lets go: STOPPED or FAILED with its message, lease freed (fenced)."""
        with self.sessions.begin() as s:
            return s.execute(self._held(processor_id, epoch)
                             .values(status=status, status_message=message, owner=None, lease_until=None,
                                     updated_at=time.time())).rowcount == 1
