"""Forms of the accounts app."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator


def _unconfirmed(user: User) -> bool:
    profile = getattr(user, "profile", None)
    return profile is not None and profile.email_confirmed_at is None and profile.suspended_at is None


class SignUpForm(forms.Form):
    """Username (public), e-mail address (private, confirmed by a link) and password.

    A taken *username* is reported (usernames are public on profiles and comments); a registered
    *e-mail address* is never reported: see :func:`paperboy.accounts.services.sign_up`.
    """

    username = forms.CharField(
        max_length=40,
        validators=[UnicodeUsernameValidator()],
        help_text="Public; shown on your profile and comments. Letters, digits and @/./+/-/_ only.",
    )
    email = forms.EmailField(max_length=254, help_text="Private. We send a confirmation link to it.")
    password1 = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label="Password again", strip=False, widget=forms.PasswordInput)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        email = (self.data.get("email") or "").strip()
        taken = User.objects.filter(username__iexact=username)
        # The unconfirmed account of this very address may keep (or change) its username.
        owner = taken.first()
        if owner is not None and not (email and owner.email.lower() == email.lower() and _unconfirmed(owner)):
            raise forms.ValidationError("This username is taken; please choose another one.")
        return username

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            candidate = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(str(p1), candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class LoginForm(AuthenticationForm):
    """Django's log-in form, labelled for e-mail or username."""

    username = forms.CharField(label="E-mail or username", max_length=254)

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Wrong e-mail/username or password, or the account is not confirmed yet "
            "(follow the link in the e-mail we sent when you signed up)."
        ),
    }


class DeleteAccountForm(forms.Form):
    """Re-enter the password to delete the account."""

    password = forms.CharField(strip=False, widget=forms.PasswordInput)

    def __init__(self, user: User, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password


class SubmitPaperForm(forms.Form):
    arxiv = forms.CharField(
        label="arXiv id or URL", max_length=300, widget=forms.TextInput(attrs={"placeholder": "2401.01234"})
    )


class ClaimForm(forms.Form):
    author_index = forms.IntegerField(min_value=0, label="Which author are you?")
