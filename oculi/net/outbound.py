"""The guarded HTTP client for every request to a URL a caller chose (webhook deliveries, image upload by URL).

Why not check the URL and then hand it to an ordinary client: the client would resolve the name again, and a
name may answer a public address to the check and 127.0.0.1 to the connection (DNS rebinding). So the check
sits in the connection itself: httpcore (httpx's transport) opens every TCP connection through
`_GuardedBackend.connect_tcp`, which resolves the name once, refuses it if ANY address it resolves to is
refused (`AddressPolicy`), and connects to the checked address itself. TLS still names the host (SNI and
certificate check), and so does the Host header, because httpcore takes both from the URL, not the socket.
Redirects are followed by hand, at most `max_redirects`, each a new connection through the same check; no
proxy from the environment is used (a proxy would make the connection, unchecked); the response body is
counted while it streams and the connection dropped past the cap, so an endless or lying response costs at
most the cap. Name resolution and connection are injectable: tests decide for any address without a packet.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import unquote

import httpcore
import httpx

from oculi.errors import ErrorKind, ServiceError
from oculi.net.addresses import ALWAYS, AddressPolicy, is_metadata_name, parse

Resolver = Callable[[str, int], list[str]]  # (host, port) -> addresses as strings
Connector = Callable[[str, int, "float | None"], httpcore.NetworkStream]  # (address, port, timeout) -> stream
REDIRECTS = frozenset({301, 302, 303, 307, 308})
NETWORK_ERRORS = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError,
                  httpcore.UnsupportedProtocol)


class OutboundRefused(ServiceError):
    """The URL may not be fetched: its scheme, credentials or an address its host resolves to."""

    kind = ErrorKind.INVALID_PARAMETER


class FetchFailed(ServiceError):
    """The URL was allowed but could not be fetched (no such name, refused connection, timeout, HTTP error)."""

    kind = ErrorKind.INVALID_PARAMETER


class ResponseTooLarge(ServiceError):
    """The response body is over the cap (announced by Content-Length, or counted while streaming)."""

    kind = ErrorKind.IMAGE_TOO_LARGE


@dataclass(frozen=True)
class Fetched:
    data: bytes
    url: str  # after redirects
    content_type: str  # as the server said: informative only, never trusted


def system_resolver(host: str, port: int) -> list[str]:
    """getaddrinfo, numeric forms first (decimal, octal, hex and short IPv4 spellings are numbers to the OS:
    `2130706433` and `0x7f.1` are 127.0.0.1 and are judged as such) so that a literal never reaches DNS."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP, flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def direct_connector(address: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
    return httpcore.SyncBackend().connect_tcp(address, port, timeout=timeout)


def _is_literal(host: str) -> bool:
    try:
        parse(host)
        return True
    except ValueError:
        return False


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend: every TCP connection is admitted by the guard and pinned to its address."""

    def __init__(self, outbound: Outbound):
        self.outbound = outbound

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        last: Exception | None = None
        for address in self.outbound.admit(host, port):
            try:
                return self.outbound.connector(address, port, timeout)
            except httpcore.ConnectError as exc:  # the next checked address, as create_connection does
                last = exc
        raise last or httpcore.ConnectError(f"no address to connect to for {host}")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise OutboundRefused("unix sockets are not reachable from outbound requests")


class Outbound:
    def __init__(self, policy: AddressPolicy, resolver: Resolver = system_resolver,
                 connector: Connector = direct_connector, connect_timeout: float = 5.0, max_redirects: int = 3,
                 user_agent: str = "Oculi/1"):
        self.policy = policy
        self.resolver = resolver
        self.connector = connector
        self.connect_timeout = connect_timeout
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._ssl = httpcore.default_ssl_context()

    @classmethod
    def from_settings(cls, settings, **kw) -> Outbound:
        return cls(AddressPolicy(settings.outbound_allow_networks),
                   connect_timeout=settings.outbound_connect_timeout, **kw)

    # -- the decisions ----------------------------------------------------------------------------

    def target(self, url: str) -> httpx.URL:
        """The URL parsed, or OutboundRefused: http(s) only, no credentials, a host."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise OutboundRefused(f"not a valid URL: {exc}") from None
        if parsed.scheme not in ("http", "https"):
            raise OutboundRefused(f"only http:// and https:// URLs are fetched, not {parsed.scheme or 'no'} scheme")
        if parsed.userinfo:
            raise OutboundRefused("a URL with credentials (user:password@) is refused")
        if not parsed.host:
            raise OutboundRefused("the URL has no host")
        if is_metadata_name(parsed.host):
            raise OutboundRefused(f"{parsed.host} is a cloud metadata name, refused always")
        return parsed

    def admit(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to, checked; OutboundRefused if any one is refused."""
        host = unquote(host)
        if is_metadata_name(host):
            raise OutboundRefused(f"{host} is a cloud metadata name, refused always")
        try:  # an IP literal (an IPv6 one with its zone, too) is judged as written, without a resolver
            addresses = [host] if _is_literal(host) else self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise FetchFailed(f"ConnectError: cannot resolve {host}: {exc}") from None
        if not addresses:
            raise FetchFailed(f"ConnectError: {host} resolves to no address")
        for address in addresses:
            try:
                why = self.policy.refusal(address)
            except ValueError:
                why = "not an IP address"
            if why:
                shown = address if address == host else f"{host} resolves to {address}, which"
                hint = "" if ALWAYS in why else " (an operator can allow its network: OCULI_OUTBOUND_ALLOW_NETWORKS)"
                raise OutboundRefused(f"{shown} is refused: {why}{hint}")
        return addresses

    def check(self, url: str) -> None:
        """At registration (webhooks): refuse a URL whose host is, or resolves to, a refused address. A name
        that does not resolve yet is accepted; the connection is checked again at every delivery anyway."""
        parsed = self.target(url)
        with suppress(FetchFailed):
            self.admit(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))

    # -- requests ---------------------------------------------------------------------------------

    @contextmanager
    def _response(self, pool: httpcore.ConnectionPool, method: str, url: httpx.URL, headers: dict[str, str],
                  body: bytes | None, deadline: float) -> Iterator[httpcore.Response]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchFailed(f"ReadTimeout: {url} took longer than allowed")
        target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
        sent = {"User-Agent": self.user_agent, "Accept-Encoding": "identity", **headers}
        timeouts = {"connect": min(self.connect_timeout, remaining), "read": remaining, "write": remaining,
                    "pool": remaining}
        try:
            with pool.stream(method, target, headers=list(sent.items()), content=body,
                             extensions={"timeout": timeouts}) as response:
                yield response
        except NETWORK_ERRORS as exc:
            raise FetchFailed(f"{type(exc).__name__}: {exc or 'no detail'}") from None

    def _pool(self) -> httpcore.ConnectionPool:
        """A pool per call: nothing is kept open, and no connection checked for one call serves another."""
        return httpcore.ConnectionPool(ssl_context=self._ssl, network_backend=_GuardedBackend(self), retries=0)

    def fetch(self, url: str, max_bytes: int, timeout: float) -> Fetched:
        """GET `url` following at most `max_redirects` redirects, each checked; the body up to `max_bytes`."""
        deadline = time.monotonic() + timeout
        current = self.target(url)
        with self._pool() as pool:
            for _ in range(self.max_redirects + 1):
                with self._response(pool, "GET", current, {"Accept": "image/*"}, None, deadline) as response:
                    headers = httpx.Headers(response.headers)
                    if response.status in REDIRECTS and "location" in headers:
                        current = self.target(str(current.join(headers["location"])))
                        continue
                    if not 200 <= response.status < 300:
                        raise FetchFailed(f"{current} answered HTTP {response.status}")
                    data = self._read(response, headers, max_bytes, deadline, current)
                    return Fetched(data, str(current), headers.get("content-type", ""))
        raise OutboundRefused(f"more than {self.max_redirects} redirects, from {url}")

    @staticmethod
    def _read(response: httpcore.Response, headers: httpx.Headers, max_bytes: int, deadline: float,
              url: httpx.URL) -> bytes:
        announced = headers.get("content-length", "")
        if announced.isdigit() and int(announced) > max_bytes:
            raise ResponseTooLarge(f"{url} announces {announced} bytes, the limit is {max_bytes}")
        chunks, size = [], 0
        try:
            for chunk in response.iter_stream():
                size += len(chunk)
                if size > max_bytes:
                    raise ResponseTooLarge(f"{url} sent more than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchFailed(f"ReadTimeout: {url} took longer than allowed")
                chunks.append(chunk)
        except NETWORK_ERRORS as exc:
            raise FetchFailed(f"{type(exc).__name__}: {exc or 'no detail'}") from None
        return b"".join(chunks)

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        """POST once, following no redirect (a 3xx is the receiver's answer); returns the status. The
        response body is not read."""
        with self._pool() as pool, self._response(pool, "POST", self.target(url), headers, body,
                                                  time.monotonic() + timeout) as response:
            return response.status
