"""Forms of the digest pages: subscribe, manage preferences, unsubscribe, staff preview."""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache
from typing import Any

from django import forms

from paperboy.digests.models import Subscription, validate_timezone

Kind = Subscription.Kind
HOUR_CHOICES = [(h, f"{h:02d}:00") for h in range(24)]
_CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?$")
MAX_FOLLOWS = 10


@lru_cache(maxsize=1)
def timezone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def _categories(raw: str) -> list[str]:
    return [c for c in re.split(r"[\s,]+", raw.strip()) if c]


class SubscribeForm(forms.Form):
    """What to receive, where and when. ``streams()`` gives ``[(kind, params), …]``."""

    email = forms.EmailField(max_length=254)
    daily = forms.BooleanField(required=False, initial=True, label="Daily digest (top papers of each day)")
    weekly = forms.BooleanField(required=False, label="Weekly digest (top papers of the week)")
    search_query = forms.CharField(required=False, max_length=200, label="Saved-search alert: query")
    search_category = forms.CharField(required=False, max_length=32, label="…only in category (optional)")
    authors = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Follow authors (one per line)"
    )
    categories = forms.CharField(
        required=False, max_length=300, label="Follow categories (e.g. cs.CL, cs.LG)"
    )
    timezone = forms.CharField(max_length=64, initial="UTC", validators=[validate_timezone])
    send_hour = forms.TypedChoiceField(choices=HOUR_CHOICES, coerce=int, initial=8, label="Send hour (local)")

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_search_category(self) -> str:
        value = self.cleaned_data["search_category"].strip()
        if value and not _CATEGORY.match(value):
            raise forms.ValidationError("Use an arXiv category such as cs.CL.")
        return value

    def clean_authors(self) -> list[str]:
        names = [" ".join(line.split()) for line in self.cleaned_data["authors"].splitlines()]
        names = [n for n in names if n]
        if len(names) > MAX_FOLLOWS:
            raise forms.ValidationError(f"At most {MAX_FOLLOWS} authors.")
        if any(len(n) > 200 for n in names):
            raise forms.ValidationError("An author name is too long.")
        return names

    def clean_categories(self) -> list[str]:
        cats = _categories(self.cleaned_data["categories"])
        if len(cats) > MAX_FOLLOWS:
            raise forms.ValidationError(f"At most {MAX_FOLLOWS} categories.")
        bad = [c for c in cats if not _CATEGORY.match(c)]
        if bad:
            raise forms.ValidationError(f"Not an arXiv category: {', '.join(bad)}")
        return cats

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.streams():
            raise forms.ValidationError("Choose at least one thing to receive.")
        return data

    def streams(self) -> list[tuple[str, dict[str, str]]]:
        data = self.cleaned_data
        out: list[tuple[str, dict[str, str]]] = []
        if data.get("daily"):
            out.append((Kind.DAILY, {}))
        if data.get("weekly"):
            out.append((Kind.WEEKLY, {}))
        if data.get("search_query", "").strip():
            params = {"query": data["search_query"].strip()}
            if data.get("search_category"):
                params["category"] = data["search_category"]
            out.append((Kind.SEARCH, params))
        out.extend((Kind.AUTHOR, {"author": name}) for name in data.get("authors") or [])
        out.extend((Kind.CATEGORY, {"category": cat}) for cat in data.get("categories") or [])
        return out


class ManageForm(forms.Form):
    """Time zone, send hour, and one ``active_<id>`` checkbox per stream."""

    timezone = forms.CharField(max_length=64, validators=[validate_timezone])
    send_hour = forms.TypedChoiceField(choices=HOUR_CHOICES, coerce=int)

    def __init__(self, *args: Any, subscriptions: list[Subscription], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subscriptions = subscriptions
        for sub in subscriptions:
            self.fields[f"active_{sub.pk}"] = forms.BooleanField(
                required=False, label=sub.label, initial=sub.active
            )


class UnsubscribeForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[("all", "every e-mail"), ("stream", "this digest only")], initial="all"
    )


class PreviewForm(forms.Form):
    email = forms.EmailField(label="Subscriber e-mail")
    subscription = forms.IntegerField(
        required=False, help_text="Stream id (empty: the first of the subscriber)"
    )
    day = forms.DateField(label="Edition day (YYYY-MM-DD)")
