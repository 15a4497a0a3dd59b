"""The example server started with each standard scheme, called by the
reference Python packages over real TCP."""

import base64
import datetime
import os
import secrets

import pytest
import requests
import standardwebhooks
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from conftest import example_binary, start_process

TIMEOUT_SECONDS = 5


def start_server(scheme: str, secret: str):
    env = dict(os.environ)
    env.update(HMAC_SCHEME=scheme, HMAC_SECRET_KEY=secret, LISTEN_ADDR="127.0.0.1:0", RUST_LOG="warn")
    env.pop("HMAC_KEYS", None)
    env.pop("REDIS_URL", None)
    return start_process([str(example_binary("server"))], env)


@pytest.fixture
def webhook_server():
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    process, url = start_server("standard-webhooks", secret)
    yield url, secret
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def rfc9421_server():
    secret = secrets.token_hex(32)
    process, url = start_server("rfc9421", secret)
    yield url, secret
    process.terminate()
    process.wait(timeout=10)


def test_standard_webhooks_sender(webhook_server):
    url, secret = webhook_server
    body = b'{"text":"from standardwebhooks"}'
    msg_id = "msg_" + secrets.token_hex(12)
    now = datetime.datetime.now(tz=datetime.timezone.utc)
    signature = standardwebhooks.Webhook(secret).sign(msg_id, now, body)
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    response = requests.post(f"{url}/v1/infer", data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    assert response.status_code == 200, response.text
    assert response.json()["answer"] == "AI result for: from standardwebhooks"

    replayed = requests.post(f"{url}/v1/infer", data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    assert replayed.status_code == 401
    assert replayed.json() == {"detail": "Request already processed"}


def signed_request(url: str, path: str, secret: str, body: bytes) -> requests.PreparedRequest:
    request = requests.Request(
        "POST", f"{url}{path}", data=body, headers={"Content-Type": "application/json"}
    ).prepare()
    # The example server's key id is "default" for HMAC_SECRET_KEY.
    key = secret.encode()
    resolver = MappingKeyResolver(public_keys={"default": key}, private_keys={"default": key})
    signer = HTTPMessageSigner(signature_algorithm=algorithms.HMAC_SHA256, key_resolver=resolver)
    signer.sign(
        request,
        key_id="default",
        covered_component_ids=("@method", "@authority", "@path", "@query"),
        body=body,
    )
    return request


def test_http_message_signatures_sender(rfc9421_server):
    url, secret = rfc9421_server
    body = b'{"text":"from http-message-signatures"}'
    with requests.Session() as session:
        response = session.send(signed_request(url, "/v1/infer", secret, body), timeout=TIMEOUT_SECONDS)
        assert response.status_code == 200, response.text
        assert response.json()["answer"] == "AI result for: from http-message-signatures"

        # Signed for one path, sent to another: the signature covers @path.
        moved = signed_request(url, "/v1/status", secret, body)
        moved.url = f"{url}/v1/infer"
        response = session.send(moved, timeout=TIMEOUT_SECONDS)
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid HMAC signature"}
