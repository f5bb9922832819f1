"""Hostile requests on the wire: raw bytes to a real `rag serve` on 127.0.0.1.

An HTTP client library tidies a URL before sending it (it resolves `../`,
encodes bytes, refuses a NUL), so these requests are written byte for byte on
a socket, as an attacker would. The server must answer each with a 4xx (a 404
JSON for an unknown document, or the HTTP layer's 400 for a request line it
cannot parse), never a file from disk, never a 5xx, and never hang.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

SOCKET_TIMEOUT = 30.0

TRAVERSALS = [
    b"/documents/../../../../etc/passwd",
    b"/documents/..%2f..%2f..%2fetc%2fpasswd",
    b"/documents/..%2F..%2F..%2Fetc%2Fpasswd",
    b"/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    b"/documents/%252e%252e%252fetc%252fpasswd",
    b"/documents/..%252f..%252fetc%252fpasswd",
    b"/documents/..\\..\\..\\windows\\win.ini",
    b"/documents/..%5c..%5cwindows%5cwin.ini",
    b"/documents/putin-beijing%00.txt",
    b"/documents/%00",
    b"/documents/putin-beijing\x00",
    b"/documents/%c0%ae%c0%ae%2fetc%2fpasswd",
    b"/documents/....//....//etc/passwd",
    b"/documents/%2fetc%2fpasswd",
    b"/documents//etc/passwd",
    b"/documents/%2E%2E%2F",
    b"/documents/x%2F",
    b"/../../../../etc/passwd",
    b"/%2e%2e/%2e%2e/etc/passwd",
    b"/documents/\xff\xfe",
    b"/ask?q=%ff%fe%00&top_k=%ff",
    b"/ask?q=\xff\xfe\x80",
]


def raw_request(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `request` as is; read the answer until the server closes the connection."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def raw_get(base_url: str, target: bytes) -> tuple[int, dict[str, str], bytes]:
    host = urlsplit(base_url).netloc.encode()
    return raw_request(
        base_url,
        b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n",
    )


def healthy(base_url: str) -> bool:
    with urllib.request.urlopen(f"{base_url}/health", timeout=SOCKET_TIMEOUT) as response:
        return response.status == 200


@pytest.mark.parametrize("target", TRAVERSALS, ids=lambda t: t.decode("latin-1"))
def test_traversal_on_the_wire_is_refused(live_server: str, target: bytes) -> None:
    status, headers, body = raw_get(live_server, target)
    assert status in (400, 404, 422), (status, body[:300])
    assert b"root:" not in body and b"[fonts]" not in body
    if status != 400:  # 400 is the HTTP parser refusing the request line itself
        assert headers["content-type"].startswith("application/json")
        assert json.loads(body)["detail"]


def test_the_server_is_healthy_after_the_hostile_requests(live_server: str) -> None:
    for target in TRAVERSALS:
        raw_get(live_server, target)
    assert healthy(live_server)


def post(base_url: str, headers: bytes, body: bytes) -> tuple[int, dict[str, str], bytes]:
    host = urlsplit(base_url).netloc.encode()
    request = (
        b"POST /ask HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\n" + headers + b"\r\n" + body
    )
    return raw_request(base_url, request)


def chunked(body: bytes, size: int = 1000) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def test_a_chunked_body_over_the_limit_is_413(live_server: str) -> None:
    body = b'{"question": "' + b"x" * 40_000 + b'"}'
    status, _, answer = post(live_server, b"Transfer-Encoding: chunked\r\n", chunked(body))
    assert status == 413
    assert "bytes" in json.loads(answer)["detail"]


def test_a_huge_declared_length_is_413_before_any_body_is_sent(live_server: str) -> None:
    # Nothing follows the headers: a server that waited for the body would hang here.
    status, _, answer = post(live_server, b"Content-Length: 1000000000000\r\n", b"")
    assert status == 413
    assert "bytes" in json.loads(answer)["detail"]


def test_a_body_that_is_not_utf8_is_422_on_the_wire(live_server: str) -> None:
    body = b'{"question": "\xff\xfe\xc0\xaf why?"}'
    status, _, answer = post(live_server, b"Content-Length: %d\r\n" % len(body), body)
    assert status == 422
    assert "UTF-8" in json.loads(answer)["detail"]


SLOW_CLIENTS = 200


def test_slow_clients_do_not_hold_up_other_clients(live_server: str) -> None:
    # Slowloris: connections that send half a header, or half a body, and stall.
    parts = urlsplit(live_server)
    host = parts.netloc.encode()
    stalled: list[socket.socket] = []
    try:
        for i in range(SLOW_CLIENTS):
            sock = socket.create_connection((parts.hostname, parts.port), timeout=SOCKET_TIMEOUT)
            if i % 2:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: " + host + b"\r\nX-Slow: ")
            else:
                sock.sendall(
                    b"POST /ask HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: application/json"
                    b"\r\nContent-Length: 40\r\n\r\n" + b'{"question": "wh'
                )
            stalled.append(sock)
        assert healthy(live_server)
        body = b'{"question": "Who is Xi?"}'
        status, _, _ = post(live_server, b"Content-Length: %d\r\n" % len(body), body)
        assert status == 200
        # A slow client that does finish is answered like any other.
        stalled[1].sendall(b"1\r\nConnection: close\r\n\r\n")
        assert stalled[1].recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        for sock in stalled:
            sock.close()
