"""The bare baseline: Django with no middleware at all, one app, one POST view.

It reads DATABASE_URL exactly as dotvote.settings does and uses the same database options
(SQLite: WAL, busy timeout, IMMEDIATE transactions; PostgreSQL: the same psycopg pool), so the
ratio compares Dotvote's vote with the cheapest honest Django write on the same back end.
"""

import environ

env = environ.Env()

SECRET_KEY = "bench-baseline-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["bare"]
MIDDLEWARE = []  # middleware-free: no sessions, CSRF, auth, static files or gzip
ROOT_URLCONF = "bare.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {"default": env.db_url("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 10,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 20, "timeout": 10}
