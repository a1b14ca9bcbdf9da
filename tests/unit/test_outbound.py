"""The outbound guard's decisions, for addresses no test may ever reach: name resolution is injected, and the
"connection" is a canned stream that records what would have been sent. Nothing here opens a socket."""

from __future__ import annotations

import socket

import httpcore
import pytest

from oculi.net.addresses import AddressPolicy
from oculi.net.outbound import FetchFailed, Outbound, OutboundRefused, ResponseTooLarge

REFUSED = [  # (address, words the reason must contain)
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.254", "private"), ("192.168.1.1", "private"),
    ("169.254.1.1", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"), ("100.127.255.254", "carrier-grade NAT"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("255.255.255.255", "reserved"), ("240.0.0.1", "reserved"),
    ("192.0.2.1", "documentation"), ("2001:db8::1", "documentation"), ("198.18.0.1", "benchmarking"),
    ("fc00::1", "unique-local"), ("fd12:3456::1", "unique-local"),
    ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"), ("100.100.100.200", "metadata"),
    ("169.254.170.2", "metadata"), ("192.0.0.192", "metadata"),
    # IPv4 inside IPv6: judged as the IPv4 address they reach
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"), ("::ffff:169.254.169.254", "metadata"),
    ("::ffff:100.64.0.1", "carrier-grade NAT"), ("::127.0.0.1", "IPv4-compatible"),
    ("2002:7f00:1::", "6to4 form of 127.0.0.1"), ("2002:a9fe:a9fe::1", "metadata"),
    ("64:ff9b::a00:1", "NAT64 form of 10.0.0.1"), ("64:ff9b::a9fe:a9fe", "metadata"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),  # client 192.0.2.45: documentation
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808",
          "2002:808:808::1", "100.63.255.255", "100.128.0.0", "172.32.0.1", "11.0.0.1"]


@pytest.mark.parametrize(("address", "why"), REFUSED)
def test_refused_by_default(address, why):
    reason = AddressPolicy().refusal(address)
    assert reason and why in reason, (address, reason)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert AddressPolicy().refusal(address) is None


def test_allowed_networks_open_only_themselves():
    policy = AddressPolicy(["127.0.0.0/8", "10.1.0.0/16"])
    for address in ("127.0.0.1", "127.0.0.2", "::ffff:127.0.0.1", "10.1.2.3"):
        assert policy.refusal(address) is None, address
    for address in ("::1", "10.2.0.1", "192.168.0.1", "169.254.169.254"):
        assert policy.refusal(address), address


def test_metadata_is_refused_even_when_every_network_is_allowed():
    policy = AddressPolicy(["0.0.0.0/0", "::/0"])
    assert policy.refusal("10.0.0.1") is None and policy.refusal("fe80::1") is None
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "::ffff:169.254.169.254",
                    "2002:a9fe:a9fe::", "64:ff9b::a9fe:a9fe", "169.254.170.2"):
        assert "metadata" in policy.refusal(address), address
    guard = Outbound(policy, resolver=Resolver({}), connector=Recorder())
    with pytest.raises(OutboundRefused, match="metadata"):
        guard.fetch("http://metadata.google.internal/computeMetadata/v1/", 100, 5)
    assert guard.resolver.asked == []  # refused by name, before any lookup


def test_a_bad_allowed_network_is_refused_with_its_name():
    with pytest.raises(ValueError, match="10.0.0.300/8"):
        AddressPolicy(["10.0.0.300/8"])


# -- the client, with injected resolution and connection ------------------------------------------------


class Resolver:
    """Answers from a table (a list of answers per name is used in turn: DNS rebinding); numeric hosts are
    parsed by the OS with AI_NUMERICHOST, which never sends a query."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]):
        self.table = table
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host in self.table:
            answer = self.table[host]
            if answer and isinstance(answer[0], list):
                return answer.pop(0)
            return list(answer)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP, flags=socket.AI_NUMERICHOST)
        return [str(i[4][0]) for i in infos]


class Canned(httpcore.NetworkStream):
    def __init__(self, answer: bytes, endless: bytes = b""):
        self.answer, self.endless, self.sent, self.reads, self.sni = [answer], endless, b"", 0, None

    def read(self, max_bytes, timeout=None):
        self.reads += 1
        return self.answer.pop(0) if self.answer else self.endless

    def write(self, buffer, timeout=None):
        self.sent += buffer

    def close(self):
        pass

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        self.sni = server_hostname
        return self


class Recorder:
    """Stands in for the TCP connect: records (address, port) and answers each connection with the next canned
    answer; with none left it refuses, as a closed port would."""

    def __init__(self, *answers: bytes | Canned):
        self.answers = [a if isinstance(a, Canned) else Canned(a) for a in answers]
        self.connected: list[tuple[str, int]] = []
        self.streams: list[Canned] = []

    def __call__(self, address: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
        self.connected.append((address, port))
        if not self.answers:
            raise httpcore.ConnectError("recorded, not connected")
        self.streams.append(self.answers.pop(0))
        return self.streams[-1]


JPEG = b"\xff\xd8\xff\xe0" + b"x" * 60
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 64\r\n\r\n" + JPEG


def redirect(to: str) -> bytes:
    return f"HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n".encode()


def test_connects_to_the_checked_address_and_keeps_the_name_for_host_and_sni():
    connect = Recorder(OK, OK)
    guard = Outbound(AddressPolicy(), resolver=Resolver({"images.example.com": ["93.184.216.34"]}), connector=connect)
    fetched = guard.fetch("http://images.example.com/a/cat.jpg?size=1", 1000, 5)
    assert fetched.data == JPEG and connect.connected == [("93.184.216.34", 80)]
    assert connect.streams[0].sent.startswith(b"GET /a/cat.jpg?size=1 HTTP/1.1\r\nHost: images.example.com\r\n")
    guard.fetch("https://images.example.com/b.jpg", 1000, 5)
    assert connect.connected[-1] == ("93.184.216.34", 443) and connect.streams[-1].sni == "images.example.com"


@pytest.mark.parametrize("host", ["2130706433", "0x7f.0.0.1", "0x7f000001", "127.1", "017700000001", "0x7f.1",
                                  "[::ffff:7f00:1]", "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]"])
def test_other_spellings_of_loopback_are_loopback(host):
    connect = Recorder(OK)
    guard = Outbound(AddressPolicy(), resolver=Resolver({}), connector=connect)
    with pytest.raises(OutboundRefused, match="loopback"):
        guard.fetch(f"http://{host}:8080/x.jpg", 1000, 5)
    assert connect.connected == []


@pytest.mark.parametrize("host", ["0251.0376.0251.0376", "2852039166", "0xa9fea9fe", "[::ffff:a9fe:a9fe]"])
def test_other_spellings_of_the_metadata_address_are_refused_even_when_allowed(host):
    connect = Recorder(OK)
    guard = Outbound(AddressPolicy(["0.0.0.0/0", "::/0"]), resolver=Resolver({}), connector=connect)
    with pytest.raises(OutboundRefused, match="metadata|Invalid IPv4"):  # httpx refuses dotted octal itself
        guard.fetch(f"http://{host}/latest/meta-data/", 1000, 5)
    assert connect.connected == []


def test_a_name_with_any_refused_address_is_refused_whole():
    connect = Recorder(OK)
    names = {"mixed.example.com": ["93.184.216.34", "10.0.0.5"], "v6.example.com": ["2606:4700::1", "fd00::1"],
             "localhost": ["127.0.0.1", "::1"], "cgnat.example.com": ["100.64.1.1"]}
    guard = Outbound(AddressPolicy(), resolver=Resolver(names), connector=connect)
    for name, why in (("mixed", "10.0.0.5"), ("v6", "unique-local"), ("localhost", "loopback"), ("cgnat", "NAT")):
        host = name if name == "localhost" else f"{name}.example.com"
        with pytest.raises(OutboundRefused, match=why):
            guard.fetch(f"http://{host}/x.jpg", 1000, 5)
    assert connect.connected == []


def test_dns_rebinding_is_caught_at_connect_time():
    """The name answers a public address when the URL is registered, then 127.0.0.1 when the connection is
    made: the connection is refused, not made."""
    connect = Recorder(b"HTTP/1.1 204 No Content\r\n\r\n")
    names = {"hooks.example.com": [["93.184.216.34"], ["127.0.0.1"]]}
    guard = Outbound(AddressPolicy(), resolver=Resolver(names), connector=connect)
    guard.check("https://hooks.example.com/oculi")  # registration: fine
    with pytest.raises(OutboundRefused, match="hooks.example.com resolves to 127.0.0.1"):
        guard.post("https://hooks.example.com/oculi", b"{}", {"Content-Type": "application/json"}, 5)
    assert connect.connected == []


def test_each_redirect_is_checked_again():
    connect = Recorder(redirect("http://169.254.169.254/latest/meta-data/"), redirect("http://10.0.0.1/"),
                       redirect("/relative.jpg"), OK)
    guard = Outbound(AddressPolicy(), resolver=Resolver({"a.example.com": ["93.184.216.34"]}), connector=connect)
    with pytest.raises(OutboundRefused, match="metadata"):
        guard.fetch("http://a.example.com/x.jpg", 1000, 5)
    with pytest.raises(OutboundRefused, match="10.0.0.1"):
        guard.fetch("http://a.example.com/x.jpg", 1000, 5)
    fetched = guard.fetch("http://a.example.com/x.jpg", 1000, 5)  # a relative redirect on the same host
    assert fetched.url == "http://a.example.com/relative.jpg" and fetched.data == JPEG
    assert connect.connected == [("93.184.216.34", 80)] * 4


def test_at_most_three_redirects():
    hop = redirect("http://a.example.com/again")
    names = {"a.example.com": ["93.184.216.34"]}
    guard = Outbound(AddressPolicy(), resolver=Resolver(names), connector=Recorder(hop, hop, hop, OK))
    assert guard.fetch("http://a.example.com/", 1000, 5).data == JPEG
    connect = Recorder(hop, hop, hop, hop, OK)
    guard = Outbound(AddressPolicy(), resolver=Resolver(names), connector=connect)
    with pytest.raises(OutboundRefused, match="more than 3 redirects"):
        guard.fetch("http://a.example.com/", 1000, 5)
    assert len(connect.connected) == 4


def test_schemes_and_credentials():
    guard = Outbound(AddressPolicy(), resolver=Resolver({}), connector=Recorder())
    for url, why in (("ftp://a.example.com/x", "only http"), ("file:///etc/passwd", "only http"),
                     ("gopher://a.example.com/", "only http"), ("http://user:pw@a.example.com/", "credentials"),
                     ("http://user@a.example.com/", "credentials"), ("http:///x", "no host"),
                     ("not a url", "only http")):
        with pytest.raises(OutboundRefused, match=why):
            guard.fetch(url, 1000, 5)
    assert guard.resolver.asked == []


def test_the_body_cap_holds_while_streaming():
    names = {"a.example.com": ["93.184.216.34"]}
    lying = b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n" + JPEG
    endless = Canned(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", endless=b"10000\r\n" +
                     b"x" * 0x10000 + b"\r\n")
    guard = Outbound(AddressPolicy(), resolver=Resolver(names), connector=Recorder(lying, endless))
    with pytest.raises(ResponseTooLarge, match="announces 10000000000 bytes"):
        guard.fetch("http://a.example.com/big.jpg", 1_000_000, 5)
    with pytest.raises(ResponseTooLarge, match="more than 1000000 bytes"):
        guard.fetch("http://a.example.com/endless.jpg", 1_000_000, 5)
    assert endless.reads < 1_000_000 / 0x10000 + 5  # stopped at the cap, not at the end (there is none)


def test_http_errors_and_unresolvable_names_are_fetch_failures():
    names = {"a.example.com": ["93.184.216.34"]}
    guard = Outbound(AddressPolicy(), resolver=Resolver(names),
                     connector=Recorder(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
    with pytest.raises(FetchFailed, match="HTTP 404"):
        guard.fetch("http://a.example.com/x.jpg", 1000, 5)
    with pytest.raises(FetchFailed, match="ConnectError"):  # no answer left: the recorder refuses
        guard.fetch("http://a.example.com/x.jpg", 1000, 5)

    def no_such_name(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    guard = Outbound(AddressPolicy(), resolver=no_such_name, connector=Recorder())
    with pytest.raises(FetchFailed, match="cannot resolve"):
        guard.fetch("http://nowhere.example.com/x.jpg", 1000, 5)
    guard.check("http://nowhere.example.com/hook")  # at registration, a name that does not resolve yet is fine


def test_ip_literals_are_judged_without_a_resolver():
    guard = Outbound(AddressPolicy(), resolver=Resolver({}), connector=Recorder())
    for url, why in (("http://[fe80::1%25eth0]/x.jpg", "link-local"), ("http://[fd00:ec2::254]/", "metadata"),
                     ("http://10.0.0.1/", "private"), ("http://[::]/", "unspecified")):
        with pytest.raises(OutboundRefused, match=why):
            guard.fetch(url, 1000, 5)
    assert guard.resolver.asked == [] and guard.connector.connected == []
