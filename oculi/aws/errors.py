"""The two kinds of AWS errors: modelled exceptions (generated in api.py) and CommonServiceError."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RequestContext:
    """Who is calling and where: the account from the access key, the region from the SigV4 scope."""

    operation: str = ""
    access_key: str = ""
    account: str = "000000000000"
    region: str = "us-east-1"
    request_id: str = ""
    extra: dict = field(default_factory=dict)


class ServiceException(Exception):
    code = "ServiceException"
    status = 400

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class CommonServiceError(ServiceException):
    """ValidationException, AccessDeniedException, SerializationException, UnknownOperationException..."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.status = status


class NotImplementedOperation(CommonServiceError):
    def __init__(self, operation: str):
        super().__init__("NotImplementedException",
                         f"Oculi does not implement the Rekognition operation {operation} yet", 400)
