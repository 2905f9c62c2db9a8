"""A URLconf with a view that fails, to see the 500 page as a user would."""

from django.urls import include, path


def boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("boom/", boom), path("", include("sms.urls"))]
