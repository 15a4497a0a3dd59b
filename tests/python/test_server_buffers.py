"""The example server caps each connection's read buffer at 64 KiB. A
request head far over that gets 431, where hyper's default 400 KiB buffer
would accept it, and a body far larger than the buffer still arrives whole."""

import socket

from hmac_sender import post_with_hmac

# The example server's read buffer cap, in bytes (MAX_READ_BUFFER).
READ_BUFFER_BYTES = 64 * 1024


def send_head(url: str, header_bytes: int) -> bytes:
    """Sends a GET /healthz whose one extra header has `header_bytes` bytes of
    value, and returns the start of the response."""
    host, port = url.removeprefix("http://").split(":")
    head = (
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + b"X-Padding: " + b"p" * header_bytes + b"\r\n"
        + b"Connection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(head)
        return connection.recv(4096)


def test_head_over_read_buffer_gets_431(example_server):
    # hyper checks the head size between reads, so a head just over the cap
    # may still pass. 200 KiB is over it by far and under hyper's default.
    response = send_head(example_server, 200 * 1024)
    assert response.startswith(b"HTTP/1.1 431"), response[:80]


def test_head_under_read_buffer_is_served(example_server):
    response = send_head(example_server, READ_BUFFER_BYTES - 4096)
    assert response.startswith(b"HTTP/1.1 200"), response[:80]


def test_body_larger_than_buffer_arrives_whole(example_server, server_secret):
    # About 1.5 MiB of JSON, under the 2 MiB body limit. The server reads it
    # through the 64 KiB buffer in many pieces and must still verify it.
    text = "가나다라" * (128 * 1024)
    response = post_with_hmac(f"{example_server}/v1/infer", server_secret, {"text": text}, ensure_ascii=False)
    assert response.status_code == 200, response.text[:200]
    assert response.json()["answer"] == f"AI result for: {text}"
