"""Fetching import URLs: only public http(s), every redirect re-checked, size and time limits.

Nothing here touches DNS or the network: names go through a fake resolver and requests
through ``httpx.MockTransport``.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Callable, Iterator

import httpx
import pytest

from reviews.importers import fetch as fetch_module
from reviews.importers.fetch import Fetched, FetchError, fetch, is_public_address

PUBLIC_IP = "93.184.216.34"
PUBLIC_IPV6 = "2606:2800:220:1:248:1893:25c8:1946"

DNS = {
    "example.org": [PUBLIC_IP],
    "v6.example.org": [PUBLIC_IPV6],
    "intranet.example.org": ["10.1.2.3"],
    "metadata.example.org": ["169.254.169.254"],
    "mixed.example.org": [PUBLIC_IP, "127.0.0.1"],
    "mapped.example.org": ["::ffff:192.168.0.1"],
}


def fake_resolver(host: str, port: int) -> list[str]:
    try:
        return DNS[host]
    except KeyError:
        raise FetchError(f"Could not find the host “{host}”.") from None


def no_resolver(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} must be refused without a DNS lookup")


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request may be sent, got {request.url}")


REFUSED_LITERALS = [
    # IPv4: loopback, private, link-local (cloud metadata), shared, multicast, reserved...
    "http://127.0.0.1/",
    "http://127.8.9.10:8000/admin/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://0.0.0.0/",
    "https://0.0.0.0:443/",
    "http://192.0.2.1/",
    # IPv6: loopback, unspecified, link-local, unique-local, multicast, documentation...
    "http://[::1]/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[ff02::1]/",
    "http://[2001:db8::1]/",
    # ...and IPv6 wrappers around private IPv4: mapped, 6to4, NAT64.
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:c0a8:101::1]/",
    "http://[64:ff9b::7f00:1]/",
    # Old numeric spellings that resolvers quietly read as 127.0.0.1 / 10.0.0.1.
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7f.1/",
    "http://017700000001/",
    "http://127.1/",
    "http://167772161/",
    # The server's own names.
    "http://localhost/",
    "http://LOCALHOST./",
    "http://localhost:8000/admin/",
    "http://api.localhost/",
]


@pytest.mark.parametrize("url", REFUSED_LITERALS)
def test_fetch_refuses_non_public_address(url: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(url, client=client_for(never_called), resolver=no_resolver)
    assert "only public addresses can be fetched" in caught.value.message


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/list.txt",
        "gopher://example.org/",
        "javascript:alert(1)",
        "data:text/plain,hello",
        "/relative/path",
    ],
)
def test_fetch_refuses_other_schemes(url: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(url, client=client_for(never_called), resolver=no_resolver)
    assert "Only http and https" in caught.value.message


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://intranet.example.org/", "10.1.2.3"),
        ("http://metadata.example.org/latest/", "169.254.169.254"),
        ("https://mixed.example.org/", "127.0.0.1"),
        ("http://mapped.example.org/", "::ffff:192.168.0.1"),
    ],
)
def test_fetch_refuses_name_that_resolves_to_private_address(url: str, address: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(url, client=client_for(never_called), resolver=fake_resolver)
    assert f"({ipaddress.ip_address(address)})" in caught.value.message
    assert "only public addresses" in caught.value.message


def test_fetch_refuses_octal_dotted_quad_that_httpx_cannot_parse() -> None:
    # httpx refuses the URL outright; it never gets as far as a lookup or a request.
    with pytest.raises(FetchError, match="not a web address"):
        fetch("http://0177.0.0.1/", client=client_for(never_called), resolver=no_resolver)


def test_is_public_address_accepts_ordinary_internet_addresses() -> None:
    for text in (PUBLIC_IP, "8.8.8.8", PUBLIC_IPV6, "2606:4700::1111"):
        assert is_public_address(ipaddress.ip_address(text)), text


def test_fetch_connects_to_checked_address_with_host_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"<feed/>", headers={"Content-Type": "application/xml"})

    got = fetch(
        "http://example.org/feed.xml?x=1", client=client_for(handler), resolver=fake_resolver
    )
    assert got == Fetched(
        url="http://example.org/feed.xml?x=1",
        content=b"<feed/>",
        content_type="application/xml",
        final_url="http://example.org/feed.xml?x=1",
    )
    (request,) = seen
    # The connection goes to the address that was checked, never to the name again.
    assert str(request.url) == f"http://{PUBLIC_IP}/feed.xml?x=1"
    assert request.headers["host"] == "example.org"
    assert "sni_hostname" not in request.extensions


def test_fetch_https_keeps_name_for_tls_and_port_in_host_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"ok")

    fetch("https://v6.example.org:8443/a", client=client_for(handler), resolver=fake_resolver)
    (request,) = seen
    assert str(request.url) == f"https://[{PUBLIC_IPV6}]:8443/a"
    assert request.headers["host"] == "v6.example.org:8443"
    # Certificate and SNI are checked against the name, not the address.
    assert request.extensions["sni_hostname"] == "v6.example.org"


def test_fetch_follows_redirects_rechecking_each_hop() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/new"})
        if request.url.path == "/new":
            return httpx.Response(302, headers={"Location": "https://v6.example.org/final"})
        return httpx.Response(200, content="안녕 $x^2$".encode())

    got = fetch("http://example.org/old", client=client_for(handler), resolver=fake_resolver)
    assert got.final_url == "https://v6.example.org/final"
    assert got.url == "http://example.org/old"
    assert got.content.decode() == "안녕 $x^2$"


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1/admin/",
        "http://[::1]:8000/",
        "http://2130706433/",
        "http://localhost/",
        "http://intranet.example.org/secret",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
    ],
)
def test_fetch_refuses_redirect_to_private_address(location: str) -> None:
    hops: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hops.append(str(request.url))
        assert len(hops) == 1, "the refused hop must not be requested"
        return httpx.Response(302, headers={"Location": location})

    with pytest.raises(FetchError) as caught:
        fetch("http://example.org/go", client=client_for(handler), resolver=fake_resolver)
    assert "only public addresses" in caught.value.message or "Only http" in caught.value.message
    assert hops == [f"http://{PUBLIC_IP}/go"]


def test_fetch_gives_up_after_five_redirects() -> None:
    hops: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hops.append(request.url.path)
        return httpx.Response(302, headers={"Location": f"/hop{len(hops)}"})

    with pytest.raises(FetchError) as caught:
        fetch("http://example.org/start", client=client_for(handler), resolver=fake_resolver)
    assert "redirects more than 5 times" in caught.value.message
    assert len(hops) == 6


def test_fetch_stops_streaming_past_size_limit() -> None:
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        for _ in range(100):
            sent.append(1)
            yield b"x" * 1024

    def handler(request: httpx.Request) -> httpx.Response:
        # No Content-Length: the limit must hold while reading, not only from the header.
        return httpx.Response(200, content=body())

    with pytest.raises(FetchError) as caught:
        fetch(
            "http://example.org/big",
            max_bytes=10 * 1024,
            client=client_for(handler),
            resolver=fake_resolver,
        )
    assert "larger than the 10 KB limit" in caught.value.message
    assert len(sent) <= 12


def test_fetch_refuses_declared_length_over_limit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 2048)

    with pytest.raises(FetchError, match="limit"):
        fetch(
            "http://example.org/big",
            max_bytes=1024,
            client=client_for(handler),
            resolver=fake_resolver,
        )


def test_fetch_accepts_body_exactly_at_limit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 1024)

    got = fetch(
        "http://example.org/ok", max_bytes=1024, client=client_for(handler), resolver=fake_resolver
    )
    assert len(got.content) == 1024


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectTimeout, "Could not reach example.org: timed out after 10 s (offline?)."),
        (httpx.ReadTimeout, "Could not reach example.org: timed out after 10 s (offline?)."),
        (httpx.ConnectError, "Could not reach example.org: the connection failed (offline?)."),
    ],
)
def test_fetch_turns_network_errors_into_messages(
    error: type[httpx.TransportError], expected: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request)

    with pytest.raises(FetchError) as caught:
        fetch("http://example.org/", client=client_for(handler), resolver=fake_resolver)
    assert caught.value.message == expected


def test_fetch_reports_http_error_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    with pytest.raises(FetchError) as caught:
        fetch("http://example.org/gone", client=client_for(handler), resolver=fake_resolver)
    assert caught.value.message == "example.org answered HTTP 404 (Not Found)."


def test_fetch_unknown_host_says_so() -> None:
    with pytest.raises(FetchError, match="Could not find the host"):
        fetch("http://nowhere.invalid/", client=client_for(never_called), resolver=fake_resolver)


def test_resolve_host_failure_suggests_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def offline(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    with pytest.raises(FetchError) as caught:
        fetch_module.resolve_host("export.arxiv.org", 443)
    assert "offline" in caught.value.message


def test_fetch_without_client_uses_module_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"hello", headers={"Content-Type": "text/plain"})

    monkeypatch.setattr(fetch_module, "TRANSPORT", httpx.MockTransport(handler))
    monkeypatch.setattr(fetch_module, "resolve_host", fake_resolver)
    got = fetch("https://example.org/x")
    assert (got.content, got.content_type) == (b"hello", "text/plain")


def test_fetch_certificate_failure_is_not_called_offline() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed: Hostname mismatch")
        except ssl.SSLError as error:
            raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]", request=request) from error

    with pytest.raises(FetchError) as caught:
        fetch("https://example.org/", client=client_for(handler), resolver=fake_resolver)
    assert caught.value.message == (
        "Could not reach example.org securely: its certificate did not check out."
    )
