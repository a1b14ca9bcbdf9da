"""The request members both Rekognition fronts share (operations/inputs.py) and the analysis service's typed
requests (services/compose.py): RegionsOfInterest, Image/Video S3Object, stored video-job params, decode size."""

from __future__ import annotations

import pytest

from oculi.config import Settings
from oculi.operations import inputs
from oculi.operations.images import ImageOperations
from oculi.operations.video import VideoOperations
from oculi.services import compose
from oculi.services import labels as label_service
from oculi.services import moderation as moderation_service
from oculi.services import text as text_service
from oculi.services.analysis import Analyzer, object_size
from oculi.services.compose import AnalysisRequest, FacesRequest, LabelsRequest, PropertiesRequest, TextRequest
from oculi.services.errors import InvalidParameter, InvalidS3Object
from oculi.services.imaging import Need
from oculi.services.text import WordFilter
from oculi.services.types import Box
from oculi.services.video import VideoService
from oculi.storage.blobs import blob_store_for

POINT_ERROR = "Request has invalid parameters: each point of a RegionsOfInterest Polygon needs X and Y"
BAD_POLYGON = {"RegionsOfInterest": [{"Polygon": [{"X": 0.1, "Y": 0.1}, {"X": 0.9}, {"X": 0.5, "Y": 0.9}]}]}


def test_regions_of_interest_give_boxes():
    found = inputs.regions_of_interest([
        {"BoundingBox": {"Left": 0.1, "Top": 0.2, "Width": 0.3, "Height": 0.4}},
        {"BoundingBox": {"Left": 0.6}},  # missing members: the rest of that side
        {"Polygon": [{"X": 0.2, "Y": 0.5}, {"X": 0.8, "Y": 0.5}, {"X": 0.5, "Y": 0.9}]},  # the box around it
        {"Polygon": [{"X": -0.5, "Y": 0.5}, {"X": 1.5, "Y": 1.2}]},  # clipped to the image
        {},  # neither: passed over
    ])
    assert found[:2] == (Box(0.1, 0.2, 0.3, 0.4), Box(0.6, 0.0, 1.0, 1.0))
    assert vars(found[2]) == pytest.approx(vars(Box(0.2, 0.5, 0.6, 0.4)))
    assert found[3] == Box(0.0, 0.5, 1.0, 0.5)
    assert len(found) == 4
    assert inputs.regions_of_interest(None) == () and inputs.regions_of_interest([]) == ()


@pytest.mark.parametrize("point", [{"X": 0.9}, {"Y": 0.9}, {}])
def test_a_polygon_point_without_x_or_y_is_invalid(point):
    with pytest.raises(InvalidParameter) as err:
        inputs.regions_of_interest([{"Polygon": [{"X": 0.1, "Y": 0.1}, point, {"X": 0.5, "Y": 0.9}]}])
    assert str(err.value) == POINT_ERROR


def test_text_filters_become_one_typed_request_that_survives_a_video_job():
    asked = inputs.text_request({"WordFilter": {"MinConfidence": 80.0, "MinBoundingBoxHeight": 0.05},
                                 "RegionsOfInterest": [{"BoundingBox": {"Left": 0.5, "Top": 0.0, "Width": 0.5,
                                                                        "Height": 1.0}}]})
    assert asked == TextRequest(WordFilter(80.0, 0.05, 0.0), (Box(0.5, 0.0, 0.5, 1.0),))
    assert TextRequest.from_params(asked.params()) == asked
    assert inputs.text_request(None) == TextRequest()


def test_label_filters_compare_without_case_and_read_older_job_params():
    asked = LabelsRequest(None, 60.0, inputs.label_filter({"GeneralLabels": {
        "LabelInclusionFilters": ["Dog", "CAT"], "LabelCategoryExclusionFilters": ["Vehicles and Automotive"]}}))
    assert asked.label_filter.include_labels == {"dog", "cat"}
    assert asked.label_filter.exclude_categories == {"vehicles and automotive"}
    assert LabelsRequest.from_params(asked.params()) == asked
    older = {"min_confidence": 60.0, "features": ["GENERAL_LABELS"],  # as StartLabelDetection stored it before
             "label_filter": {"include_labels": ["Dog", "CAT"], "exclude_labels": [], "include_categories": [],
                              "exclude_categories": ["Vehicles and Automotive"]}}
    assert LabelsRequest.from_params(older) == asked
    assert LabelsRequest.from_params({}).min_confidence == 50.0  # StartLabelDetection's default


@pytest.mark.parametrize(("image", "message"), [
    ({}, "give exactly one of Image.Bytes and Image.S3Object"),
    ({"Bytes": b"x", "S3Object": {"Bucket": "b", "Name": "k"}}, "give exactly one of Image.Bytes and Image.S3Object"),
    ({"S3Object": {"Bucket": "b"}}, "S3Object needs Bucket and Name"),
    ({"S3Object": {"Name": "k"}}, "S3Object needs Bucket and Name"),
])
def test_image_source_errors(image, message):
    with pytest.raises(InvalidParameter) as err:
        inputs.image_source(image)
    assert str(err.value) == "Request has invalid parameters: " + message


def test_image_and_video_sources():
    assert inputs.image_source({"Bytes": b"jpeg"}) == inputs.ImageSource(data=b"jpeg")
    assert inputs.image_source({"S3Object": {"Bucket": "b", "Name": "k"}}) == inputs.ImageSource(None, "b", "k")
    video = {"Video": {"S3Object": {"Bucket": "b", "Name": "clip.mp4", "Version": "3"}}}
    assert inputs.video_object(video) == inputs.VideoObject("b", "clip.mp4", "3")
    for bad in ({}, {"Video": {}}, {"Video": {"S3Object": {"Bucket": "b"}}}):
        with pytest.raises(InvalidParameter, match="Video.S3Object needs Bucket and Name"):
            inputs.video_object(bad)


@pytest.fixture
def analyzer(tmp_path):
    return Analyzer(Settings(data_dir=tmp_path))


def test_both_fronts_refuse_the_same_polygon_the_same_way_before_any_work(analyzer):
    """DetectText refuses it before decoding the image, StartTextDetection before looking at the video."""
    with pytest.raises(InvalidParameter) as image_err:
        ImageOperations(analyzer).detect_text(None, {"Image": {"Bytes": b"not an image"}, "Filters": BAD_POLYGON})
    with pytest.raises(InvalidParameter) as video_err:
        VideoOperations().start_text_detection(None, {"Video": {"S3Object": {"Bucket": "b", "Name": "k"}},
                                                      "Filters": BAD_POLYGON})
    assert str(image_err.value) == str(video_err.value) == POINT_ERROR


def test_decode_side_is_the_largest_the_asked_tasks_need(analyzer):
    models = analyzer.models
    labels, moderation = label_service.input_side(models), moderation_service.input_side(models)
    assert compose.decode_side(models, AnalysisRequest(labels=LabelsRequest())) == labels
    assert compose.decode_side(models, AnalysisRequest(moderation=compose.ModerationRequest())) == moderation
    both = AnalysisRequest(labels=LabelsRequest(), moderation=compose.ModerationRequest())
    assert compose.decode_side(models, both) == max(labels, moderation)
    for every_pixel in (AnalysisRequest(labels=LabelsRequest(), properties=PropertiesRequest()),
                        AnalysisRequest(faces=FacesRequest()),
                        AnalysisRequest(faces=FacesRequest(), text=TextRequest()), AnalysisRequest()):
        assert compose.decode_side(models, every_pixel) is None
    reader = text_service.decode_need(models)  # text: a large page only as large as the text reader reads it
    assert compose.decode_side(models, AnalysisRequest(text=TextRequest())) == reader
    assert compose.decode_side(models, AnalysisRequest(labels=LabelsRequest(), text=TextRequest())) == Need(
        short_side=labels, long_side=reader.long_side, pixels=reader.pixels)


@pytest.mark.parametrize(("bucket", "key", "message"), [
    ("b", "missing.jpg", "Unable to get object metadata from S3"),
    ("b", "", "Invalid S3 object"),
    ("b", "../escape.jpg", "Invalid S3 object"),
])
def test_image_and_video_objects_are_checked_by_one_function(bucket, key, message, tmp_path):
    """DetectLabels' Image.S3Object and StartLabelDetection's Video.S3Object give the same error for the same
    missing or invalid object."""
    store = blob_store_for("memory://")
    store.put("b", "here.jpg", b"12345")
    assert object_size(store, "b", "here.jpg") == 5
    with pytest.raises(InvalidS3Object, match=message):
        object_size(store, bucket, key)
    with pytest.raises(InvalidS3Object, match=message):
        Analyzer(Settings(data_dir=tmp_path), store).from_object(bucket, key)
    videos = VideoService(None, store, None, Settings(data_dir=tmp_path))
    with pytest.raises(InvalidS3Object, match=message):
        videos._check_object(bucket, key)
