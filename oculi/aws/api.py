"""Generated from botocore's Rekognition model by scripts/gen_aws_api.py. Do not edit."""

from __future__ import annotations

from oculi.aws.errors import NotImplementedOperation, RequestContext, ServiceException

API_VERSION = "2016-06-27"
TARGET_PREFIX = "RekognitionService"


class AccessDeniedException(ServiceException):
    code = "AccessDeniedException"
    status = 400


class ConflictException(ServiceException):
    code = "ConflictException"
    status = 400


class HumanLoopQuotaExceededException(ServiceException):
    code = "HumanLoopQuotaExceededException"
    status = 400


class IdempotentParameterMismatchException(ServiceException):
    code = "IdempotentParameterMismatchException"
    status = 400


class ImageTooLargeException(ServiceException):
    code = "ImageTooLargeException"
    status = 400


class InternalServerError(ServiceException):
    code = "InternalServerError"
    status = 500


class InvalidImageFormatException(ServiceException):
    code = "InvalidImageFormatException"
    status = 400


class InvalidManifestException(ServiceException):
    code = "InvalidManifestException"
    status = 400


class InvalidPaginationTokenException(ServiceException):
    code = "InvalidPaginationTokenException"
    status = 400


class InvalidParameterException(ServiceException):
    code = "InvalidParameterException"
    status = 400


class InvalidPolicyRevisionIdException(ServiceException):
    code = "InvalidPolicyRevisionIdException"
    status = 400


class InvalidS3ObjectException(ServiceException):
    code = "InvalidS3ObjectException"
    status = 400


class LimitExceededException(ServiceException):
    code = "LimitExceededException"
    status = 400


class MalformedPolicyDocumentException(ServiceException):
    code = "MalformedPolicyDocumentException"
    status = 400


class ProvisionedThroughputExceededException(ServiceException):
    code = "ProvisionedThroughputExceededException"
    status = 400


class ResourceAlreadyExistsException(ServiceException):
    code = "ResourceAlreadyExistsException"
    status = 400


class ResourceInUseException(ServiceException):
    code = "ResourceInUseException"
    status = 400


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"
    status = 400


class ResourceNotReadyException(ServiceException):
    code = "ResourceNotReadyException"
    status = 400


class ServiceQuotaExceededException(ServiceException):
    code = "ServiceQuotaExceededException"
    status = 400


class SessionNotFoundException(ServiceException):
    code = "SessionNotFoundException"
    status = 400


class ThrottlingException(ServiceException):
    code = "ThrottlingException"
    status = 400


class VideoTooLargeException(ServiceException):
    code = "VideoTooLargeException"
    status = 400


class RekognitionApi:
    """One stub per operation; a provider overrides those it implements."""

    def associate_faces(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("AssociateFaces")

    def compare_faces(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("CompareFaces")

    def copy_project_version(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("CopyProjectVersion")

    def create_collection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("CreateCollection")

    def create_dataset(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("CreateDataset")

    def create_face_liveness_session(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("CreateFaceLivenessSession")

    def create_project(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("CreateProject")

    def create_project_version(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("CreateProjectVersion")

    def create_stream_processor(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("CreateStreamProcessor")

    def create_user(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("CreateUser")

    def delete_collection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DeleteCollection")

    def delete_dataset(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DeleteDataset")

    def delete_faces(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DeleteFaces")

    def delete_project(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DeleteProject")

    def delete_project_policy(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DeleteProjectPolicy")

    def delete_project_version(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DeleteProjectVersion")

    def delete_stream_processor(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DeleteStreamProcessor")

    def delete_user(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DeleteUser")

    def describe_collection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DescribeCollection")

    def describe_dataset(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DescribeDataset")

    def describe_project_versions(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DescribeProjectVersions")

    def describe_projects(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DescribeProjects")

    def describe_stream_processor(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DescribeStreamProcessor")

    def detect_custom_labels(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DetectCustomLabels")

    def detect_faces(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DetectFaces")

    def detect_labels(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DetectLabels")

    def detect_moderation_labels(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DetectModerationLabels")

    def detect_protective_equipment(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DetectProtectiveEquipment")

    def detect_text(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DetectText")

    def disassociate_faces(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DisassociateFaces")

    def distribute_dataset_entries(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("DistributeDatasetEntries")

    def get_celebrity_info(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetCelebrityInfo")

    def get_celebrity_recognition(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetCelebrityRecognition")

    def get_content_moderation(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetContentModeration")

    def get_face_detection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetFaceDetection")

    def get_face_liveness_session_results(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetFaceLivenessSessionResults")

    def get_face_search(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetFaceSearch")

    def get_label_detection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetLabelDetection")

    def get_media_analysis_job(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetMediaAnalysisJob")

    def get_person_tracking(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetPersonTracking")

    def get_segment_detection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetSegmentDetection")

    def get_text_detection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("GetTextDetection")

    def index_faces(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("IndexFaces")

    def list_collections(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("ListCollections")

    def list_dataset_entries(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("ListDatasetEntries")

    def list_dataset_labels(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("ListDatasetLabels")

    def list_faces(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("ListFaces")

    def list_media_analysis_jobs(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("ListMediaAnalysisJobs")

    def list_project_policies(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("ListProjectPolicies")

    def list_stream_processors(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("ListStreamProcessors")

    def list_tags_for_resource(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("ListTagsForResource")

    def list_users(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("ListUsers")

    def put_project_policy(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("PutProjectPolicy")

    def recognize_celebrities(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("RecognizeCelebrities")

    def search_faces(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("SearchFaces")

    def search_faces_by_image(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("SearchFacesByImage")

    def search_users(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("SearchUsers")

    def search_users_by_image(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("SearchUsersByImage")

    def start_celebrity_recognition(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartCelebrityRecognition")

    def start_content_moderation(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartContentModeration")

    def start_face_detection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartFaceDetection")

    def start_face_search(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartFaceSearch")

    def start_label_detection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartLabelDetection")

    def start_media_analysis_job(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartMediaAnalysisJob")

    def start_person_tracking(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartPersonTracking")

    def start_project_version(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartProjectVersion")

    def start_segment_detection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartSegmentDetection")

    def start_stream_processor(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartStreamProcessor")

    def start_text_detection(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StartTextDetection")

    def stop_project_version(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StopProjectVersion")

    def stop_stream_processor(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("StopStreamProcessor")

    def tag_resource(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("TagResource")

    def untag_resource(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("UntagResource")

    def update_dataset_entries(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("UpdateDatasetEntries")

    def update_stream_processor(self, context: RequestContext, request: dict) -> dict:
        raise NotImplementedOperation("UpdateStreamProcessor")


OPERATIONS = {
    "AssociateFaces": "associate_faces",
    "CompareFaces": "compare_faces",
    "CopyProjectVersion": "copy_project_version",
    "CreateCollection": "create_collection",
    "CreateDataset": "create_dataset",
    "CreateFaceLivenessSession": "create_face_liveness_session",
    "CreateProject": "create_project",
    "CreateProjectVersion": "create_project_version",
    "CreateStreamProcessor": "create_stream_processor",
    "CreateUser": "create_user",
    "DeleteCollection": "delete_collection",
    "DeleteDataset": "delete_dataset",
    "DeleteFaces": "delete_faces",
    "DeleteProject": "delete_project",
    "DeleteProjectPolicy": "delete_project_policy",
    "DeleteProjectVersion": "delete_project_version",
    "DeleteStreamProcessor": "delete_stream_processor",
    "DeleteUser": "delete_user",
    "DescribeCollection": "describe_collection",
    "DescribeDataset": "describe_dataset",
    "DescribeProjectVersions": "describe_project_versions",
    "DescribeProjects": "describe_projects",
    "DescribeStreamProcessor": "describe_stream_processor",
    "DetectCustomLabels": "detect_custom_labels",
    "DetectFaces": "detect_faces",
    "DetectLabels": "detect_labels",
    "DetectModerationLabels": "detect_moderation_labels",
    "DetectProtectiveEquipment": "detect_protective_equipment",
    "DetectText": "detect_text",
    "DisassociateFaces": "disassociate_faces",
    "DistributeDatasetEntries": "distribute_dataset_entries",
    "GetCelebrityInfo": "get_celebrity_info",
    "GetCelebrityRecognition": "get_celebrity_recognition",
    "GetContentModeration": "get_content_moderation",
    "GetFaceDetection": "get_face_detection",
    "GetFaceLivenessSessionResults": "get_face_liveness_session_results",
    "GetFaceSearch": "get_face_search",
    "GetLabelDetection": "get_label_detection",
    "GetMediaAnalysisJob": "get_media_analysis_job",
    "GetPersonTracking": "get_person_tracking",
    "GetSegmentDetection": "get_segment_detection",
    "GetTextDetection": "get_text_detection",
    "IndexFaces": "index_faces",
    "ListCollections": "list_collections",
    "ListDatasetEntries": "list_dataset_entries",
    "ListDatasetLabels": "list_dataset_labels",
    "ListFaces": "list_faces",
    "ListMediaAnalysisJobs": "list_media_analysis_jobs",
    "ListProjectPolicies": "list_project_policies",
    "ListStreamProcessors": "list_stream_processors",
    "ListTagsForResource": "list_tags_for_resource",
    "ListUsers": "list_users",
    "PutProjectPolicy": "put_project_policy",
    "RecognizeCelebrities": "recognize_celebrities",
    "SearchFaces": "search_faces",
    "SearchFacesByImage": "search_faces_by_image",
    "SearchUsers": "search_users",
    "SearchUsersByImage": "search_users_by_image",
    "StartCelebrityRecognition": "start_celebrity_recognition",
    "StartContentModeration": "start_content_moderation",
    "StartFaceDetection": "start_face_detection",
    "StartFaceSearch": "start_face_search",
    "StartLabelDetection": "start_label_detection",
    "StartMediaAnalysisJob": "start_media_analysis_job",
    "StartPersonTracking": "start_person_tracking",
    "StartProjectVersion": "start_project_version",
    "StartSegmentDetection": "start_segment_detection",
    "StartStreamProcessor": "start_stream_processor",
    "StartTextDetection": "start_text_detection",
    "StopProjectVersion": "stop_project_version",
    "StopStreamProcessor": "stop_stream_processor",
    "TagResource": "tag_resource",
    "UntagResource": "untag_resource",
    "UpdateDatasetEntries": "update_dataset_entries",
    "UpdateStreamProcessor": "update_stream_processor",
}

EXCEPTIONS = {
    "AccessDeniedException": AccessDeniedException,
    "ConflictException": ConflictException,
    "HumanLoopQuotaExceededException": HumanLoopQuotaExceededException,
    "IdempotentParameterMismatchException": IdempotentParameterMismatchException,
    "ImageTooLargeException": ImageTooLargeException,
    "InternalServerError": InternalServerError,
    "InvalidImageFormatException": InvalidImageFormatException,
    "InvalidManifestException": InvalidManifestException,
    "InvalidPaginationTokenException": InvalidPaginationTokenException,
    "InvalidParameterException": InvalidParameterException,
    "InvalidPolicyRevisionIdException": InvalidPolicyRevisionIdException,
    "InvalidS3ObjectException": InvalidS3ObjectException,
    "LimitExceededException": LimitExceededException,
    "MalformedPolicyDocumentException": MalformedPolicyDocumentException,
    "ProvisionedThroughputExceededException": ProvisionedThroughputExceededException,
    "ResourceAlreadyExistsException": ResourceAlreadyExistsException,
    "ResourceInUseException": ResourceInUseException,
    "ResourceNotFoundException": ResourceNotFoundException,
    "ResourceNotReadyException": ResourceNotReadyException,
    "ServiceQuotaExceededException": ServiceQuotaExceededException,
    "SessionNotFoundException": SessionNotFoundException,
    "ThrottlingException": ThrottlingException,
    "VideoTooLargeException": VideoTooLargeException,
}
