"""Views that echo what they received, so a test can compare bytes."""

import json

from rest_framework.response import Response
from rest_framework.views import APIView


class JsonEchoView(APIView):
    """Return the raw body, the parsed payload and Python's canonical dump of it."""

    def post(self, request):
        return Response(
            {
                "body_hex": request.body.hex(),
                "data": request.data,
                "dumped": json.dumps(request.data, sort_keys=True, separators=(",", ":")),
            }
        )


class RawEchoView(APIView):
    """Return the raw body of any request without parsing it."""

    def post(self, request):
        return Response({"body_hex": request.body.hex()})

    def put(self, request):
        return self.post(request)
