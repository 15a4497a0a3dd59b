"""HMAC authentication for Django REST framework, default scheme.

X-HMAC-Timestamp is unix seconds and X-HMAC-Signature is the lowercase hex
HMAC-SHA256 of b"<timestamp>." + raw body, keyed with the UTF-8 secret.
"""

import hashlib
import hmac
import time

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed


class ServiceCaller:
    """The user that an authenticated service request runs as."""

    is_authenticated = True
    is_anonymous = False


class HmacAuthentication(BaseAuthentication):
    """Authenticate a request by the HMAC signature over its raw body."""

    def authenticate(self, request):
        timestamp = request.headers.get("X-HMAC-Timestamp")
        signature = request.headers.get("X-HMAC-Signature")
        if not timestamp or not signature:
            raise AuthenticationFailed("Missing HMAC headers")

        try:
            sent_at = int(timestamp)
        except ValueError:
            raise AuthenticationFailed("Invalid timestamp")
        if abs(time.time() - sent_at) > settings.HMAC_WINDOW_SECONDS:
            raise AuthenticationFailed("Request timestamp outside the allowed window")

        message = timestamp.encode() + b"." + request.body
        expected = hmac.new(settings.HMAC_SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise AuthenticationFailed("Invalid HMAC signature")
        return (ServiceCaller(), None)

    def authenticate_header(self, request):
        # With a value here DRF returns 401 instead of 403.
        return 'HMAC realm="api"'
