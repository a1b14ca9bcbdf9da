"""Collection, face and user operations of the Rekognition provider."""

from __future__ import annotations

import re

from oculi.aws import api
from oculi.aws.errors import RequestContext
from oculi.operations.shapes import box_out, face_detail_out
from oculi.services.collections import CollectionService, FaceModel, ResourceNotFound, Scope, StoredFace
from oculi.services.users import AssociationFailure, UserHit, UserService

# Rekognition's collection ARNs come without the "arn:" prefix (CreateCollection's CollectionArn); take both
COLLECTION_ARN = re.compile(r"(?:arn:)?aws[a-z-]*:rekognition:([a-z0-9-]+):(\d{12}):collection/(.+)")


def scope(context: RequestContext) -> Scope:
    return Scope(context.account, context.region)


def collection_named_by(context: RequestContext, arn: str) -> str:
    """The caller's collection an ARN names; tags on projects and stream processors are not kept (no such
    resources here), and another account's or region's collection is not found, as in AWS."""
    match = COLLECTION_ARN.fullmatch(arn)
    if not match or (match[1], match[2]) != (context.region, context.account):
        raise ResourceNotFound(f"The resource {arn} does not exist")
    return match[3]


def face_out(f: StoredFace, model: FaceModel) -> dict:
    out = {"FaceId": f.face_id, "BoundingBox": box_out(f.box), "ImageId": f.image_id, "Confidence": f.confidence,
           "IndexFacesModelVersion": model.index_version}
    if f.external_image_id:
        out["ExternalImageId"] = f.external_image_id
    if f.user_id:
        out["UserId"] = f.user_id
    return out


def _paged(out: dict, token: str | None) -> dict:
    if token:
        out["NextToken"] = token
    return out


class CollectionOperations(api.RekognitionApi):
    collections: CollectionService
    users: UserService

    def create_collection(self, context: RequestContext, request: dict) -> dict:
        info = self.collections.create(scope(context), request["CollectionId"], request.get("Tags"))
        return {"StatusCode": 200, "CollectionArn": info.arn, "FaceModelVersion": info.face_model_version}

    def describe_collection(self, context: RequestContext, request: dict) -> dict:
        info = self.collections.describe(scope(context), request["CollectionId"])
        return {"FaceCount": info.face_count, "UserCount": info.user_count, "FaceModelVersion": info.face_model_version,
                "CollectionARN": info.arn, "CreationTimestamp": info.created_at}

    def list_collections(self, context: RequestContext, request: dict) -> dict:
        page, token = self.collections.list(scope(context), request.get("MaxResults"), request.get("NextToken"))
        return _paged({"CollectionIds": [c.name for c in page],
                       "FaceModelVersions": [c.face_model_version for c in page]}, token)

    def delete_collection(self, context: RequestContext, request: dict) -> dict:
        self.collections.delete(scope(context), request["CollectionId"])
        return {"StatusCode": 200}

    def tag_resource(self, context: RequestContext, request: dict) -> dict:
        self.collections.tag(scope(context), collection_named_by(context, request["ResourceArn"]), request["Tags"])
        return {}

    def untag_resource(self, context: RequestContext, request: dict) -> dict:
        self.collections.untag(scope(context), collection_named_by(context, request["ResourceArn"]),
                               request["TagKeys"])
        return {}

    def list_tags_for_resource(self, context: RequestContext, request: dict) -> dict:
        return {"Tags": self.collections.tags(scope(context), collection_named_by(context, request["ResourceArn"]))}

    def index_faces(self, context: RequestContext, request: dict) -> dict:
        img = self.image(request["Image"])
        wanted = set(request.get("DetectionAttributes") or ["DEFAULT"])
        result = self.collections.index_faces(
            scope(context), request["CollectionId"], img.rgb, request.get("ExternalImageId"),
            request.get("MaxFaces"), request.get("QualityFilter", "AUTO"), attributes=bool(wanted - {"DEFAULT"}))
        model = result.model
        return {
            "FaceRecords": [{"Face": face_out(r.face, model), "FaceDetail": face_detail_out(r.detail, wanted)}
                            for r in result.indexed],
            "UnindexedFaces": [{"Reasons": list(u.reasons), "FaceDetail": face_detail_out(u.detail, wanted)}
                               for u in result.unindexed],
            "FaceModelVersion": model.version,
        }

    def list_faces(self, context: RequestContext, request: dict) -> dict:
        page, token = self.collections.list_faces(scope(context), request["CollectionId"], request.get("MaxResults"),
                                                  request.get("NextToken"), request.get("UserId"),
                                                  request.get("FaceIds"))
        model = self.collections.face_model(scope(context), request["CollectionId"])
        return _paged({"Faces": [face_out(f, model) for f in page], "FaceModelVersion": model.version}, token)

    def delete_faces(self, context: RequestContext, request: dict) -> dict:
        done = self.collections.delete_faces(scope(context), request["CollectionId"], request["FaceIds"])
        unsuccessful = []
        for f in done.failed:
            item = {"FaceId": f.face_id, "Reasons": list(f.reasons)}
            if f.user_id:
                item["UserId"] = f.user_id
            unsuccessful.append(item)
        return {"DeletedFaces": done.deleted, "UnsuccessfulFaceDeletions": unsuccessful}

    def search_faces(self, context: RequestContext, request: dict) -> dict:
        hits = self.collections.search_faces(scope(context), request["CollectionId"], request["FaceId"],
                                             request.get("MaxFaces", 4096), request.get("FaceMatchThreshold", 80.0))
        model = self.collections.face_model(scope(context), request["CollectionId"])
        return {"SearchedFaceId": request["FaceId"], "FaceModelVersion": model.version,
                "FaceMatches": [{"Similarity": h.similarity, "Face": face_out(h.face, model)} for h in hits]}

    def search_faces_by_image(self, context: RequestContext, request: dict) -> dict:
        img = self.image(request["Image"])
        found = self.collections.search_faces_by_image(
            scope(context), request["CollectionId"], img.rgb, request.get("MaxFaces", 4096),
            request.get("FaceMatchThreshold", 80.0), request.get("QualityFilter", "NONE"))
        model = found.model
        return {"SearchedFaceBoundingBox": box_out(found.searched.box),
                "SearchedFaceConfidence": found.searched.confidence,
                "FaceMatches": [{"Similarity": h.similarity, "Face": face_out(h.face, model)} for h in found.matches],
                "FaceModelVersion": model.version}

    # -- users -------------------------------------------------------------------------------

    def create_user(self, context: RequestContext, request: dict) -> dict:
        self.users.create(scope(context), request["CollectionId"], request["UserId"], request.get("ClientRequestToken"))
        return {}

    def delete_user(self, context: RequestContext, request: dict) -> dict:
        self.users.delete(scope(context), request["CollectionId"], request["UserId"])
        return {}

    def list_users(self, context: RequestContext, request: dict) -> dict:
        page, token = self.users.list(scope(context), request["CollectionId"], request.get("MaxResults"),
                                      request.get("NextToken"))
        return _paged({"Users": [{"UserId": u.user_id, "UserStatus": u.status} for u in page]}, token)

    def associate_faces(self, context: RequestContext, request: dict) -> dict:
        r = self.users.associate(scope(context), request["CollectionId"], request["UserId"], request["FaceIds"],
                                 request.get("UserMatchThreshold", 75.0))
        return {"AssociatedFaces": [{"FaceId": f} for f in r.done], "UserStatus": r.status,
                "UnsuccessfulFaceAssociations": [_failure(f) for f in r.failed]}

    def disassociate_faces(self, context: RequestContext, request: dict) -> dict:
        r = self.users.disassociate(scope(context), request["CollectionId"], request["UserId"], request["FaceIds"])
        return {"DisassociatedFaces": [{"FaceId": f} for f in r.done], "UserStatus": r.status,
                "UnsuccessfulFaceDisassociations": [_failure(f, with_confidence=False) for f in r.failed]}

    def search_users(self, context: RequestContext, request: dict) -> dict:
        hits = self.users.search(scope(context), request["CollectionId"], request.get("UserId"),
                                 request.get("FaceId"), request.get("UserMatchThreshold", 80.0),
                                 request.get("MaxUsers", 10))
        model = self.collections.face_model(scope(context), request["CollectionId"])
        out = {"UserMatches": [_user_match(h) for h in hits], "FaceModelVersion": model.version}
        if request.get("FaceId"):
            out["SearchedFace"] = {"FaceId": request["FaceId"]}
        else:
            out["SearchedUser"] = {"UserId": request["UserId"]}
        return out

    def search_users_by_image(self, context: RequestContext, request: dict) -> dict:
        img = self.image(request["Image"])
        found = self.users.search_by_image(
            scope(context), request["CollectionId"], img.rgb, request.get("UserMatchThreshold", 80.0),
            request.get("MaxUsers", 10), request.get("QualityFilter", "NONE"))
        model = self.collections.face_model(scope(context), request["CollectionId"])
        return {"UserMatches": [_user_match(h) for h in found.matches], "FaceModelVersion": model.version,
                "SearchedFace": {"FaceDetail": face_detail_out(found.searched, {"DEFAULT"})},
                "UnsearchedFaces": [{"FaceDetails": face_detail_out(f, {"DEFAULT"}), "Reasons": ["FACE_NOT_LARGEST"]}
                                    for f in found.unsearched]}


def _failure(f: AssociationFailure, with_confidence: bool = True) -> dict:
    item = {"FaceId": f.face_id, "Reasons": list(f.reasons)}
    if f.user_id:
        item["UserId"] = f.user_id
    if with_confidence and f.confidence is not None:
        item["Confidence"] = f.confidence
    return item


def _user_match(hit: UserHit) -> dict:
    return {"Similarity": hit.similarity, "User": {"UserId": hit.user.user_id, "UserStatus": hit.user.status}}
