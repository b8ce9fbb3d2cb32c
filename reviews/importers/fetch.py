"""Fetch a document from the web for an import, refusing anything but public http(s).

A member's URL must not let the server reach itself or the private network (SSRF): the
host is resolved here, every address is checked, and the request then goes to the checked
address itself, with the name kept in the Host header and in TLS (SNI and certificate
check). Connecting to a name instead would let DNS answer differently a moment later
(rebinding). Redirects are followed one hop at a time and each hop is checked the same way.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from .base import MAX_IMPORT_BYTES, ImportRefused

MAX_REDIRECTS = 5
USER_AGENT = "StudyGroup/1.0 (paper and blog import)"

# Tests point this at an httpx.MockTransport so that nothing leaves the machine.
TRANSPORT: httpx.BaseTransport | None = None

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# 64:ff9b::/96 maps IPv4 through NAT64; ipaddress calls it global whatever it carries.
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


class FetchError(ImportRefused):
    """The document could not be fetched; ``message`` says why, for the member."""


@dataclass(frozen=True)
class Fetched:
    """A fetched document: the URL asked for, the body, its type and where it came from."""

    url: str
    content: bytes
    content_type: str
    final_url: str


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for a host name (tests replace this)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(
            _("Could not find the host “%(host)s” (offline, or a typo in the address?).")
            % {"host": host}
        ) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """True for an address anyone on the internet could reach.

    ``is_global`` alone is not enough: it calls multicast and IPv6 wrappers around private
    IPv4 addresses global.
    """
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None and not is_public_address(inner):
            return False
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, as a browser or libc would read it.

    ``inet_aton`` reads the old forms too (``2130706433``, ``0x7f.1``, ``0177.0.0.1``,
    ``127.1``), which the system resolver would quietly turn into 127.0.0.1.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def checked_address(url: httpx.URL, *, resolver: Resolver | None = None) -> str:
    """The public address to connect to for ``url``; FetchError when there is none."""
    if url.scheme not in ("http", "https"):
        raise FetchError(
            _("Only http and https addresses can be fetched, not “%(scheme)s:”.")
            % {"scheme": url.scheme or "?"}
        )
    host = url.raw_host.decode("ascii").rstrip(".").lower()
    if not host:
        raise FetchError(_("“%(url)s” has no host name.") % {"url": str(url)})
    if host == "localhost" or host.endswith(".localhost"):
        raise FetchError(
            _("“%(host)s” is this server itself; only public addresses can be fetched.")
            % {"host": host}
        )
    literal = _literal_address(host)
    if literal is not None:
        candidates = [literal]
    else:
        port = url.port or (443 if url.scheme == "https" else 80)
        names = (resolver or resolve_host)(host, port)
        candidates = [ipaddress.ip_address(name.split("%")[0]) for name in names]
        if not candidates:
            raise FetchError(_("Could not find the host “%(host)s”.") % {"host": host})
    # Every address must be public: a name with one public and one private record would
    # otherwise pass the check and still lead somewhere private.
    for address in candidates:
        if not is_public_address(address):
            raise FetchError(
                _(
                    "“%(host)s” is a private or local address (%(address)s); "
                    "only public addresses can be fetched."
                )
                % {"host": host, "address": str(address)}
            )
    return str(candidates[0])


def _host_header(url: httpx.URL) -> str:
    host = url.raw_host.decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{url.port}" if url.port is not None else host


def fetch(
    url: str,
    *,
    max_bytes: int = MAX_IMPORT_BYTES,
    timeout: float = 10.0,
    client: httpx.Client | None = None,
    resolver: Resolver | None = None,
) -> Fetched:
    """GET a public http(s) URL, following up to five redirects, and return its body.

    Raises FetchError with a message for the member: a refused address, no answer, an
    HTTP error, too many redirects, a body over ``max_bytes``.
    """
    if not settings.IMPORT_FETCH:
        raise FetchError(
            _("This server does not fetch from the web; paste the document or type it in.")
        )
    try:
        current = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError):
        raise FetchError(_("“%(url)s” is not a web address.") % {"url": url}) from None
    own_client = client is None
    if client is None:
        # No proxies from the environment: a proxy resolves names itself, after our check.
        client = httpx.Client(transport=TRANSPORT, trust_env=False, follow_redirects=False)
    deadline = time.monotonic() + timeout * 3
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            address = checked_address(current, resolver=resolver)
            response_or_next = _get_one(
                client, current, address, max_bytes=max_bytes, timeout=timeout, deadline=deadline
            )
            if isinstance(response_or_next, Fetched):
                return dataclasses.replace(response_or_next, url=url)
            current = response_or_next
        raise FetchError(
            _("%(url)s redirects more than %(count)d times; giving up.")
            % {"url": url, "count": MAX_REDIRECTS}
        )
    finally:
        if own_client:
            client.close()


def _get_one(
    client: httpx.Client,
    url: httpx.URL,
    address: str,
    *,
    max_bytes: int,
    timeout: float,
    deadline: float,
) -> Fetched | httpx.URL:
    """One request to the checked ``address``: the document, or the URL it redirects to."""
    host = url.raw_host.decode("ascii")
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    headers = {"Host": _host_header(url), "User-Agent": USER_AGENT}
    try:
        with client.stream(
            "GET",
            url.copy_with(host=address),
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
            extensions=extensions,
        ) as response:
            location = response.headers.get("location")
            if response.is_redirect and location:
                try:
                    return url.join(location)
                except httpx.InvalidURL:
                    raise FetchError(
                        _("%(host)s redirects to a broken address.") % {"host": host}
                    ) from None
            if response.status_code >= 400:
                raise FetchError(
                    _("%(host)s answered HTTP %(status)d (%(reason)s).")
                    % {
                        "host": host,
                        "status": response.status_code,
                        "reason": response.reason_phrase,
                    }
                )
            content = _read_limited(response, host, max_bytes=max_bytes, deadline=deadline)
            return Fetched(
                url=str(url),
                content=content,
                content_type=response.headers.get("content-type", ""),
                final_url=str(url),
            )
    except httpx.TimeoutException:
        raise FetchError(
            _("Could not reach %(host)s: timed out after %(seconds)g s (offline?).")
            % {"host": host, "seconds": timeout}
        ) from None
    except httpx.TransportError as error:
        raise FetchError(_transport_message(error, host)) from None


def _transport_message(error: httpx.TransportError, host: str) -> str:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return _("Could not reach %(host)s securely: its certificate did not check out.") % {
                "host": host
            }
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpx.ConnectError):
        reason = _("the connection failed")
    elif isinstance(error, httpx.RemoteProtocolError):
        reason = _("the server broke off the answer")
    else:
        reason = error.__class__.__name__
    return _("Could not reach %(host)s: %(error)s (offline?).") % {"host": host, "error": reason}


def _read_limited(response: httpx.Response, host: str, *, max_bytes: int, deadline: float) -> bytes:
    """The body, stopped as soon as it passes ``max_bytes`` or the overall deadline."""
    too_big = FetchError(
        _("The document from %(host)s is larger than the %(limit)s KB limit.")
        % {"host": host, "limit": f"{max_bytes // 1024:,}"}
    )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_big
        # Per-read timeouts do not stop a server that drips a byte at a time.
        if time.monotonic() > deadline:
            raise FetchError(_("%(host)s is sending too slowly; gave up waiting.") % {"host": host})
        chunks.append(chunk)
    return b"".join(chunks)
