from django.urls import path

from receiver.views import JsonEchoView, RawEchoView

urlpatterns = [
    path("api/echo/", JsonEchoView.as_view()),
    path("api/raw/", RawEchoView.as_view()),
]
