"""/v1/videos: upload a video and start its analyses; read its status, progress and results.

Results are Rekognition's timeline records (the members of its Get* answers: Label, FaceDetail, PersonDetail
with FaceMatches, ModerationLabel, TextDetection, SegmentDetection), one list per feature.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from oculi.api.deps import ServicesDep
from oculi.services.errors import InvalidParameter
from oculi.video.sampling import FEATURES

router = APIRouter()


class VideoPublic(BaseModel):
    id: str
    status: str  # IN_PROGRESS | SUCCEEDED | FAILED
    status_message: str | None = None
    progress: float  # share of the video's chunks analysed, 0-1
    features: list[str]
    bucket: str
    key: str
    video: dict | None = None  # codec, format, duration_ms, frame_rate, width, height, color_range, frames
    audio: list[dict] = []
    results: dict[str, list[dict]] = {}
    created_at: float
    completed_at: float | None = None


def _public(job) -> VideoPublic:
    return VideoPublic(id=job.id, status=job.status, status_message=job.status_message, progress=job.progress,
                       features=job.features, bucket=job.bucket, key=job.key, video=job.video, audio=job.audio,
                       results=job.results, created_at=job.created_at, completed_at=job.completed_at)


@router.post("/videos", status_code=202, response_model=VideoPublic)
async def upload_video(
    svc: ServicesDep,
    file: Annotated[UploadFile, File(description="the video (MP4/MOV, WebM/MKV, AVI...: what FFmpeg reads)")],
    features: Annotated[str, Form(description=f"comma-separated: {', '.join(FEATURES)}")] = "labels,segments",
    collection: Annotated[str | None, Form(description="the collection face_search searches")] = None,
    threshold: Annotated[float, Form(ge=0, le=100)] = 80.0,
) -> VideoPublic:
    wanted = [f.strip() for f in features.split(",") if f.strip()]
    if not wanted:
        raise InvalidParameter(f"choose features from {', '.join(FEATURES)}")
    data = await file.read()
    job_id = await run_in_threadpool(svc.videos.upload, file.filename or "video", data, wanted, collection, threshold)
    return _public(await run_in_threadpool(svc.videos.get, None, job_id, False))


@router.get("/videos/{video_id}", response_model=VideoPublic)
def get_video(svc: ServicesDep, video_id: str) -> VideoPublic:
    return _public(svc.videos.get(None, video_id))
