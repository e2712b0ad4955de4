"""Dotvote settings: one module, read from the environment.

With no environment at all it runs embedded: SQLite file, in-memory channel layer, one process.
DATABASE_URL and REDIS_URL switch on PostgreSQL and channels_redis for several ASGI processes.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _local_secret_key() -> str:
    # Generated once per checkout and kept out of git, so `make run` needs no setup.
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()
DEBUG = env.bool("DEBUG", default=False)
# A facilitator's laptop is reached by whatever LAN address the venue's wifi hands out,
# so the embedded default accepts any host; set ALLOWED_HOSTS on a real server.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The reverse proxy's addresses: only from these is X-Forwarded-For believed (workshops.proxy).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "workshops",
]

MIDDLEWARE = [
    "workshops.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # ServeStatic where the chain is async, WhiteNoise where it is sync (dotvote.static): with
    # OneThreadHop below, the chain is sync everywhere.
    "dotvote.static.StaticFilesMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "workshops.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last (but for the no-op below), as axes asks. Per request it only reads an attribute that
    # its authentication backend sets on a locked-out login: a vote or any other page costs no query.
    "axes.middleware.AxesMiddleware",
    # Innermost and sync-only: the whole chain runs sync, so a request hops to a thread once.
    "dotvote.middleware.OneThreadHop",
]

# HTTP requests one process runs at once (dotvote.asgi); more wait their turn on the event loop.
HTTP_REQUESTS_AT_ONCE = env.int("HTTP_REQUESTS_AT_ONCE", default=16)

ROOT_URLCONF = "dotvote.urls"
WSGI_APPLICATION = "dotvote.wsgi.application"
ASGI_APPLICATION = "dotvote.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workshops.context_processors.organiser",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Phones vote at the same moment: WAL lets readers run beside the one writer, the busy
    # timeout makes writers queue instead of failing, and IMMEDIATE takes the write lock at
    # BEGIN so that the dot budget check and the write it guards cannot interleave.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 10,
    }
    # CONN_MAX_AGE stays 0 (Django's default): under ASGI each ordinary request runs on a thread
    # made for it, and a connection kept there would outlive its thread unclosed. The votes run
    # on long-lived threads that keep theirs (workshops.views.participant._tidy).
    # A file, not :memory:, so that a live server in another process sees the test data.
    # SQLITE_TEST_NAME lets two test runs on one checkout keep apart.
    test_name = env.str("SQLITE_TEST_NAME", default=".test-db.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / test_name)}
else:
    # Under ASGI every request may run on another thread: pool connections instead of
    # keeping one per thread (the vote threads hold one each: workshops.views.participant._tidy).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 20, "timeout": 10}

SILENCED_SYSTEM_CHECKS: list[str] = []

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # The read timeout must outlast channels_redis' 5 s blocking receive, or idle
            # sockets are dropped with 1011.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 10}],
                "capacity": 1500,
                "expiry": 10,
            },
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process: a local-memory cache is the shared cache, as far as rate limits go.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Login throttling (django-axes) ---
# Axes' backend runs only inside authenticate(), i.e. on the login pages (/accounts/login/ and
# /admin/login/); participants never log in, so their requests never touch it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A seminar hall shares one NAT address, so the lockout is by user name AND address together:
# one wrong-typing or malicious phone in the hall locks neither the other facilitators (by
# address alone it would) nor the facilitator on another network (by user name alone anyone
# could lock any facilitator out from anywhere).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Failed attempts are kept; a log line per successful login is not needed.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workshop_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Helsinki")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"},
}
SERVESTATIC_USE_FINDERS = WHITENOISE_USE_FINDERS = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS=true behind a TLS-terminating proxy (deploy/): the proxy must set X-Forwarded-Proto and
# must strip it from what clients send, or a client could claim https. Off by default, because
# `make run` on a venue's wifi is plain http and these settings would lock it out.
HTTPS = env.bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=False)
    # The browser keeps HSTS for a year: preload is a separate, deliberate submission.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Content-Security-Policy (django-csp): this origin only, no inline script, no eval.
# - connect-src 'self' covers the same host's ws:/wss: sockets (CSP Level 3; Chromium,
#   Firefox and Safari all match 'self' against ws/wss of the page's host), so no host needs
#   naming, which matters while ALLOWED_HOSTS is "*" on a venue's LAN.
# - htmx: base.html's htmx-config turns off its eval (hx-vars, js: values) and its injected
#   indicator <style>; the indicator rules live in static/css/base.css.
# - style-src-attr 'unsafe-inline': the projector's bars carry their length as style="width:
#   N%" and arrive by socket as server-rendered HTML, so a nonce cannot cover them and 101
#   width classes would round the figures. A style *attribute* cannot hold a selector, so the
#   CSS attribute-selector exfiltration tricks do not apply, and any url() in it is still held
#   to img-src/font-src 'self'; <style> elements and stylesheets stay 'self' only.
# - img-src data: for the participant pages' empty favicon (href="data:,").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Request bodies: the largest form is a statement or a note of a few hundred characters, so
# 256 KiB is ample; bigger bodies answer 400. Django checks this as it reads the body; daphne
# has already buffered it by then, so the real cap in front of it is the proxy's
# (nginx client_max_body_size in deploy/), see the README's Security section.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
DATA_UPLOAD_MAX_NUMBER_FILES = 0
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# Shown on the privacy notice and the accessibility statement.
ORGANISER_NAME = env.str("ORGANISER_NAME", default="Dotvote")
ORGANISER_EMAIL = env.str("ORGANISER_EMAIL", default="tietosuoja@example.invalid")

# Data is deleted this many days after a workshop is created, unless its owner says otherwise.
RETENTION_DAYS = env.int("RETENTION_DAYS", default=90)
# The address phones join at, e.g. "https://dotvote.example.fi" behind a domain; empty: the host
# the page was opened at (a loopback address is replaced by the machine's LAN address).
PUBLIC_URL = env.str("PUBLIC_URL", default="").strip()
if PUBLIC_URL and not PUBLIC_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("PUBLIC_URL must start with http:// or https://")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
