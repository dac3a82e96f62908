"""URL safety and normalisation that is not specific to any site.

Every URL the fetcher is about to request (the one it was given, each redirect hop, each image) goes
through :func:`check_url` first, before any I/O. Why: on-demand archiving requests attacker-chosen
URLs, and the classic SSRF bypasses all come from one component parsing a URL differently from
another (CVE-2023-24329 leading blanks, CVE-2024-11168 brackets, decimal/octal/hex IPv4 that
``getaddrinfo`` happily accepts). So:

- one parser end to end: httpx's, the one the client itself uses to build the request line;
- only ``http``/``https``; no credentials in the URL;
- a host that is an IP literal in *any* spelling (``2130706433``, ``0x7f000001``, ``0177.0.0.1``,
  ``127.1``, ``[::ffff:127.0.0.1]``) is parsed the WHATWG way, checked against the deny list, and
  rewritten to its canonical dotted form so that what we checked is what we connect to;
- names that can only mean the local network (``localhost``, ``*.local``, single-label names) are
  refused unless private hosts are allowed.

Resolving names is not done here (pure functions only): when no proxy is used the fetcher resolves
each host once, validates every answer with :func:`check_addresses` and connects to that address.
"""

from __future__ import annotations

import ipaddress
import re
from ipaddress import IPv4Address, IPv6Address

import httpx

from scraper.errors import BlockedURL

ALLOWED_SCHEMES = frozenset({"http", "https"})

MAX_URL_LENGTH = 8192  # why: real article URLs stay under 1 KB; 8 KB still fits every proxy's request line

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet", ".corp")
"""Names that only ever mean a machine on the local network (RFC 6761, RFC 6762, RFC 8375, common use)."""

BLOCKED_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        # IPv4: "this network", RFC 1918, CGNAT (Alibaba metadata 100.100.100.200), loopback,
        # link-local (cloud metadata 169.254.169.254), IETF protocol assignments, TEST-NETs,
        # 6to4 relay, benchmarking, multicast, reserved + broadcast.
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        # IPv6: unspecified, loopback, IPv4-compatible/mapped/translated, discard, IETF (incl. Teredo),
        # documentation, 6to4, unique-local, link-local, site-local, multicast.
        "::/96",
        "::ffff:0:0/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
"""Explicit deny list. Why explicit: ``ipaddress.is_global`` was wrong for several ranges before
Python 3.11.10 / 3.12.4 (CVE-2024-4032); we check both the list and ``is_global``."""

_STRIP = "".join(chr(i) for i in range(0x21))  # C0 controls and space, stripped at both ends (WHATWG)


def is_blocked_ip(ip: IPv4Address | IPv6Address) -> bool:
    """True when ``ip`` is not a public unicast address (loopback, private, link-local, CGNAT …)."""
    if isinstance(ip, IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None and is_blocked_ip(mapped):
            return True
        if ip.scope_id:
            return True
    return any(ip in net for net in BLOCKED_NETWORKS if net.version == ip.version) or not ip.is_global


def _ipv4_number(part: str) -> int | None:
    """One dotted part the WHATWG way: ``0x`` hex, leading-``0`` octal, else decimal; None if invalid."""
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
        if digits == "":
            return 0
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    try:
        return int(digits, base) if digits and digits.isalnum() and digits.isascii() else None
    except ValueError:
        return None


def _ends_in_number(parts: list[str]) -> bool:
    last = parts[-1]
    if last.isascii() and last.isdigit():
        return True
    return last[:2].lower() == "0x" and all(c in "0123456789abcdefABCDEF" for c in last[2:])


def parse_ip_host(host: str) -> IPv4Address | IPv6Address | None:
    """The IP address a URL host denotes, in any spelling a resolver accepts; None for a name.

    IPv4 follows the WHATWG host parser (what browsers and ``inet_aton`` accept: 1 to 4 parts, each
    decimal, ``0x`` hex or ``0`` octal, the last part filling the remaining bytes). A host that ends in
    a number but is not a valid IPv4 address (``1.2.3.4.5``, ``256.1.1.1``) raises ``ValueError``.
    """
    h = host.strip("[]")
    if ":" in h:
        return ipaddress.IPv6Address(h)
    parts = h.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not parts or not _ends_in_number(parts):
        return None
    if len(parts) > 4:
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    nums = [n for n in numbers if n is not None]
    if any(n > 255 for n in nums[:-1]) or nums[-1] >= 256 ** (5 - len(nums)):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    value = nums[-1]
    for i, n in enumerate(nums[:-1]):
        value += n * 256 ** (3 - i)
    return IPv4Address(value)


def is_local_name(host: str) -> bool:
    """True for names that can only mean the local network (``localhost``, ``printer.local``, ``intranet``)."""
    h = host.rstrip(".").lower()
    return h in LOCAL_NAMES or h.endswith(LOCAL_SUFFIXES) or "." not in h


def check_url(url: str, allow_private: bool = False) -> str:
    """The normalised form of ``url`` if it may be fetched, else ``BlockedURL``; no I/O.

    Normalised: surrounding C0/space stripped, tabs and newlines removed (as browsers do), fragment
    dropped, scheme and host lower-case, default port dropped, IP hosts in canonical form, non-ASCII
    percent-encoded. ``check_url`` is idempotent. With ``allow_private`` only the scheme and syntax
    are checked (for a trusted local setup).
    """
    cleaned = url.strip(_STRIP).replace("\t", "").replace("\n", "").replace("\r", "")
    if not cleaned:
        raise BlockedURL("An empty URL cannot be fetched.", url)
    if len(cleaned) > MAX_URL_LENGTH:
        raise BlockedURL(f"The URL {cleaned[:80]}… is longer than {MAX_URL_LENGTH} characters.", url)
    try:
        parsed = httpx.URL(cleaned)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise BlockedURL(f"The URL {cleaned!r} is not a valid URL ({exc}).", url) from exc
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise BlockedURL(
            f"The URL {cleaned!r} uses the scheme {parsed.scheme!r}; only http and https are fetched.", url
        )
    if not parsed.host:
        raise BlockedURL(f"The URL {cleaned!r} has no host.", url)
    if parsed.userinfo:
        raise BlockedURL(f"The URL {cleaned!r} carries credentials (user@host); such URLs are refused.", url)
    raw_host = parsed.raw_host.decode("ascii", "replace").lower()
    if any(c in raw_host for c in "\\%@/?# "):
        raise BlockedURL(f"The URL {cleaned!r} has an invalid host.", url)
    try:
        ip = parse_ip_host(raw_host)
    except ValueError as exc:
        raise BlockedURL(f"The URL {cleaned!r} has an invalid numeric host ({exc}).", url) from exc
    host = raw_host.rstrip(".") if ip is None else (f"[{ip.compressed}]" if ip.version == 6 else str(ip))
    if not allow_private:
        if ip is not None and is_blocked_ip(ip):
            raise BlockedURL(
                f"The URL {cleaned!r} points to the non-public address {ip}; fetching it is refused.", url
            )
        if ip is None and is_local_name(host):
            raise BlockedURL(f"The URL {cleaned!r} names the local host or network ({host}); refused.", url)
    port = f":{parsed.port}" if parsed.port is not None else ""
    path = parsed.raw_path.decode("ascii")
    return f"{parsed.scheme}://{host}{port}{path}"


def check_addresses(host: str, addresses: list[str], allow_private: bool = False) -> list[str]:
    """The resolved ``addresses`` of ``host`` if *all* are public, else ``BlockedURL``.

    Why all: a name answering one public and one private address (or a rebinding resolver) must not
    get a chance to route us inside; we connect only to an address we checked.
    """
    if not addresses:
        raise BlockedURL(f"The host {host} resolved to no address.", "")
    if allow_private:
        return addresses
    for addr in addresses:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
        if is_blocked_ip(ip):
            raise BlockedURL(
                f"The host {host} resolves to the non-public address {ip}; fetching it is refused.", ""
            )
    return addresses


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in: what "same origin" compares."""
    u = httpx.URL(url)
    port = u.port or (443 if u.scheme == "https" else 80)
    return (u.scheme, u.host.lower(), port)


def host_of(url: str) -> str:
    return httpx.URL(url).host.lower()


def host_matches(host: str, suffix: str) -> bool:
    """True when ``host`` is ``suffix`` or a subdomain of it (``mmbiz.qpic.cn`` matches ``qpic.cn``)."""
    host, suffix = host.lower().rstrip("."), suffix.lower().strip(".")
    return host == suffix or host.endswith("." + suffix)


def robots_origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: what one robots.txt governs (RFC 9309 §2.3)."""
    u = httpx.URL(url)
    host = f"[{u.host}]" if ":" in u.host else u.host.lower()
    port = f":{u.port}" if u.port is not None else ""
    return f"{u.scheme}://{host}{port}"


def robots_url(url: str) -> str:
    """The robots.txt URL for the origin of ``url``."""
    return robots_origin(url) + "/robots.txt"


_PRODUCT = re.compile(r"([A-Za-z0-9_-]+)/")
_BROWSER_PRODUCTS = frozenset(
    {"mozilla", "applewebkit", "chrome", "chromium", "safari", "gecko", "firefox", "version", "mobile", "edg",
     "opr", "khtml", "like"}
)  # fmt: skip
"""Products of a browser-style User-Agent that name an engine, not the crawler."""


def product_token(user_agent: str) -> str:
    """The crawler's product token for robots.txt group matching (RFC 9309 §2.2.1).

    ``Mozilla/5.0 (compatible; wxarchive/0.1; personal archive)`` → ``wxarchive``: the first
    ``name/version`` that is not a browser engine, letters, ``-`` and ``_`` only as the RFC requires.
    A User-Agent that names no crawler (a plain browser string) gets ``*``: only the groups for every
    crawler apply to it.
    """
    for match in _PRODUCT.finditer(user_agent or ""):
        name = re.sub(r"[^A-Za-z_-]", "", match.group(1)).strip("-_")
        if name and name.lower() not in _BROWSER_PRODUCTS:
            return name
    return "*"
