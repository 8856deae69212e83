# gilcheck-scope: concurrent
"""A Django URL conf (the views are in web_django_views.py): each view it names runs in the
request threads, one per request."""
from django.urls import include, path, re_path

import web_django_views as views
from web_django_views import lookup

urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^lookup/(?P<key>\w+)/$", lookup),
    path("stream/", views.stream),
    path("report/", views.ReportView.as_view()),
    path("report/print/", views.ReportView.as_view(template_name="print.html")),
    path("api/", include("web_django_api")),
]
