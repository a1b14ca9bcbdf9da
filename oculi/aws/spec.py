"""botocore's Rekognition service model, loaded once."""

from __future__ import annotations

from functools import lru_cache

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel


@lru_cache
def service_model() -> ServiceModel:
    return ServiceModel(Loader().load_service_model("rekognition", "service-2"))


def operation_model(name: str) -> OperationModel:
    return service_model().operation_model(name)
