"""The `tower-hmac` command-line tool against the Rust example server."""

import os
import subprocess

import pytest
import requests

from conftest import TARGET_DIR

TIMEOUT_SECONDS = 10


def tower_hmac(*args, secret):
    path = TARGET_DIR / "debug" / "tower-hmac"
    if not path.exists():
        pytest.fail(f"{path} is missing; build it with `cargo build --all-features --bins`")
    env = dict(os.environ, TOWER_HMAC_TEST_SECRET=secret)
    return subprocess.run(
        [str(path), *args], env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=True
    ).stdout


def signed_headers(output):
    """Parse `name: value` lines printed by `tower-hmac sign`."""
    return dict(line.split(": ", 1) for line in output.splitlines())


def test_cli_curl_command_is_accepted(example_server, server_secret):
    command = tower_hmac(
        "sign", "--secret-env", "TOWER_HMAC_TEST_SECRET",
        "--data", '{"text":"from the cli"}',
        "--curl", f"{example_server}/v1/infer",
        secret=server_secret,
    )
    result = subprocess.run(
        ["sh", "-c", command.strip() + " --silent --show-error --fail-with-body"],
        capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"AI result for: from the cli"' in result.stdout


def test_cli_headers_are_accepted(example_server, server_secret):
    body = '{"text":"안녕"}'.encode()
    output = tower_hmac(
        "sign", "--secret-env", "TOWER_HMAC_TEST_SECRET", "--data", body.decode(), secret=server_secret
    )
    headers = {"Content-Type": "application/json", **signed_headers(output)}
    response = requests.post(
        f"{example_server}/v1/infer", data=body, headers=headers, timeout=TIMEOUT_SECONDS
    )
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "AI result for: 안녕"


def test_cli_headers_for_other_body_are_rejected(example_server, server_secret):
    output = tower_hmac(
        "sign", "--secret-env", "TOWER_HMAC_TEST_SECRET", "--data", '{"text":"signed"}', secret=server_secret
    )
    headers = {"Content-Type": "application/json", **signed_headers(output)}
    response = requests.post(
        f"{example_server}/v1/infer", data=b'{"text":"sent"}', headers=headers, timeout=TIMEOUT_SECONDS
    )
    assert response.status_code == 401, response.text
