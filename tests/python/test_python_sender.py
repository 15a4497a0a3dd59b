"""A Python sender signing like a Django service calls the Rust example server."""

import json
import time

import requests

from hmac_sender import TIMEOUT_SECONDS, post_with_hmac, serialize, sign


def test_ascii_payload_is_accepted(example_server, server_secret):
    response = post_with_hmac(f"{example_server}/v1/infer", server_secret, {"text": "hello"})
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "AI result for: hello"


def test_korean_escaped_is_accepted(example_server, server_secret):
    body = serialize({"text": "안녕하세요"})
    assert b"\\uc548" in body  # json.dumps escapes non-ASCII by default
    response = post_with_hmac(f"{example_server}/v1/infer", server_secret, {"text": "안녕하세요"})
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "AI result for: 안녕하세요"


def test_korean_raw_utf8_is_accepted(example_server, server_secret):
    payload = {"text": "추론 요청", "lang": "ko"}
    response = post_with_hmac(f"{example_server}/v1/infer", server_secret, payload, ensure_ascii=False)
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "AI result for: 추론 요청"


def test_reserialized_body_is_rejected(example_server, server_secret):
    signed_body = serialize({"text": "hello", "n": 1})
    headers = {"Content-Type": "application/json", **sign(server_secret, signed_body)}
    # A second serialization with default separators sends different bytes.
    sent_body = json.dumps(json.loads(signed_body)).encode()
    assert sent_body != signed_body
    response = requests.post(
        f"{example_server}/v1/infer", data=sent_body, headers=headers, timeout=TIMEOUT_SECONDS
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid HMAC signature"}
    assert response.headers["Content-Type"] == "application/json"


def test_wrong_secret_is_rejected(example_server):
    response = post_with_hmac(f"{example_server}/v1/infer", "not-the-server-secret", {"text": "x"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid HMAC signature"}


def test_stale_timestamp_is_rejected(example_server, server_secret):
    body = serialize({"text": "late"})
    stale = str(int(time.time()) - 300)
    headers = {"Content-Type": "application/json", **sign(server_secret, body, stale)}
    response = requests.post(f"{example_server}/v1/infer", data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    assert response.status_code == 401
    assert response.json() == {"detail": "Request timestamp too old"}


def test_missing_headers_are_rejected(example_server):
    response = requests.post(f"{example_server}/v1/infer", json={"text": "x"}, timeout=TIMEOUT_SECONDS)
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing HMAC headers"}
    assert "WWW-Authenticate" in response.headers


def test_health_check_is_open(example_server):
    response = requests.get(f"{example_server}/healthz", timeout=TIMEOUT_SECONDS)
    assert response.status_code == 200
