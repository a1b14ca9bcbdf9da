"""The stream processor operations of the Rekognition provider: AWS request dicts in, AWS dicts out.

Tag operations name a resource by ARN: a stream processor's ARN is handled here, anything else is passed on
to the collections' tag operations (the next class in the provider's order).
"""

from __future__ import annotations

import re

from oculi.aws import api
from oculi.aws.errors import RequestContext
from oculi.services.collections import Scope
from oculi.services.errors import InvalidParameter
from oculi.services.streams import CONNECTED_HOME, FACE_SEARCH, ProcessorInfo, ProcessorSpec, StreamService

PROCESSOR_ARN = re.compile(r"arn:aws[a-z-]*:rekognition:[a-z0-9-]+:\d{12}:streamprocessor/.+")


def _scope(context: RequestContext) -> Scope:
    return Scope(context.account, context.region)


def describe_out(p: ProcessorInfo) -> dict:
    out = {"Name": p.name, "StreamProcessorArn": p.arn, "Status": p.status, "CreationTimestamp": p.created_at,
           "LastUpdateTimestamp": p.updated_at, "Input": {"KinesisVideoStream": {"Arn": p.input_arn}},
           "RoleArn": p.role_arn}
    if p.status_message:
        out["StatusMessage"] = p.status_message
    if p.mode == FACE_SEARCH:
        out["Output"] = {"KinesisDataStream": {"Arn": p.kinesis_arn}}
        out["Settings"] = {"FaceSearch": p.settings}
    else:
        dest = {"Bucket": p.s3_bucket}
        if p.s3_prefix:
            dest["KeyPrefix"] = p.s3_prefix
        out["Output"] = {"S3Destination": dest}
        out["Settings"] = {"ConnectedHome": p.settings}
    if p.sns_topic:
        out["NotificationChannel"] = {"SNSTopicArn": p.sns_topic}
    if p.kms_key_id:
        out["KmsKeyId"] = p.kms_key_id
    if p.regions:
        out["RegionsOfInterest"] = p.regions
    if p.data_sharing is not None:
        out["DataSharingPreference"] = p.data_sharing
    return out


class StreamOperations(api.RekognitionApi):
    streams: StreamService  # set by the provider

    def create_stream_processor(self, context: RequestContext, request: dict) -> dict:
        settings = request["Settings"]
        if bool(settings.get("FaceSearch")) == bool(settings.get("ConnectedHome")):
            raise InvalidParameter("Settings needs exactly one of FaceSearch and ConnectedHome")
        mode = FACE_SEARCH if settings.get("FaceSearch") else CONNECTED_HOME
        kvs = (request["Input"].get("KinesisVideoStream") or {}).get("Arn")
        if not kvs:
            raise InvalidParameter("Input.KinesisVideoStream.Arn is required")
        output = request["Output"]
        dest = output.get("S3Destination") or {}
        spec = ProcessorSpec(
            name=request["Name"], input_arn=kvs, role_arn=request["RoleArn"], mode=mode,
            settings=dict(settings.get("FaceSearch") or settings.get("ConnectedHome")),
            kinesis_arn=(output.get("KinesisDataStream") or {}).get("Arn"), s3_bucket=dest.get("Bucket"),
            s3_prefix=dest.get("KeyPrefix"), sns_topic=(request.get("NotificationChannel") or {}).get("SNSTopicArn"),
            kms_key_id=request.get("KmsKeyId"), regions=request.get("RegionsOfInterest") or [],
            data_sharing=request.get("DataSharingPreference"), tags=request.get("Tags") or {})
        return {"StreamProcessorArn": self.streams.create(_scope(context), spec)}

    def describe_stream_processor(self, context: RequestContext, request: dict) -> dict:
        return describe_out(self.streams.describe(_scope(context), request["Name"]))

    def list_stream_processors(self, context: RequestContext, request: dict) -> dict:
        page, token = self.streams.list(_scope(context), request.get("MaxResults"), request.get("NextToken"))
        out = {"StreamProcessors": [{"Name": p.name, "Status": p.status} for p in page]}
        if token:
            out["NextToken"] = token
        return out

    def start_stream_processor(self, context: RequestContext, request: dict) -> dict:
        session = self.streams.start(_scope(context), request["Name"], request.get("StartSelector"),
                                     request.get("StopSelector"))
        return {"SessionId": session}

    def stop_stream_processor(self, context: RequestContext, request: dict) -> dict:
        self.streams.stop(_scope(context), request["Name"])
        return {}

    def update_stream_processor(self, context: RequestContext, request: dict) -> dict:
        home = (request.get("SettingsForUpdate") or {}).get("ConnectedHomeForUpdate")
        self.streams.update(_scope(context), request["Name"], home, request.get("RegionsOfInterestForUpdate"),
                            request.get("DataSharingPreferenceForUpdate"), request.get("ParametersToDelete") or [])
        return {}

    def delete_stream_processor(self, context: RequestContext, request: dict) -> dict:
        self.streams.delete(_scope(context), request["Name"])
        return {}

    def tag_resource(self, context: RequestContext, request: dict) -> dict:
        if not PROCESSOR_ARN.fullmatch(request["ResourceArn"]):
            return super().tag_resource(context, request)
        self.streams.retag(_scope(context), request["ResourceArn"], add=request["Tags"])
        return {}

    def untag_resource(self, context: RequestContext, request: dict) -> dict:
        if not PROCESSOR_ARN.fullmatch(request["ResourceArn"]):
            return super().untag_resource(context, request)
        self.streams.retag(_scope(context), request["ResourceArn"], drop=request["TagKeys"])
        return {}

    def list_tags_for_resource(self, context: RequestContext, request: dict) -> dict:
        if not PROCESSOR_ARN.fullmatch(request["ResourceArn"]):
            return super().list_tags_for_resource(context, request)
        return {"Tags": self.streams.tags(_scope(context), request["ResourceArn"])}
