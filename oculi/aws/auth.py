"""SigV4 on the AWS front: who (access key -> account), where (credential-scope region), and, when secret keys
are configured, whether the signature is right and covers the request, and whether the key's policy allows
the operation on the resources it names (oculi.aws.policy).

With no secret keys (the embedded default) signatures are not verified and unknown access keys fall into the
default account, as LocalStack and moto do. With `OCULI_SECRET_KEYS`, a request is refused with the code and
text AWS answers, in AWS's order: a missing Authorization, credential, SignedHeaders, Signature or X-Amz-Date;
a malformed date or one more than 15 minutes off; `host` or any `x-amz-*` header of the request left out of
SignedHeaders (else a captured request could be re-sent with another X-Amz-Target: the signature must cover
the operation); a credential scope for another service, a malformed region, another terminator or another
day than X-Amz-Date's; an unknown key; then the signature itself, recomputed with botocore's SigV4 signer.
boto3 and the AWS CLI sign host, x-amz-date, x-amz-target and content-type, so they pass.
"""

from __future__ import annotations

import hmac
import re
import time
from calendar import timegm

from oculi.aws.errors import CommonServiceError, RequestContext
from oculi.aws.policy import SERVICE, Statement, allowed, resources_of

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")  # lenient: who, where
_CREDENTIAL_FIELD = re.compile(r"Credential=([^,\s]*)")
_SIGNED = re.compile(r"SignedHeaders=([^,\s]+)")
_SIGNATURE = re.compile(r"Signature=([0-9a-f]{64})")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")  # us-east-1, eu-west-1, us-gov-west-1, ap-southeast-2...
DEFAULT_ACCOUNT = "000000000000"
MAX_SKEW_SECONDS = 15 * 60  # AWS's limit between the request's X-Amz-Date and the server's clock
SERVICE_PREFIX = SERVICE
TERMINATOR = "aws4_request"
HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."


def account_for(access_key: str, accounts: dict[str, str]) -> str:
    return accounts.get(access_key, DEFAULT_ACCOUNT)


def _incomplete(message: str) -> CommonServiceError:
    return CommonServiceError("IncompleteSignatureException", message, 400)


def _invalid(message: str) -> CommonServiceError:
    return CommonServiceError("InvalidSignatureException", message, 400)


class Authenticator:
    def __init__(self, accounts: dict[str, str] | None = None, secrets: dict[str, str] | None = None,
                 policies: dict[str, list] | None = None):
        """`policies`: access key -> statements (oculi.aws.policy.Statement, or what validates as one:
        an action glob string, or {"Action": [...], "Resource": [...]})."""
        self.accounts = accounts or {}
        self.secrets = secrets or {}
        self.policies = {key: [Statement.model_validate(s) for s in statements]
                         for key, statements in (policies or {}).items()}

    def identify(self, headers: dict[str, str], body: bytes, method: str = "POST", url: str = "http://localhost/",
                 now: float | None = None) -> tuple[str, str, str] | None:
        """(access key, region, account) of the request; None when it names no credential and none is required.
        `headers` have lower-case names."""
        authorization = headers.get("authorization") or ""
        if not self.secrets:
            credential = _CREDENTIAL.search(authorization)
            if credential is None:
                return None
            access_key, _, region, _ = credential.groups()
            return access_key, region, account_for(access_key, self.accounts)
        if _CREDENTIAL_FIELD.search(authorization) is None:
            raise CommonServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
        access_key, region = self._verify(authorization, headers, body, method, url,
                                          time.time() if now is None else now)
        return access_key, region, account_for(access_key, self.accounts)

    def authorize(self, context: RequestContext, request: dict | None = None) -> None:
        """AccessDeniedException unless the key's policy (if it has one) allows `rekognition:<Operation>` on
        every resource the request names (`*` when it names none)."""
        statements = self.policies.get(context.access_key)
        if statements is None:
            return
        action = f"{SERVICE_PREFIX}:{context.operation}"
        refused = allowed(statements, action, resources_of(request or {}, context.region, context.account))
        if refused is not None:
            on = "" if refused == "*" else f" on resource: {refused}"
            raise CommonServiceError("AccessDeniedException", f"User: arn:aws:iam::{context.account}:user/"
                                     f"{context.access_key} is not authorized to perform: {action}{on}", 400)

    def _verify(self, authorization: str, headers: dict[str, str], body: bytes, method: str, url: str,
                now: float) -> tuple[str, str]:
        """(access key, region) of a request whose signature is right and covers it; refusals in AWS's order."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        credential = _CREDENTIAL_FIELD.search(authorization).group(1)
        signed, signature = _SIGNED.search(authorization), _SIGNATURE.search(authorization)
        amz_date = headers.get("x-amz-date", "")
        if not signed or not signature or not amz_date:
            raise _incomplete("Authorization header requires Credential, SignedHeaders, Signature and "
                              "an X-Amz-Date header")
        parts = credential.split("/")
        if len(parts) != 5:
            raise _incomplete("Credential must have exactly 5 slash-delimited elements, e.g. "
                              f"keyid/date/region/service/term, got '{credential}'")
        if not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
            raise _incomplete(f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
                              "See http://en.wikipedia.org/wiki/ISO_8601")
        self._check_time(amz_date, now)
        names = signed.group(1).lower().split(";")
        if "host" not in names and ":authority" not in names:
            raise _invalid(HOST_NOT_SIGNED)
        unsigned = sorted(h for h in headers if h.startswith("x-amz-") and h not in names)
        if unsigned:  # S3's rule, here for every x-amz-* header: X-Amz-Target names the operation
            raise _invalid("There were headers present in the request which were not signed: "
                           + ", ".join(unsigned))
        access_key, day, region, service, terminator = parts
        problems = []
        if not _REGION.fullmatch(region):
            problems.append(f"Credential should be scoped to a valid region, not '{region}'. ")
        if service != SERVICE:
            problems.append(f"Credential should be scoped to correct service: '{SERVICE}'. ")
        if terminator != TERMINATOR:
            problems.append(f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
                            f"not '{terminator}'. ")
        if day != amz_date[:8]:
            problems.append("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                            f"HTTP: '{day}' != '{amz_date[:8]}', from '{amz_date}'.")
        if problems:
            raise _invalid("".join(problems))
        secret = self.secrets.get(access_key)
        if secret is None:
            raise CommonServiceError("UnrecognizedClientException",
                                     "The security token included in the request is invalid.", 400)
        request = AWSRequest(method=method, url=url, data=body, headers={h: headers.get(h, "") for h in names})
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(access_key, secret), service, region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected, signature.group(1)):
            raise _invalid("The request signature we calculated does not match the signature you provided. "
                           "Check your AWS Secret Access Key and signing method.")
        return access_key, region

    @staticmethod
    def _check_time(amz_date: str, now: float) -> None:
        signed_at = timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        if now - signed_at > MAX_SKEW_SECONDS:
            earliest = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - MAX_SKEW_SECONDS))
            raise _invalid(f"Signature expired: {amz_date} is now earlier than {earliest} ({stamp} - 15 min.)")
        if signed_at - now > MAX_SKEW_SECONDS:
            latest = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now + MAX_SKEW_SECONDS))
            raise _invalid(f"Signature not yet current: {amz_date} is still later than {latest} "
                           f"({stamp} + 15 min.)")
