"""SigV4 on the AWS front: who (access key -> account), where (credential-scope region), and, when secret keys
are configured, whether the signature is right and the key may call the operation (an IAM-like allow list).

With no secret keys (the embedded default) signatures are not verified and unknown access keys fall into the
default account, as LocalStack and moto do. With `OCULI_SECRET_KEYS`, the signature is recomputed with
botocore's own SigV4 signer over the headers the client signed, and a request without one, from an unknown
key, with a wrong signature or a date more than 15 minutes off is refused with the code AWS answers.
"""

from __future__ import annotations

import hmac
import re
import time
from calendar import timegm
from fnmatch import fnmatchcase

from oculi.aws.errors import CommonServiceError

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
_SIGNED = re.compile(r"SignedHeaders=([^,\s]+)")
_SIGNATURE = re.compile(r"Signature=([0-9a-f]{64})")
DEFAULT_ACCOUNT = "000000000000"
MAX_SKEW_SECONDS = 15 * 60  # AWS's limit between the request's X-Amz-Date and the server's clock
SERVICE_PREFIX = "rekognition"


def account_for(access_key: str, accounts: dict[str, str]) -> str:
    return accounts.get(access_key, DEFAULT_ACCOUNT)


class Authenticator:
    def __init__(self, accounts: dict[str, str] | None = None, secrets: dict[str, str] | None = None,
                 policies: dict[str, list[str]] | None = None):
        self.accounts = accounts or {}
        self.secrets = secrets or {}
        self.policies = policies or {}

    def identify(self, headers: dict[str, str], body: bytes, method: str = "POST", url: str = "http://localhost/",
                 now: float | None = None) -> tuple[str, str, str] | None:
        """(access key, region, account) of the request; None when it names no credential and none is required.
        `headers` have lower-case names."""
        authorization = headers.get("authorization") or ""
        credential = _CREDENTIAL.search(authorization)
        if credential is None:
            if self.secrets:
                raise CommonServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
            return None
        access_key, _, region, service = credential.groups()
        if self.secrets:
            secret = self.secrets.get(access_key)
            if secret is None:
                raise CommonServiceError("UnrecognizedClientException",
                                         "The security token included in the request is invalid.", 400)
            self._verify(authorization, access_key, secret, region, service, headers, body, method, url,
                         time.time() if now is None else now)
        return access_key, region, account_for(access_key, self.accounts)

    def authorize(self, access_key: str, account: str, operation: str) -> None:
        """AccessDeniedException unless the key's allow list (if it has one) matches `rekognition:<Operation>`."""
        allowed = self.policies.get(access_key)
        action = f"{SERVICE_PREFIX}:{operation}"
        if allowed is not None and not any(fnmatchcase(action, pattern) for pattern in allowed):
            raise CommonServiceError("AccessDeniedException", f"User: arn:aws:iam::{account}:user/{access_key} is "
                                     f"not authorized to perform: {action}", 400)

    @staticmethod
    def _verify(authorization: str, access_key: str, secret: str, region: str, service: str,
                headers: dict[str, str], body: bytes, method: str, url: str, now: float) -> None:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        signed, signature = _SIGNED.search(authorization), _SIGNATURE.search(authorization)
        amz_date = headers.get("x-amz-date", "")
        if not signed or not signature or not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
            raise CommonServiceError("IncompleteSignatureException",
                                     "Authorization header requires Credential, SignedHeaders, Signature and "
                                     "an X-Amz-Date header", 400)
        signed_at = timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
        if abs(now - signed_at) > MAX_SKEW_SECONDS:
            raise CommonServiceError("InvalidSignatureException", f"Signature expired: {amz_date} is more than "
                                     "15 minutes away from the server's time", 400)
        request = AWSRequest(method=method, url=url, data=body,
                             headers={h: headers.get(h, "") for h in signed.group(1).split(";")})
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(access_key, secret), service, region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected, signature.group(1)):
            raise CommonServiceError("InvalidSignatureException",
                                     "The request signature we calculated does not match the signature you "
                                     "provided. Check your AWS Secret Access Key and signing method.", 400)
