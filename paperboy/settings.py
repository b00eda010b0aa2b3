"""Django settings for paperboy.

Every value comes from a ``PAPERBOY_*`` environment variable; ``.env.example`` lists them all
with their defaults. There is one settings module: environments differ only in their variables.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from paperboy.lib.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_path,
    env_secret,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("PAPERBOY_DEBUG", False)

_secret = env_secret("PAPERBOY_SECRET_KEY")
if _secret is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "PAPERBOY_SECRET_KEY is not set. Set it (or PAPERBOY_SECRET_KEY_FILE) to a long random string, "
            "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`; "
            "`make run` sets PAPERBOY_DEBUG=true, which uses a development key."
        )
    _secret = "paperboy-development-key-not-for-production"
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("PAPERBOY_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("PAPERBOY_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("PAPERBOY_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("PAPERBOY_SITE_NAME", "paperboy")

#: Where the SQLite database, the search index and caches live.
DATA_DIR = env_path("PAPERBOY_DATA_DIR", BASE_DIR / "data")
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "paperboy.papers",
    "paperboy.ingest",
    "paperboy.search",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "paperboy.urls"
WSGI_APPLICATION = "paperboy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "paperboy.context_processors.site",
            ],
        },
    },
]

# Database: SQLite in DATA_DIR by default; PostgreSQL (or another SQLite file) when
# PAPERBOY_DATABASE_URL is given, e.g. postgresql://postgres@127.0.0.1:5432/paperboy.
_database_url = env_str("PAPERBOY_DATABASE_URL")
_db = parse_database_url(_database_url) if _database_url else None
if _db is not None and _db.engine.endswith("postgresql"):
    DATABASES = {
        "default": {
            "ENGINE": _db.engine,
            "NAME": _db.name,
            "USER": _db.user,
            "PASSWORD": env_secret("PAPERBOY_DATABASE_PASSWORD") or _db.password,
            "HOST": _db.host,
            "PORT": _db.port,
            "CONN_MAX_AGE": env_int("PAPERBOY_DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": _db.options,
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(_db.name) if _db is not None else DATA_DIR / "paperboy.sqlite3",
            "OPTIONS": {
                # WAL lets the web server read while a job writes; IMMEDIATE avoids
                # "database is locked" on lock upgrade (healthchecks settings.py).
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("PAPERBOY_STATIC_ROOT", DATA_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# E-mail: SMTP when PAPERBOY_EMAIL_HOST is set, otherwise printed to the console.
EMAIL_HOST = env_str("PAPERBOY_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("PAPERBOY_EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("PAPERBOY_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env_secret("PAPERBOY_EMAIL_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("PAPERBOY_EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = env_int("PAPERBOY_EMAIL_TIMEOUT_SECONDS", 30)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("PAPERBOY_DEFAULT_FROM_EMAIL", "paperboy <paperboy@localhost>")

# --- paperboy ---------------------------------------------------------------------------
#: Whether jobs may reach arXiv and Hugging Face. Tests set it false; live fetches then fail fast.
LIVE_NETWORK = env_bool("PAPERBOY_LIVE_NETWORK", True)
#: Seconds between two requests to arXiv (its API terms ask for at least 3).
ARXIV_REQUEST_INTERVAL_SECONDS = env_float("PAPERBOY_ARXIV_REQUEST_INTERVAL_SECONDS", 3.0)
ARXIV_API_URL = env_str("PAPERBOY_ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = env_str("PAPERBOY_ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_FEED_URL = env_str("PAPERBOY_ARXIV_FEED_URL", "https://rss.arxiv.org/atom/{category}")
HF_DAILY_PAPERS_URL = env_str("PAPERBOY_HF_DAILY_PAPERS_URL", "https://huggingface.co/api/daily_papers")
HTTP_USER_AGENT = env_str(
    "PAPERBOY_HTTP_USER_AGENT", "paperboy/0.1 (self-hosted daily papers; +https://github.com/paperboy)"
)
#: Where the search index files live.
SEARCH_INDEX_DIR = env_path("PAPERBOY_SEARCH_INDEX_DIR", DATA_DIR / "search")
# Vector index (paperboy.search.vectors): exact search below this many vectors, HNSW (faiss) at or above.
# 50,000: exact search over 75k vectors took 10-16 ms per query on the shared 2 cores (make bench-search).
SEARCH_ANN_THRESHOLD = env_int("PAPERBOY_ANN_THRESHOLD", 50_000)
SEARCH_ANN_EF_SEARCH = env_int("PAPERBOY_ANN_EF_SEARCH", 256)
#: Folder of the demo corpus imported on first start.
DEMO_DIR = env_path("PAPERBOY_DEMO_DIR", BASE_DIR / "demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PAPERBOY_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
