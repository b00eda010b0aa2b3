"""URL routes. Paper ids may contain a slash (``hep-th/9901001``): paper routes use ``path:``."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("paperboy.ops.urls")),
    path("api/", include("paperboy.api.urls")),
    path("", include("paperboy.api.site_urls")),
    path("search", include("paperboy.search.urls")),
    path("accounts/", include("paperboy.accounts.urls")),
    path("comments/", include("paperboy.comments.urls")),
    path("", include("paperboy.accounts.community_urls")),
    path("", include("paperboy.digests.urls")),  # /subscribe and /digests/…
    path("", include("paperboy.papers.urls")),
]

# A database error outside a view (e.g. in a middleware) answers the 503 page, not a 500.
handler500 = "paperboy.ops.middleware.server_error"
