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
    parse_cache_url,
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
#: Seconds a web process may show the same "last successful update" footer and import banner before it asks
#: the database again (0 = every page asks).
SITE_STATUS_TTL_SECONDS = env_float("PAPERBOY_SITE_STATUS_TTL_SECONDS", 5.0)

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
    "csp",
    "paperboy.papers",
    "paperboy.accounts",
    "paperboy.comments",
    "paperboy.ingest",
    "paperboy.search",
    "paperboy.digests",
    "paperboy.api",
    "ninja",  # serves the API docs page's Swagger UI from our static files, not a CDN
    "paperboy.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag on every GET answer (JSON API included) and 304 for a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns django-ratelimit's Ratelimited exception into the 429 page (RATELIMIT_VIEW).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # GET on a POST-only action: a friendly 405 page (status and Allow header kept).
    "paperboy.accounts.errors.FriendlyMethodNotAllowedMiddleware",
    # Anonymous list pages from memory, keyed on a version of the data (paperboy/ops/pagecache.py).
    "paperboy.ops.pagecache.PageCacheMiddleware",
    # Innermost: turns a lost database connection into a 503 page (paperboy/ops/middleware.py).
    "paperboy.ops.middleware.DatabaseUnavailableMiddleware",
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

# The cache shared by every web process: rate-limit counters (django-ratelimit) must be, or each gunicorn
# worker would count on its own. Default: a table of the database (paperboy.lib.cache, atomic increments;
# `migrate` creates it). locmem:// keeps one cache per process (tests, a single process). The anonymous
# page cache is not this cache: each process keeps its pages in its own memory (paperboy/ops/pagecache.py).
CACHES = {"default": parse_cache_url(env_str("PAPERBOY_CACHE_URL", "db://paperboy_cache"))}

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
# 20,000: one exact search over 25k vectors costs 3.3 ms of CPU, HNSW 0.8 ms (paperboy/search/vectors.py).
SEARCH_ANN_THRESHOLD = env_int("PAPERBOY_ANN_THRESHOLD", 20_000)
SEARCH_ANN_EF_SEARCH = env_int("PAPERBOY_ANN_EF_SEARCH", 256)
#: Search by meaning is offered once this fraction of the papers has vectors (until then: keyword search and
#: a note with the progress), so a half-finished ``embed`` run cannot push its few papers to the top.
SEARCH_MIN_EMBEDDED_FRACTION = env_float("PAPERBOY_SEARCH_MIN_EMBEDDED_FRACTION", 0.9)
#: How long a web process trusts its count of embedded papers (seconds).
SEARCH_COVERAGE_TTL_SECONDS = env_float("PAPERBOY_SEARCH_COVERAGE_TTL_SECONDS", 30.0)
#: Folder of the demo corpus imported on first start.
DEMO_DIR = env_path("PAPERBOY_DEMO_DIR", BASE_DIR / "demo")

# --- digests (paperboy/digests) ---------------------------------------------------------
#: Days a double opt-in confirmation link stays valid.
DIGEST_CONFIRM_MAX_AGE_DAYS = env_int("PAPERBOY_DIGEST_CONFIRM_MAX_AGE_DAYS", 7)
#: Papers per digest e-mail.
DIGEST_PAPERS_PER_EMAIL = env_int("PAPERBOY_DIGEST_PAPERS_PER_EMAIL", 10)
#: ISO weekday (1 = Monday … 7 = Sunday) whose edition day carries the weekly digest (7 days ending that day).
DIGEST_WEEKLY_ISOWEEKDAY = env_int("PAPERBOY_DIGEST_WEEKLY_ISOWEEKDAY", 5)
#: Extra SMTP tries after a transient failure, and the first back-off (doubled each retry).
DIGEST_SMTP_RETRIES = env_int("PAPERBOY_DIGEST_SMTP_RETRIES", 3)
DIGEST_SMTP_BACKOFF_SECONDS = env_float("PAPERBOY_DIGEST_SMTP_BACKOFF_SECONDS", 2.0)
#: SMTP connections used in parallel by send_digests (sending is latency-bound).
DIGEST_SMTP_CONNECTIONS = env_int("PAPERBOY_DIGEST_SMTP_CONNECTIONS", 4)
#: Total SMTP tries for one e-mail over all runs before it stays failed, and the wait between runs' retries.
DIGEST_MAX_ATTEMPTS = env_int("PAPERBOY_DIGEST_MAX_ATTEMPTS", 24)
DIGEST_RETRY_AFTER_SECONDS = env_int("PAPERBOY_DIGEST_RETRY_AFTER_SECONDS", 600)
#: Consecutive permanent rejections after which an address is paused.
DIGEST_MAX_BOUNCES = env_int("PAPERBOY_DIGEST_MAX_BOUNCES", 3)
#: Seconds a claimed send belongs to the run that claimed it; after that a rerun resolves it.
DIGEST_CLAIM_LEASE_SECONDS = env_int("PAPERBOY_DIGEST_CLAIM_LEASE_SECONDS", 300)
#: Append-only journal of Message-IDs accepted by the SMTP server (see paperboy/digests/journal.py).
DIGEST_JOURNAL_DIR = env_path("PAPERBOY_DIGEST_JOURNAL_DIR", DATA_DIR / "digests-journal")
#: fsync the journal after each line (survives power loss, not only process crashes; slower).
DIGEST_JOURNAL_FSYNC = env_bool("PAPERBOY_DIGEST_JOURNAL_FSYNC", False)
#: Seconds between passes of `send_digests --loop`.
DIGEST_LOOP_INTERVAL_SECONDS = env_int("PAPERBOY_DIGEST_LOOP_INTERVAL_SECONDS", 60)
#: django-ratelimit rates of the subscribe form, per client IP and per submitted address.
DIGEST_SUBSCRIBE_RATE_PER_IP = env_str("PAPERBOY_DIGEST_SUBSCRIBE_RATE_PER_IP", "10/h")
DIGEST_SUBSCRIBE_RATE_PER_EMAIL = env_str("PAPERBOY_DIGEST_SUBSCRIBE_RATE_PER_EMAIL", "3/h")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("PAPERBOY_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pylatexenc": {"level": "ERROR"},
        "mail.log": {"level": "WARNING"},
    },
}

# --- security (docs/deploy.md, "Security settings") --------------------------------------
# Behind a TLS-terminating proxy set PAPERBOY_SECURE_PROXY_SSL_HEADER=true (the proxy must set
# X-Forwarded-Proto); for plain-http local runs (the load benchmark) set
# PAPERBOY_SECURE_SSL_REDIRECT=false and PAPERBOY_INSECURE_COOKIES=true.
SECURE_SSL_REDIRECT = env_bool("PAPERBOY_SECURE_SSL_REDIRECT", not DEBUG)
# Health probes (load balancer, systemd, monitoring) ask gunicorn over plain http on loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
_secure_cookies = not DEBUG and not env_bool("PAPERBOY_INSECURE_COOKIES", False)
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
SESSION_COOKIE_HTTPONLY = True
#: Seconds browsers keep to https only (HSTS); 0 turns the header off. Sent on https responses only.
SECURE_HSTS_SECONDS = env_int("PAPERBOY_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PAPERBOY_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("PAPERBOY_HSTS_PRELOAD", False)
if env_bool("PAPERBOY_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Submitting a domain to the HSTS preload list is the owner's decision (hstspreload.org), so preload
# stays opt-in and Django's reminder about it (security.W021) is silenced while it is off.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp). Everything is served from this origin: vendored KaTeX's
# script, stylesheet and fonts are 'self'. KaTeX sizes its output with style="..." attributes, so
# inline style *attributes* are allowed (style-src-attr 'unsafe-inline') while <style> elements and
# every script stay 'self' only. No inline <script> anywhere: put page scripts in static files.
_csp_self = "'self'"
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": [],
    "DIRECTIVES": {
        "default-src": [_csp_self],
        "script-src": [_csp_self],
        "style-src": [_csp_self],
        "style-src-elem": [_csp_self],
        "style-src-attr": ["'unsafe-inline'"],
        "font-src": [_csp_self, "data:"],
        "img-src": [_csp_self, "data:"],
        "connect-src": [_csp_self],
        "object-src": ["'none'"],
        "base-uri": [_csp_self],
        "form-action": [_csp_self],
        "frame-ancestors": ["'none'"],
    },
}

# --- operations (paperboy/ops, docs/deploy.md) ---------------------------------------------
#: /readyz fails when the last successful ingest is older than this (hours); 0 turns the check off.
#: 96 h covers arXiv's longest regular gap (Thursday evening to Sunday evening) with a day to spare.
READY_MAX_INGEST_AGE_HOURS = env_float("PAPERBOY_READY_MAX_INGEST_AGE_HOURS", 96.0)
#: An ingest run still "running" without progress for this many minutes (or whose process on this host is
#: gone) is marked abandoned when the next ingest or worker pass starts.
INGEST_STALE_MINUTES = env_int("PAPERBOY_INGEST_STALE_MINUTES", 60)
#: Minutes after arXiv's 20:00 US-Eastern announcement at which the worker runs the live ingest.
INGEST_DELAY_MINUTES = env_int("PAPERBOY_INGEST_DELAY_MINUTES", 30)
#: arXiv holidays (YYYY-MM-DD, US-Eastern dates) with no evening announcement (arXiv's availability page).
ARXIV_HOLIDAYS = env_list("PAPERBOY_ARXIV_HOLIDAYS", [])
#: Sources of the worker's live ingest: "feed:<arXiv category>" (listing feed) or "hf" (HF Daily Papers).
WORKER_INGEST_SOURCES = env_list(
    "PAPERBOY_WORKER_INGEST_SOURCES", ["feed:cs.AI", "feed:cs.CL", "feed:cs.CV", "feed:cs.LG", "hf"]
)
#: Seconds the worker sleeps between two looks at its schedule.
WORKER_TICK_SECONDS = env_int("PAPERBOY_WORKER_TICK_SECONDS", 30)
#: Minutes between two embedding runs (new papers only) and two digest runs (each subscriber's hour).
WORKER_EMBED_MINUTES = env_int("PAPERBOY_WORKER_EMBED_MINUTES", 15)
WORKER_DIGEST_MINUTES = env_int("PAPERBOY_WORKER_DIGEST_MINUTES", 5)
#: A job claim still "running" after this many minutes is taken to be dead and may be claimed again.
WORKER_STALE_MINUTES = env_int("PAPERBOY_WORKER_STALE_MINUTES", 180)
#: gunicorn for `manage.py serve_prod`: bind address and worker processes (default cores + 1, at most 9).
WEB_BIND = env_str("PAPERBOY_WEB_BIND", "127.0.0.1:8000")
WEB_WORKERS = env_int("PAPERBOY_WEB_WORKERS", 0)
#: gunicorn threads per worker (more than 1 uses the gthread worker class), request timeout, access log
#: ("-" = stderr, "" = off) and the proxies whose X-Forwarded-* headers gunicorn trusts.
WEB_THREADS = env_int("PAPERBOY_WEB_THREADS", 1)
WEB_TIMEOUT_SECONDS = env_int("PAPERBOY_WEB_TIMEOUT_SECONDS", 60)
WEB_ACCESS_LOG = env_str("PAPERBOY_WEB_ACCESS_LOG", "-")
WEB_FORWARDED_ALLOW_IPS = env_str("PAPERBOY_FORWARDED_ALLOW_IPS", "127.0.0.1")
#: Folder of `manage.py backup`'s files, and how many of them `backup` keeps (older ones are deleted after
#: a successful backup; 0 = keep all; `backup --keep N` overrides).
BACKUP_DIR = env_path("PAPERBOY_BACKUP_DIR", DATA_DIR / "backups")
BACKUP_KEEP = env_int("PAPERBOY_BACKUP_KEEP", 0)
#: Seconds an anonymous list page may be served from memory (0 = no page cache). Any upvote or ingest
#: invalidates it at once (the key includes a version of the data); this only bounds other changes.
PAGE_CACHE_SECONDS = env_int("PAPERBOY_PAGE_CACHE_SECONDS", 300)

# --- accounts, comments, upvotes, submissions, claims (issue 4) ----------------------------
# CSRF failures: a friendly 403 page.
CSRF_FAILURE_VIEW = "paperboy.accounts.errors.csrf_failure"
# Log in with e-mail address or username; is_active=False (unconfirmed or suspended) cannot log in.
AUTHENTICATION_BACKENDS = ["paperboy.accounts.backends.EmailOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
#: Sign-up confirmation and password-reset links stay valid this long (seconds).
PASSWORD_RESET_TIMEOUT = env_int("PAPERBOY_CONFIRMATION_LINK_TIMEOUT_SECONDS", 3 * 24 * 3600)
#: A submitted paper must be at most this many days old, counted from its latest version.
SUBMISSION_MAX_AGE_DAYS = env_int("PAPERBOY_SUBMISSION_MAX_AGE_DAYS", 14)
#: How many papers one user may submit to the daily list per UTC day (staff are exempt).
SUBMISSIONS_PER_DAY = env_int("PAPERBOY_SUBMISSIONS_PER_DAY", 5)
# Rate limits (django-ratelimit "count/period", e.g. 10/m, 5/h, 100/d). Each applies twice: once per
# user (or, before log-in, per submitted username/e-mail) and once per client IP. The counters live
# in the default cache, shared by all web processes (CACHES above, PAPERBOY_CACHE_URL).
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env_bool("PAPERBOY_RATELIMIT_ENABLED", True)
RATELIMIT_VIEW = "paperboy.accounts.views.ratelimited"
# Behind a reverse proxy every request comes from the proxy's address: have the proxy set one client
# address per request (nginx: proxy_set_header X-Real-IP $remote_addr) and set HTTP_X_REAL_IP here.
CLIENT_IP_META_KEY = env_str("PAPERBOY_RATELIMIT_IP_META_KEY", "REMOTE_ADDR")
# That header, or REMOTE_ADDR for a request that did not come through the proxy (paperboy/accounts/ratelimits.py).
RATELIMIT_IP_META_KEY = "paperboy.accounts.ratelimits.client_ip"
RATE_LIMITS = {
    "signup": env_str("PAPERBOY_RATELIMIT_SIGNUP", "5/h"),
    "login": env_str("PAPERBOY_RATELIMIT_LOGIN", "10/m"),
    "password_reset": env_str("PAPERBOY_RATELIMIT_PASSWORD_RESET", "5/h"),
    "vote": env_str("PAPERBOY_RATELIMIT_VOTE", "60/m"),
    "comment": env_str("PAPERBOY_RATELIMIT_COMMENT", "10/m"),
    "report": env_str("PAPERBOY_RATELIMIT_REPORT", "20/h"),
    "submit": env_str("PAPERBOY_RATELIMIT_SUBMIT", "20/h"),
    "claim": env_str("PAPERBOY_RATELIMIT_CLAIM", "20/h"),
}
