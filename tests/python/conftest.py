"""Fixtures that start the Rust example server for the cross-language tests.

scripts/test.sh builds the examples before running pytest. The server binary
is looked up in CARGO_TARGET_DIR (default: target/ in the repository).
"""

import os
import pathlib
import secrets
import subprocess
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
TARGET_DIR = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
STARTUP_TIMEOUT_SECONDS = 30


def example_binary(name: str) -> pathlib.Path:
    path = TARGET_DIR / "debug" / "examples" / name
    if not path.exists():
        pytest.fail(f"{path} is missing; build it with `cargo build --all-features --examples`")
    return path


def start_process(command, env) -> tuple[subprocess.Popen, str]:
    """Start a server that prints `listening on http://ADDR` and return its base URL."""
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("listening on "):
            return process, line.split("listening on ", 1)[1].strip()
    process.kill()
    pytest.fail(f"{command[0]} did not report its address within {STARTUP_TIMEOUT_SECONDS} s")


@pytest.fixture(scope="session")
def server_secret() -> str:
    return secrets.token_hex(32)


@pytest.fixture(scope="session")
def example_server(server_secret):
    """The example server on an ephemeral 127.0.0.1 port; yields its base URL."""
    env = dict(os.environ)
    env.update(
        HMAC_SECRET_KEY=server_secret,
        LISTEN_ADDR="127.0.0.1:0",
        RUST_LOG="warn",
    )
    env.pop("REDIS_URL", None)
    process, url = start_process([str(example_binary("server"))], env)
    yield url
    process.terminate()
    process.wait(timeout=10)
