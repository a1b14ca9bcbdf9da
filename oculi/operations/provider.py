"""The Rekognition provider: every implemented operation, one class; the dispatch table comes from it."""

from __future__ import annotations

from oculi.operations.celebrities import CelebrityOperations
from oculi.operations.collections import CollectionOperations
from oculi.operations.images import ImageOperations
from oculi.operations.streams import StreamOperations
from oculi.operations.video import VideoOperations
from oculi.services.analysis import Analyzer
from oculi.services.celebrities import CelebrityService
from oculi.services.collections import CollectionService
from oculi.services.users import UserService


class RekognitionProvider(CelebrityOperations, StreamOperations, ImageOperations, CollectionOperations,
                          VideoOperations):
    def __init__(self, analyzer: Analyzer, collections: CollectionService, videos=None, streams=None):
        super().__init__(analyzer)
        self.collections = collections
        self.users = UserService(collections)
        self.celebrities = CelebrityService(collections)  # the operator's gallery
        self.videos = videos  # services.video.VideoService (stored-video jobs)
        self.streams = streams  # services.streams.StreamService (stream processors)
