"""A client that trickles its request headers is cut off by the example
server's header read timeout instead of holding the connection open."""

import os
import secrets
import socket
import time

from conftest import example_binary, start_process

HEADER_TIMEOUT_SECONDS = 1
# The client would need this long to finish its headers at one byte per step.
TRICKLE_STEPS = 40
TRICKLE_INTERVAL_SECONDS = 0.25


def test_trickled_headers_are_cut_off():
    env = dict(os.environ)
    env.update(
        HMAC_SECRET_KEY=secrets.token_hex(32),
        LISTEN_ADDR="127.0.0.1:0",
        HEADER_READ_TIMEOUT_SECS=str(HEADER_TIMEOUT_SECONDS),
        RUST_LOG="warn",
    )
    env.pop("REDIS_URL", None)
    process, url = start_process([str(example_binary("server"))], env)
    try:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(b"POST /v1/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            closed_after_steps = None
            for step in range(TRICKLE_STEPS):
                time.sleep(TRICKLE_INTERVAL_SECONDS)
                try:
                    connection.sendall(b"X")
                except (BrokenPipeError, ConnectionResetError):
                    closed_after_steps = step
                    break
                connection.setblocking(False)
                try:
                    data = connection.recv(4096)
                except BlockingIOError:
                    data = None
                except ConnectionResetError:
                    data = b""
                connection.setblocking(True)
                if data is not None:
                    # Either a 408 response or a closed connection ends it.
                    assert data == b"" or data.startswith(b"HTTP/1.1 408"), data
                    closed_after_steps = step
                    break
            assert closed_after_steps is not None, "the server kept the connection open"
            assert closed_after_steps < TRICKLE_STEPS - 1

        # A normal request on a new connection is still served.
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert connection.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        process.terminate()
        process.wait(timeout=10)
