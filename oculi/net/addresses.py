"""Which addresses an outbound request may reach: the decision alone, on parsed addresses, with no I/O.

Refused unless the operator allows their network (`OCULI_OUTBOUND_ALLOW_NETWORKS`): loopback, RFC 1918,
link-local, carrier-grade NAT, multicast, unspecified, reserved and documentation ranges, IPv6 unique-local and
link-local; and the IPv4 addresses hidden in IPv6 forms (IPv4-mapped, 6to4, NAT64, Teredo) are judged as the
IPv4 address they reach. The cloud metadata addresses and names are refused always, whatever is allowed: they
hand out credentials to whoever asks. The tables follow the IANA special-purpose registries (RFC 6890) rather
than `ipaddress.is_private`, whose answer changes between Python versions.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALWAYS = "a cloud metadata address (refused always)"

METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, Azure, GCP, OpenStack, DigitalOcean... instance metadata
    "169.254.169.253",  # AWS DNS
    "169.254.169.123",  # AWS time
    "169.254.170.2",  # AWS ECS task credentials
    "169.254.170.23",  # AWS EKS pod identity
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud
    "fd00:ec2::254",  # AWS IMDS over IPv6
    "fd00:ec2::253",  # AWS DNS over IPv6
    "fd00:ec2::123",  # AWS time over IPv6
    "fd00:ec2::23",  # AWS EKS pod identity over IPv6
))
METADATA_NAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    "metadata.azure.com", "metadata.tencentyun.com", "metadata.platformequinix.com",
})

_TABLE: list[tuple[str, str]] = [
    ("0.0.0.0/8", "the unspecified network (0.0.0.0/8)"),
    ("10.0.0.0/8", "a private network (RFC 1918)"),
    ("100.64.0.0/10", "carrier-grade NAT (100.64.0.0/10)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "a private network (RFC 1918)"),
    ("192.0.0.0/24", "reserved for IETF protocol assignments"),
    ("192.0.2.0/24", "reserved for documentation"),
    ("192.88.99.0/24", "reserved (6to4 relay anycast)"),
    ("192.168.0.0/16", "a private network (RFC 1918)"),
    ("198.18.0.0/15", "reserved for benchmarking"),
    ("198.51.100.0/24", "reserved for documentation"),
    ("203.0.113.0/24", "reserved for documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved (240.0.0.0/4, broadcast)"),
    ("::/128", "unspecified (::)"),
    ("::1/128", "loopback"),
    ("::/96", "an IPv4-compatible IPv6 address (deprecated)"),
    ("::ffff:0:0:0/96", "an IPv4-translated IPv6 address"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "reserved (discard-only)"),
    ("2001:2::/48", "reserved for benchmarking"),
    ("2001:10::/28", "reserved (ORCHID)"),
    ("2001:20::/28", "reserved (ORCHID)"),
    ("2001:db8::/32", "reserved for documentation"),
    ("fc00::/7", "IPv6 unique-local"),
    ("fe80::/10", "IPv6 link-local"),
    ("fec0::/10", "IPv6 site-local (deprecated)"),
    ("ff00::/8", "multicast"),
]
REFUSED: list[tuple[IPNetwork, str]] = [(ipaddress.ip_network(n), why) for n, why in _TABLE]
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse(address: str) -> IPAddress:
    """An address as getaddrinfo writes it; an IPv6 zone (`fe80::1%eth0`) is dropped, as it names no network."""
    return ipaddress.ip_address(address.split("%", 1)[0])


def parse_networks(networks: Iterable[str]) -> list[IPNetwork]:
    """Operator-given CIDRs; a bad one raises ValueError naming it."""
    out = []
    for n in networks:
        try:
            out.append(ipaddress.ip_network(n.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"not a network in CIDR form: {n!r} ({exc})") from None
    return out


def embedded_ipv4(ip: IPAddress) -> list[tuple[str, ipaddress.IPv4Address]]:
    """The IPv4 addresses an IPv6 address carries traffic to, with the name of the form."""
    if ip.version != 6:
        return []
    if ip.ipv4_mapped is not None:
        return [("IPv4-mapped", ip.ipv4_mapped)]
    if ip.sixtofour is not None:
        return [("6to4", ip.sixtofour)]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [("Teredo", server), ("Teredo", client)]
    if ip in NAT64:
        return [("NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))]
    return []


def is_metadata_name(host: str) -> bool:
    return host.rstrip(".").lower() in METADATA_NAMES


class AddressPolicy:
    """`refusal(address)`: None when an outbound connection may go there, else the reason in words."""

    def __init__(self, allow: Iterable[str] = ()):
        self.allow = parse_networks(allow)

    def allowed_by_operator(self, ip: IPAddress) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allow)

    def refusal(self, address: str | IPAddress) -> str | None:
        ip = parse(address) if isinstance(address, str) else address
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # the socket reaches that IPv4 host itself
        if ip in METADATA_ADDRESSES:
            return ALWAYS
        for form, v4 in embedded_ipv4(ip):
            if v4 in METADATA_ADDRESSES:
                return f"the {form} form of {v4}: {ALWAYS}"
        if self.allowed_by_operator(ip):
            return None
        for net, why in REFUSED:
            if ip.version == net.version and ip in net:
                return why
        for form, v4 in embedded_ipv4(ip):
            why = self.refusal(v4)
            if why:
                return f"the {form} form of {v4}: {why}"
        return None
