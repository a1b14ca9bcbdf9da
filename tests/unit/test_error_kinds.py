"""Each service error names its kind; each front maps every kind once; an unmapped kind is a 500, not a guess."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import oculi
from oculi.api import errors as rest_errors
from oculi.aws import api, error_map
from oculi.aws.dispatch import handle
from oculi.errors import ErrorKind, ServiceError
from oculi.services.collections import ResourceNotFound
from tests.conftest import ROOT


def _all_service_errors() -> set[type[ServiceError]]:
    for info in pkgutil.walk_packages(oculi.__path__, "oculi."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)
    found, todo = set(), [ServiceError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def test_both_fronts_map_every_kind():
    assert set(error_map.AWS_ERRORS) == set(ErrorKind)
    assert set(rest_errors.STATUS) == set(ErrorKind)
    for aws in error_map.AWS_ERRORS.values():
        assert issubclass(aws, api.ServiceException)


def test_every_service_error_has_a_kind_both_fronts_know():
    errors = _all_service_errors()
    assert len(errors) >= 10
    for cls in errors:
        assert cls.kind in error_map.AWS_ERRORS, cls
        assert cls.kind in rest_errors.STATUS, cls


def test_a_service_error_without_a_kind_is_refused_when_defined():
    with pytest.raises(TypeError, match="must set `kind"):
        type("Kindless", (ServiceError,), {})


class Raising(api.RekognitionApi):
    def describe_collection(self, context, request):
        raise ResourceNotFound(f"The collection id: {request['CollectionId']} does not exist")


def _describe(provider) -> tuple[int, dict]:
    status, _, payload = handle(provider, {"x-amz-target": "RekognitionService.DescribeCollection"},
                                json.dumps({"CollectionId": "c1"}).encode())
    return status, json.loads(payload)


def test_aws_front_maps_a_kind_to_its_modelled_exception():
    assert _describe(Raising()) == (400, {"__type": "ResourceNotFoundException",
                                          "Message": "The collection id: c1 does not exist"})


def test_aws_front_answers_500_for_an_unmapped_kind(monkeypatch):
    monkeypatch.delitem(error_map.AWS_ERRORS, ErrorKind.NOT_FOUND)
    status, body = _describe(Raising())
    assert status == 500 and body["__type"] == "InternalServerError"


def _rest_client() -> TestClient:
    app = FastAPI()
    app.add_exception_handler(ServiceError, rest_errors.service_error_handler)

    @app.get("/thing")
    def thing():
        raise ResourceNotFound("no such thing")

    return TestClient(app)


def test_rest_front_maps_a_kind_to_its_status():
    answer = _rest_client().get("/thing")
    assert answer.status_code == 404
    assert answer.json() == {"error": "ResourceNotFound", "message": "no such thing"}


def test_rest_front_answers_500_for_an_unmapped_kind(monkeypatch):
    monkeypatch.delitem(rest_errors.STATUS, ErrorKind.NOT_FOUND)
    answer = _rest_client().get("/thing")
    assert answer.status_code == 500 and answer.json()["error"] == "InternalServerError"


def test_the_aws_front_imports_nothing_from_operations_or_services():
    for path in (ROOT / "oculi" / "aws").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.startswith(("oculi.operations", "oculi.services")), f"{path.name} imports {name}"
