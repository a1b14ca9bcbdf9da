"""Analysis without storing: the same result the upload pipeline writes to `<key>.json`, answered at once.

For the Analyze page's "analyse only" choice and for scripts that want the answer, not a stored image. Faces
are ordered largest first and, when collections are given, each carries its `match` as in the pipeline."""

from __future__ import annotations

from oculi.services import imaging, report
from oculi.services.analysis import Analyzer
from oculi.services.collections import CollectionService, Scope
from oculi.services.identify import OUTSIDER, check_collections, match_faces

MATCH_THRESHOLD = 80.0


def analyze_bytes(analyzer: Analyzer, collections: CollectionService, scope: Scope, data: bytes,
                  features: list[str], searched: list[str], threshold: float = MATCH_THRESHOLD) -> dict:
    features = report.check_features(features)
    if searched:
        check_collections(collections, scope, searched)  # a wrong name fails before the models run
    img = analyzer.from_bytes(data, formats=imaging.ALL_FORMATS, max_bytes=analyzer.settings.max_upload_bytes)
    analysis = report.run(analyzer, img, features)
    faces = sorted(analysis.faces or [], key=lambda f: -f.box.area)
    if analysis.faces is not None:
        analysis.faces = faces
    result = report.to_json(img, analysis)
    if searched and faces:
        found = match_faces(collections, scope, img.rgb, faces, searched, threshold)
        for face, hit in zip(result["faces"], found, strict=True):
            face["match"] = None if hit.status == OUTSIDER else {
                "collection": hit.collection, "user_id": hit.user_id, "face_id": hit.face_id,
                "external_image_id": hit.external_image_id, "similarity": hit.similarity}
    return result
