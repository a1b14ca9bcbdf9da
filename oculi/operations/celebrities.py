"""RecognizeCelebrities and GetCelebrityInfo: the operator's own gallery (services/celebrities.py)."""

from __future__ import annotations

from oculi.aws import api
from oculi.aws.errors import RequestContext
from oculi.operations.shapes import compared_face_out, face_detail_out
from oculi.services.celebrities import Celebrity, CelebrityService
from oculi.services.faces import Face


def celebrity_face_out(face: Face) -> dict:
    """A ComparedFace with the Emotions and Smile RecognizeCelebrities adds, where the models gave them."""
    out = compared_face_out(face)
    detail = face_detail_out(face, {"EMOTIONS", "SMILE"})
    for key in ("Emotions", "Smile"):
        if key in detail:
            out[key] = detail[key]
    return out


def celebrity_info_out(c: Celebrity) -> dict:
    out = {"Urls": list(c.urls), "Name": c.name}
    if c.known_gender:
        out["KnownGender"] = {"Type": c.known_gender}
    return out


class CelebrityOperations(api.RekognitionApi):
    celebrities: CelebrityService  # set by the provider

    def recognize_celebrities(self, context: RequestContext, request: dict) -> dict:
        img = self.image(request["Image"])
        found = self.celebrities.recognize(img.rgb)
        return {
            "CelebrityFaces": [{**celebrity_info_out(m.celebrity), "Id": m.celebrity.id,
                                "MatchConfidence": m.confidence, "Face": celebrity_face_out(m.face)}
                               for m in found.celebrities],
            "UnrecognizedFaces": [celebrity_face_out(f) for f in found.unrecognized],
        }

    def get_celebrity_info(self, context: RequestContext, request: dict) -> dict:
        return celebrity_info_out(self.celebrities.get(request["Id"]))

    # stored video: a job like the others (operations/video.py), each face track looked up in the gallery once

    def start_celebrity_recognition(self, context: RequestContext, request: dict) -> dict:
        return self._start(context, request, "StartCelebrityRecognition", ("celebrities",), {})

    def get_celebrity_recognition(self, context: RequestContext, request: dict) -> dict:
        def order(item: dict, sort_by: str) -> tuple:
            ts, cid = item["Timestamp"], item["Celebrity"]["Id"]
            return (cid, ts) if sort_by == "ID" else (ts, cid)

        return self._simple(context, request, "StartCelebrityRecognition", "celebrities", "Celebrities", order)
