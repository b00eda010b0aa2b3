"""The search form: the query, mode, filters, sort and page, all optional and validated."""

from __future__ import annotations

from typing import Any

from django import forms

from paperboy.search.services import MAX_QUERY_CHARS, SearchFilters

MODE_CHOICES = [("hybrid", "Hybrid (words + meaning)"), ("keyword", "Keyword"), ("semantic", "Meaning")]
SORT_CHOICES = [("relevance", "Relevance"), ("date", "Newest"), ("upvotes", "Most upvoted")]
HAS_CODE_CHOICES = [("", "Any"), ("yes", "With code"), ("no", "Without code")]


class QueryField(forms.CharField):
    """Any text; longer than 2,000 characters is trimmed (the view says so), never an error."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return text.replace("\x00", " ")


class DateFilterField(forms.DateField):
    """A YYYY-MM-DD date between 1900 and 2199 (a date picker in browsers)."""

    widget = forms.DateInput(attrs={"type": "date", "min": "1900-01-01", "max": "2199-12-31"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not 1900 <= value.year <= 2199:
            raise forms.ValidationError("Give a date between 1900 and 2199.")


class SearchForm(forms.Form):
    q = QueryField(required=False, strip=True, label="Search")
    mode = forms.ChoiceField(choices=MODE_CHOICES, required=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)
    published_from = DateFilterField(required=False, label="Published from")
    published_to = DateFilterField(required=False, label="Published to")
    featured_from = DateFilterField(required=False, label="Featured from")
    featured_to = DateFilterField(required=False, label="Featured to")
    category = forms.CharField(
        required=False, max_length=200, help_text="e.g. cs.CL (several: comma-separated)"
    )
    has_code = forms.ChoiceField(choices=HAS_CODE_CHOICES, required=False)
    min_upvotes = forms.IntegerField(required=False, min_value=0, max_value=10**9)
    page = forms.IntegerField(required=False, min_value=1, max_value=500)

    @property
    def trimmed(self) -> bool:
        return len(self.data.get("q", "") or "") > MAX_QUERY_CHARS

    def value(self, name: str, default: Any = None) -> Any:
        """A cleaned value; an invalid field counts as not given (the search still runs)."""
        if not self.is_bound:
            return default
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def ignored_notes(self) -> list[str]:
        """One line per invalid field, e.g. "Ignored “Published from”: Enter a valid date." (the search
        runs without that field)."""
        if not self.is_bound:
            return []
        self.is_valid()
        notes = []
        for name, errors in self.errors.items():
            if name == "page":
                continue
            label = self.fields[name].label or name.replace("_", " ").capitalize()
            notes.append(f"Ignored “{label}”: {' '.join(str(e) for e in errors)}")
        return notes

    def search_filters(self) -> SearchFilters:
        has_code = {"yes": True, "no": False}.get(self.value("has_code", ""))
        cats = [c.strip() for c in str(self.value("category", "")).replace(" ", ",").split(",") if c.strip()]
        return SearchFilters(
            published_from=self.value("published_from"),
            published_to=self.value("published_to"),
            featured_from=self.value("featured_from"),
            featured_to=self.value("featured_to"),
            categories=cats,
            has_code=has_code,
            min_upvotes=self.value("min_upvotes"),
        )
