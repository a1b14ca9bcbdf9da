"""The stored-video operations of the Rekognition provider (Start*/Get*): AWS request dicts in, AWS dicts out.

Start* checks and queues a job (services/video.py); Get* reads the job's stored timeline, sorted and
aggregated as asked, one page at a time (MaxResults up to 1000, NextToken; an empty NextToken is a first call,
as older clients send it).
"""

from __future__ import annotations

from oculi.aws import api
from oculi.aws.errors import RequestContext
from oculi.operations import inputs
from oculi.services import compose
from oculi.services.analysis import Analyzer
from oculi.services.collections import InvalidPaginationToken, Scope, decode_token, encode_token
from oculi.services.compose import FaceSearchRequest, FacesRequest, LabelsRequest, ModerationRequest
from oculi.services.video import SUCCEEDED, VideoJobInfo, VideoRequest, VideoService
from oculi.video import sampling, timeline

MAX_RESULTS = 1000


def _video_metadata(v: dict) -> dict:
    return {"Codec": v["codec"], "DurationMillis": v["duration_ms"], "Format": v["format"],
            "FrameRate": v["frame_rate"], "FrameHeight": v["height"], "FrameWidth": v["width"],
            "ColorRange": v["color_range"]}


def _audio_metadata(a: dict) -> dict:
    return {"Codec": a["codec"], "DurationMillis": a["duration_ms"], "SampleRate": a["sample_rate"],
            "NumberOfChannels": a["channels"]}


def segments_by_name(items: list[dict], key: str, name_of, interval_ms: float, duration_ms: int) -> list[dict]:
    """AggregateBy SEGMENTS: each name's continuous appearance (samples no more than two intervals apart) as
    one entry with StartTimestampMillis, EndTimestampMillis and DurationMillis; its best confidence."""
    by_name: dict[str, list[dict]] = {}
    for it in items:
        by_name.setdefault(name_of(it), []).append(it)
    out = []
    for runs in by_name.values():
        runs.sort(key=lambda it: it["Timestamp"])
        start = prev = None
        best: dict | None = None
        for it in [*runs, None]:
            ts = it["Timestamp"] if it else None
            if start is not None and (it is None or ts - prev > 2 * interval_ms):
                end = int(min(prev + interval_ms, duration_ms))
                entry = {"Timestamp": start, "StartTimestampMillis": start, "EndTimestampMillis": end,
                         "DurationMillis": end - start, key: dict(best[key])}
                if key == "Label":
                    entry[key]["Instances"] = []
                out.append(entry)
                start = None
            if it is None:
                break
            if start is None:
                start, best = ts, it
            elif it[key]["Confidence"] > best[key]["Confidence"]:
                best = it
            prev = ts
    return out


class VideoOperations(api.RekognitionApi):
    videos: VideoService  # set by the provider
    analyzer: Analyzer  # set by ImageOperations

    # -- Start* -----------------------------------------------------------------------------------

    def _start(self, context: RequestContext, request: dict, api_name: str, features: tuple[str, ...],
               params: dict) -> dict:
        """`params`: the job's stored request (compose's typed requests as JSON, or the segment settings)."""
        video = inputs.video_object(request)
        channel = request.get("NotificationChannel") or {}
        req = VideoRequest(api_name, features, params, video.bucket, video.name, video.version,
                           request.get("ClientRequestToken") or None, request.get("JobTag"),
                           channel.get("SNSTopicArn"), channel.get("RoleArn"))
        return {"JobId": self.videos.start(Scope(context.account, context.region), req)}

    def start_label_detection(self, context, request):
        asked = LabelsRequest(None, request.get("MinConfidence", 50.0), inputs.label_filter(request.get("Settings")))
        return self._start(context, request, "StartLabelDetection", ("labels",), asked.params())

    def start_face_detection(self, context, request):
        asked = FacesRequest(request.get("FaceAttributes", "DEFAULT") == "ALL")
        return self._start(context, request, "StartFaceDetection", ("faces",), asked.params())

    def start_content_moderation(self, context, request):
        asked = ModerationRequest(request.get("MinConfidence", 50.0))
        return self._start(context, request, "StartContentModeration", ("moderation",), asked.params())

    def start_text_detection(self, context, request):
        asked = inputs.text_request(request.get("Filters"))
        return self._start(context, request, "StartTextDetection", ("text",), asked.params())

    def start_segment_detection(self, context, request):
        filters = request.get("Filters") or {}
        cue, shot = filters.get("TechnicalCueFilter") or {}, filters.get("ShotFilter") or {}
        black = cue.get("BlackFrame") or {}
        params = {"segment_types": list(dict.fromkeys(request["SegmentTypes"])),
                  "shot_min_confidence": shot.get("MinSegmentConfidence", 50.0),
                  "cue_min_confidence": cue.get("MinSegmentConfidence", 50.0),
                  "black_frame": {"max_pixel_threshold": black.get("MaxPixelThreshold", 0.2),
                                  "min_coverage_percentage": black.get("MinCoveragePercentage", 99.0)}}
        return self._start(context, request, "StartSegmentDetection", ("segments",), params)

    def start_face_search(self, context, request):
        asked = FaceSearchRequest(request["CollectionId"], request.get("FaceMatchThreshold", 80.0))
        return self._start(context, request, "StartFaceSearch", ("face_search",), asked.params())

    def start_person_tracking(self, context, request):
        return self._start(context, request, "StartPersonTracking", ("persons",), {})

    # Start/GetCelebrityRecognition: operations/celebrities.py (the celebrity gallery)

    # -- Get* -------------------------------------------------------------------------------------

    def _job(self, context: RequestContext, request: dict, api_name: str) -> tuple[VideoJobInfo, dict]:
        job = self.videos.get(Scope(context.account, context.region), request["JobId"], api=api_name)
        out: dict = {"JobStatus": job.status, "JobId": job.id,
                     "Video": {"S3Object": {"Bucket": job.bucket, "Name": job.key}}}
        if job.job_tag:
            out["JobTag"] = job.job_tag
        if job.status_message:
            out["StatusMessage"] = job.status_message
        if job.video:
            out["VideoMetadata"] = _video_metadata(job.video)
        return job, out

    @staticmethod
    def _page(job: VideoJobInfo, items: list[dict], request: dict, view: str) -> tuple[list[dict], str | None]:
        limit = min(request.get("MaxResults") or MAX_RESULTS, MAX_RESULTS)
        token = request.get("NextToken") or None
        offset = 0
        if token:
            after = decode_token(token)
            try:
                job_id, token_view, offset = after.rsplit(":", 2)
                offset = int(offset)
            except (AttributeError, ValueError):
                raise InvalidPaginationToken("Invalid pagination token") from None
            if job_id != job.id or token_view != view or offset < 0:
                raise InvalidPaginationToken("Invalid pagination token: it belongs to another job or sort order")
        page = items[offset: offset + limit]
        more = offset + limit < len(items)
        return page, encode_token(f"{job.id}:{view}:{offset + limit}") if more else None

    def _results(self, job: VideoJobInfo, feature: str) -> list[dict]:
        return job.results.get(feature, []) if job.status == SUCCEEDED else []

    def _interval(self, feature: str, job: VideoJobInfo) -> float:
        rate = sampling.rates(self.videos.settings.video_sample_fps)[feature]
        fps = (job.video or {}).get("frame_rate") or 30.0
        return 1000.0 / (rate if 0 < rate < fps else fps)

    def _named(self, context, request, api_name, feature, key, name_of, out_key, version: dict) -> dict:
        job, out = self._job(context, request, api_name)
        items = self._results(job, feature)
        sort_by, aggregate = request.get("SortBy", "TIMESTAMP"), request.get("AggregateBy", "TIMESTAMPS")
        if aggregate == "SEGMENTS":
            items = segments_by_name(items, key, name_of, self._interval(feature, job),
                                     (job.video or {}).get("duration_ms", 0))
        if sort_by == "NAME":
            items = sorted(items, key=lambda it: (name_of(it), it["Timestamp"]))
        else:
            items = sorted(items, key=lambda it: (it["Timestamp"], name_of(it)))
        page, token = self._page(job, items, request, f"{sort_by}-{aggregate}")
        out[out_key] = page
        out.update(version)
        out["GetRequestMetadata"] = {"SortBy": sort_by, "AggregateBy": aggregate}
        if token:
            out["NextToken"] = token
        return out

    def get_label_detection(self, context, request):
        return self._named(context, request, "StartLabelDetection", "labels", "Label",
                           lambda it: it["Label"]["Name"], "Labels",
                           {"LabelModelVersion": compose.model_version(self.analyzer.models, "labels")})

    def get_content_moderation(self, context, request):
        return self._named(context, request, "StartContentModeration", "moderation", "ModerationLabel",
                           lambda it: it["ModerationLabel"]["Name"], "ModerationLabels",
                           {"ModerationModelVersion": compose.model_version(self.analyzer.models, "moderation")})

    def _simple(self, context, request, api_name, feature, out_key, sort_key) -> dict:
        job, out = self._job(context, request, api_name)
        sort_by = request.get("SortBy", "TIMESTAMP")
        items = sorted(self._results(job, feature), key=lambda it: sort_key(it, sort_by))
        page, token = self._page(job, items, request, sort_by)
        out[out_key] = page
        if token:
            out["NextToken"] = token
        return out

    def get_face_detection(self, context, request):
        return self._simple(context, request, "StartFaceDetection", "faces", "Faces",
                            lambda it, _: it["Timestamp"])

    def get_text_detection(self, context, request):
        out = self._simple(context, request, "StartTextDetection", "text", "TextDetections",
                           lambda it, _: (it["Timestamp"], it["TextDetection"]["Id"]))
        out["TextModelVersion"] = compose.model_version(self.analyzer.models, "text")
        return out

    @staticmethod
    def _by_person(it: dict, sort_by: str) -> tuple:
        index = it["Person"]["Index"]
        return (index, it["Timestamp"]) if sort_by == "INDEX" else (it["Timestamp"], index)

    def get_face_search(self, context, request):
        return self._simple(context, request, "StartFaceSearch", "face_search", "Persons", self._by_person)

    def get_person_tracking(self, context, request):
        return self._simple(context, request, "StartPersonTracking", "persons", "Persons", self._by_person)

    def get_segment_detection(self, context, request):
        job, out = self._job(context, request, "StartSegmentDetection")
        out["VideoMetadata"] = [out["VideoMetadata"]] if "VideoMetadata" in out else []
        out["AudioMetadata"] = [_audio_metadata(a) for a in job.audio]
        items = sorted(self._results(job, "segments"),
                       key=lambda it: (it["StartTimestampMillis"], it["Type"] != "TECHNICAL_CUE"))
        page, token = self._page(job, items, request, "segments")
        out["Segments"] = page
        out["SelectedSegmentTypes"] = timeline.segment_types_info(job.params)
        if token:
            out["NextToken"] = token
        return out
