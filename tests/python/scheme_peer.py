"""Signs and verifies requests with the reference Python packages of the
standard schemes, for the Rust cross-language tests.

Usage (body on standard input, JSON on standard output):

    scheme_peer.py webhooks-sign SECRET MSG_ID TIMESTAMP
    scheme_peer.py webhooks-verify SECRET            (stdin: {"headers", "body"})
    scheme_peer.py httpsig-sign KEY_B64 KEY_ID METHOD URL
    scheme_peer.py httpsig-verify KEY_B64 KEY_ID METHOD URL   (stdin: {"headers", "body"})

Verification prints {"ok": true} or {"ok": false, "error": "..."} and exits
with status 0 or 1. Bodies in JSON are base64.
"""

import base64
import datetime
import json
import sys

import requests
import standardwebhooks
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, MappingKeyResolver, algorithms

COMPONENTS = ("@method", "@authority", "@path", "@query")


def read_message() -> tuple[dict, bytes]:
    message = json.load(sys.stdin)
    return message["headers"], base64.b64decode(message["body"])


def report(ok: bool, error: str = "") -> None:
    json.dump({"ok": ok, "error": error}, sys.stdout)
    sys.exit(0 if ok else 1)


def webhooks_sign(secret: str, msg_id: str, timestamp: str) -> None:
    body = sys.stdin.buffer.read()
    sent_at = datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.timezone.utc)
    signature = standardwebhooks.Webhook(secret).sign(msg_id, sent_at, body)
    headers = {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": signature}
    json.dump(headers, sys.stdout)


def webhooks_verify(secret: str) -> None:
    headers, body = read_message()
    try:
        standardwebhooks.Webhook(secret).verify(body, headers)
    except standardwebhooks.WebhookVerificationError as error:
        report(False, str(error))
    report(True)


def resolver(key_b64: str, key_id: str) -> MappingKeyResolver:
    key = base64.b64decode(key_b64)
    return MappingKeyResolver(public_keys={key_id: key}, private_keys={key_id: key})


def httpsig_sign(key_b64: str, key_id: str, method: str, url: str) -> None:
    body = sys.stdin.buffer.read()
    request = requests.Request(method, url, data=body).prepare()
    signer = HTTPMessageSigner(signature_algorithm=algorithms.HMAC_SHA256, key_resolver=resolver(key_b64, key_id))
    signer.sign(request, key_id=key_id, covered_component_ids=COMPONENTS, body=body if body else None)
    headers = {name: value for name, value in request.headers.items() if name.lower() != "content-length"}
    json.dump(headers, sys.stdout)


def httpsig_verify(key_b64: str, key_id: str, method: str, url: str) -> None:
    headers, body = read_message()
    request = requests.Request(method, url, data=body, headers=headers).prepare()
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.HMAC_SHA256, key_resolver=resolver(key_b64, key_id))
    required = COMPONENTS + (("content-digest",) if body else ())
    try:
        results = verifier.verify(request, require_components=required)
        if body:
            verifier.verify_body(request, results, body)
    except Exception as error:  # noqa: BLE001 - every failure is reported to the caller
        report(False, f"{type(error).__name__}: {error}")
    report(True)


COMMANDS = {
    "webhooks-sign": webhooks_sign,
    "webhooks-verify": webhooks_verify,
    "httpsig-sign": httpsig_sign,
    "httpsig-verify": httpsig_verify,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
