"""A sender of the default scheme, written the way a Django service signs.

It uses only the standard library and `requests`: the body is serialized
once with `json.dumps(payload, sort_keys=True, separators=(",", ":"))`, the
timestamp is `str(int(time.time()))`, and the signature is the hex
HMAC-SHA256 of `<timestamp>.<body>` keyed with the UTF-8 secret.
"""

import hashlib
import hmac
import json
import time

import requests

TIMEOUT_SECONDS = 5


def sign(secret: str, body: bytes, timestamp: str | None = None) -> dict[str, str]:
    """Return the X-HMAC-* headers for `body`."""
    timestamp = timestamp or str(int(time.time()))
    message = timestamp.encode() + b"." + body
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return {"X-HMAC-Timestamp": timestamp, "X-HMAC-Signature": signature}


def serialize(payload, ensure_ascii: bool = True) -> bytes:
    """Serialize `payload` the way the Django side does before signing."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=ensure_ascii)
    return text.encode("utf-8")


def post_with_hmac(url: str, secret: str, payload, ensure_ascii: bool = True) -> requests.Response:
    """POST `payload` as JSON, signed over exactly the bytes sent."""
    body = serialize(payload, ensure_ascii)
    headers = {"Content-Type": "application/json", **sign(secret, body)}
    return requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
