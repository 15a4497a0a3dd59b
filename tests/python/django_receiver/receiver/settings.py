"""Settings of the test receiver: the smallest Django project that runs a
Django REST framework view behind HMAC authentication."""

import os

# Django's own signing key, unrelated to the HMAC secret; this project only
# runs in tests on 127.0.0.1.
SECRET_KEY = "tower-hmac-test-receiver-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "receiver.urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
]
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True

HMAC_SECRET_KEY = os.environ["HMAC_SECRET_KEY"]
HMAC_WINDOW_SECONDS = 60

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["receiver.authentication.HmacAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": None,
}
