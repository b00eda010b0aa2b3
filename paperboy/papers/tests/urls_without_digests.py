"""URLconf for tests: the site's routes without the digests app (the search page then shows no teaser)."""

from __future__ import annotations

from paperboy.urls import urlpatterns as site_patterns

urlpatterns = [p for p in site_patterns if "digests" not in str(getattr(p, "urlconf_name", ""))]
