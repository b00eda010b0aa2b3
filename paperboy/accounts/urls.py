from __future__ import annotations

from django.urls import path

from paperboy.accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("signup/done", views.signup_done, name="signup_done"),
    path("confirm/<uidb64>/<token>", views.confirm, name="confirm"),
    path("login", views.login_view, name="login"),
    path("logout", views.logout_view, name="logout"),
    path("password-reset", views.password_reset, name="password_reset"),
    path("password-reset/done", views.password_reset_done, name="password_reset_done"),
    path("reset/<uidb64>/<token>", views.password_reset_confirm, name="password_reset_confirm"),
    path("reset/done", views.password_reset_complete, name="password_reset_complete"),
    path("me", views.me, name="me"),
    path("export.json", views.export_json, name="export_json"),
    path("export.bib", views.export_bibtex, name="export_bibtex"),
    path("delete", views.delete_account, name="delete"),
    path("users/<str:username>", views.profile, name="profile"),
]
