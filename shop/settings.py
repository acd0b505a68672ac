"""The print shop's one settings module: everything comes from the environment (12-factor).

Unset variables fall back to the embedded defaults of a developer's laptop: SQLite and a
file-system broker under var/, emails written to var/mail/, localstripe on port 8420.
Production sets DEBUG=false, which also demands a real SECRET_KEY and turns on HTTPS-only
cookies, HSTS and the SSL redirect (see README, "Running in production").
"""

import sys
from pathlib import Path

import environ
from celery.schedules import crontab

from shop.csp import content_security_policy
from shop.startup import available_cpus

env = environ.Env()

# Where the embedded defaults keep their files: ./var in the working directory (never inside
# an installed package).
VAR_DIR = Path(env("VAR_DIR", default="var")).absolute()

# --- Core -------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=True)
# With DEBUG off, a deploy check (shop/checks.py) refuses this and every other published secret.
SECRET_KEY = env("SECRET_KEY", default="development-only-secret-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many proxies stand in front of gunicorn and append to X-Forwarded-For (shop/wsgi.py).
# 0: readers connect directly and REMOTE_ADDR is theirs.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "django_countries",
    "anymail",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "shop",
    "catalogue",
    "orders",
    "reports",
    "worker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shop.csp.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A kept catalogue read is the same for every reader: answered before the reader is worked out.
    "catalogue.cache.CachedReads",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shop.middleware.RejectNullCharacters",
    "shop.middleware.OrderLogContext",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "shop.middleware.StaffSessionTimeout",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# Staff logins: after AXES_FAILURE_LIMIT failures for one username from one address, that pair
# is locked out (429) for AXES_COOLOFF_TIME hours; a success resets the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The admin asks for a second factor (django-otp: an authenticator app or a recovery code)
# whenever DEBUG is off (shop/admin_site.py); staff sessions end after this many idle minutes.
ADMIN_REQUIRES_OTP = not DEBUG
OTP_TOTP_ISSUER = env("SHOP_NAME", default="Print shop")
ADMIN_IDLE_MINUTES = env.float("ADMIN_IDLE_MINUTES", default=30)

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.shop",
                "orders.context_processors.basket",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'shop.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)  # a fresh ./var
    # A handful of simultaneous buyers on SQLite: WAL lets readers run beside the writer,
    # IMMEDIATE takes the write lock at BEGIN (no deadlock on lock upgrade) and the busy
    # timeout makes a second writer wait instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Kept connections checked without a round trip to the server (shop/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "shop.postgresql"
# On PostgreSQL, a prepared query (shop.prepared: the catalogue's reads by ISBN and by id) run
# this many times on a connection is prepared on the server too: parsed and planned once. The
# detail's query (one row, two subqueries) took 0.77 ms, 0.42 ms prepared. 0 turns it off, as
# PgBouncer in transaction mode needs unless its max_prepared_statements is set (1.21+).
DATABASE_PREPARE_THRESHOLD = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches -----------------------------------------------------------------------------
# "default" is shared by every process (rate limits, the catalogue version); "local" is each
# process's own memory, for rendered catalogue answers (see catalogue/cache.py).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # django-redis keeps its client between calls (Django's own RedisCache builds one per call).
    # Redis out of reach must not take the shop down with it: reads become misses and writes
    # are skipped (logged), within a second rather than a hung worker. The catalogue cache
    # then serves from the database, and rate limits let requests through (RATELIMIT_FAIL_OPEN).
    _shared_cache = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    _shared_cache = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
RATELIMIT_FAIL_OPEN = True  # the shared cache unreachable: serve, rather than refuse everyone
CACHES = {
    "default": _shared_cache,
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 2000}},
}

# Importing publications changes the catalogue; exporting shows it: the admin asks for those permissions
# (django-import-export lets any staff user in otherwise).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# An uploaded file waits between the preview and the confirmation (or, after errors, for a second
# try) in the shared cache, so that any web host can take the next step.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"

# --- Celery (namespace CELERY_, read by shop/celery.py) ---------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Kombu keeps its exchange table in ./control unless told otherwise.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Worker processes: one per CPU this container may use (Celery's own default counts the host's).
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=0) or available_cpus()
# Celery's Django fixup closes the database connections before and after every task unless this
# is set: the worker connected to PostgreSQL afresh for every email and warehouse request. Tasks
# keep and close them as a request does instead (CONN_MAX_AGE, health checks: shop/celery.py).
CELERY_DB_REUSE_MAX = sys.maxsize
# The worker logs through LOGGING like the web app (JSON, order numbers, secrets masked).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_TIME_LIMIT = 120  # docker-compose.yml's stop_grace_period for the worker is longer
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULE = {
    "expire-unpaid-orders": {"task": "worker.tasks.expire_unpaid_orders", "schedule": 60.0},
    "reconcile-pending-payments": {"task": "worker.tasks.reconcile_pending_payments", "schedule": 120.0},
    "sweep-outbox": {"task": "worker.tasks.sweep_outbox", "schedule": 30.0},
    "low-stock-digest": {"task": "worker.tasks.send_low_stock_digest", "schedule": crontab(hour=7, minute=30)},
    "remove-expired-reports": {"task": "worker.tasks.remove_expired_reports", "schedule": crontab(hour=3, minute=15)},
    # Every morning; it sends last month's pack only on the month's first working day.
    "monthly-pack": {"task": "worker.tasks.send_monthly_pack", "schedule": crontab(hour=6, minute=30)},
    "reread-unread-payouts": {"task": "worker.tasks.reread_unread_payouts", "schedule": crontab(minute="*/15")},
}
# Beat's own scheduler, recording a heartbeat that /healthz reads (shop/monitoring.py).
CELERY_BEAT_SCHEDULER = "shop.monitoring:HeartbeatScheduler"
BEAT_HEARTBEAT_SECONDS = env.int("BEAT_HEARTBEAT_SECONDS", default=30)
BEAT_STALE_SECONDS = env.int("BEAT_STALE_SECONDS", default=BEAT_HEARTBEAT_SECONDS * 4)
BEAT_HEARTBEAT_FILE = Path(env("BEAT_HEARTBEAT_FILE", default=str(VAR_DIR / "beat-heartbeat"))).absolute()
# Publishing a task gives up quickly when the broker is down: the outbox keeps the work.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}

# --- Email ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    # filemail:///srv/mail names an absolute folder (django-environ drops the leading slash);
    # a bare filemail:// means var/mail.
    EMAIL_FILE_PATH = "/" + EMAIL_CONFIG["EMAIL_FILE_PATH"] if EMAIL_CONFIG.get("EMAIL_FILE_PATH") else str(VAR_DIR / "mail")
# A provider through django-anymail: EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend and
# its credentials as ANYMAIL_<PROVIDER>_<SETTING> variables (e.g. ANYMAIL_POSTMARK_SERVER_TOKEN).
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_BACKEND)  # noqa: F821 (set from EMAIL_URL above)
ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in env.ENVIRON.items() if key.startswith("ANYMAIL_")}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Print shop <shop@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Stripe (used from the checkout issue on) -------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_localstripe")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_localstripe")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="http://127.0.0.1:8420")
STRIPE_JS_URL = env("STRIPE_JS_URL", default="http://127.0.0.1:8420/js.stripe.com/v3/")
# A reader waits at most about twice this (one retry) before hearing that payments are unavailable.
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=8.0)

# --- Fulfilment (used from the workers issue on) ----------------------------------------
FULFILMENT_BACKEND = env("FULFILMENT_BACKEND", default="email")
FULFILMENT_EMAIL = env("FULFILMENT_EMAIL", default="warehouse@localhost")
FULFILMENT_URL = env("FULFILMENT_URL", default="")
# Signs requests to the warehouse and checks its dispatch reports (HMAC-SHA256).
FULFILMENT_SECRET = env("FULFILMENT_SECRET", default="development-fulfilment-secret" if DEBUG else "")

# --- The shop ---------------------------------------------------------------------------
SHOP_NAME = env("SHOP_NAME", default="Print shop")
# Where readers reach the shop: the links in emails start with it.
SHOP_URL = env("SHOP_URL", default="http://127.0.0.1:8000").rstrip("/")
SHOP_REPLY_TO = env("SHOP_REPLY_TO", default="orders@localhost")
# Who sells: on confirmation emails (and receipts). Lines of the postal address separated by "|".
SELLER_ADDRESS = [line.strip() for line in env("SELLER_ADDRESS", default="").split("|") if line.strip()]
SELLER_VAT_NUMBER = env("SELLER_VAT_NUMBER", default="")
# Who receives the daily low-stock digest (comma-separated).
STAFF_EMAILS = env.list("STAFF_EMAILS", default=["staff@localhost"])
# The outbox (emails, warehouse requests): attempts, backoff, and how long a worker may hold an entry.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_RETRY_SECONDS = env.float("OUTBOX_RETRY_SECONDS", default=30)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=3600)
OUTBOX_LEASE_SECONDS = env.float("OUTBOX_LEASE_SECONDS", default=300)
# Finance reports: periods up to REPORT_INLINE_MAX_DAYS download at once; longer ones (up to
# REPORT_MAX_DAYS) are built by a worker and emailed as a link that works for REPORT_LINK_HOURS.
REPORT_INLINE_MAX_DAYS = env.int("REPORT_INLINE_MAX_DAYS", default=366)
REPORT_MAX_DAYS = env.int("REPORT_MAX_DAYS", default=3660)

# The back office: an order with the warehouse for more than WAREHOUSE_LATE_WORKING_DAYS working
# days (weekends and England and Wales bank holidays skipped) without dispatch is late; a low
# title's days of stock left are reckoned from its sales over the last STOCK_SALES_DAYS days.
WAREHOUSE_LATE_WORKING_DAYS = env.int("WAREHOUSE_LATE_WORKING_DAYS", default=2)
STOCK_SALES_DAYS = env.int("STOCK_SALES_DAYS", default=28)
# The reports page's presets: which months VAT quarters end in (HMRC's stagger 1: March, June,
# September, December; 2: a month later; 3: two months later) and the financial year's first month.
VAT_QUARTER_STAGGER = env.int("VAT_QUARTER_STAGGER", default=1)
FINANCIAL_YEAR_START_MONTH = env.int("FINANCIAL_YEAR_START_MONTH", default=4)
# Lists (the catalogue page, the API) count at most this many results; past it they say "more than".
LIST_COUNT_LIMIT = env.int("LIST_COUNT_LIMIT", default=10000)
# The payout reconciliation names a payment or refund that no payout carried this many days after it.
PAYOUT_EXPECTED_DAYS = env.int("PAYOUT_EXPECTED_DAYS", default=7)
REPORT_LINK_HOURS = env.int("REPORT_LINK_HOURS", default=24)
SHOP_CURRENCY = "GBP"
# Minutes a placed order waits for payment before it expires and its stock returns.
ORDER_PAYMENT_MINUTES = env.int("ORDER_PAYMENT_MINUTES", default=30)
# The hold policy (README, "Holding copies"): what unpaid orders may keep from other readers.
ORDER_MAX_COPIES = env.int("ORDER_MAX_COPIES", default=10)  # copies in one ordinary order (basket, checkout, API)
HOLD_MAX_COPIES_PER_BUYER = env.int("HOLD_MAX_COPIES_PER_BUYER", default=20)  # held by one address, or one email, at once
HOLD_MAX_SHARE = env.float("HOLD_MAX_SHARE", default=0.5)  # of a title's copies, held by all unpaid orders together
BULK_ORDER_MAX_COPIES = env.int("BULK_ORDER_MAX_COPIES", default=500)  # a bulk order: reserved when paid
ONLY_N_LEFT = env.int("ONLY_N_LEFT", default=5)  # the publication page says "Only N left" at or under this many
# After this many minutes a pending order's payment is looked up at Stripe (lost webhooks).
PAYMENT_RECONCILE_AFTER_MINUTES = env.int("PAYMENT_RECONCILE_AFTER_MINUTES", default=5)
# django-ratelimit rates ("count/period"), per client IP.
COMMENT_RATE = env("COMMENT_RATE", default="5/10m")
FIND_ORDERS_RATE = env("FIND_ORDERS_RATE", default="10/h")  # "Find my orders" requests per client address
FIND_ORDERS_RECIPIENT_RATE = env("FIND_ORDERS_RECIPIENT_RATE", default="3/h")  # and per email address asked for
ORDER_RATE = env("ORDER_RATE", default="30/h")  # placing orders (API and checkout page together)
PAY_RATE = env("PAY_RATE", default="20/10m")  # card payment attempts
STATUS_RATE = env("STATUS_RATE", default="120/m")  # order status page and API (it refreshes itself)
ADMIN_LOGIN_RATE = env("ADMIN_LOGIN_RATE", default="20/h")  # admin sign-in attempts, whatever the username
# The largest request body read into memory (JSON, forms; uploaded files are not counted).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)
# Public catalogue reads are cached; writes invalidate at once, this bounds anything else.
# Off by default with DEBUG on, so that an edited template shows at once.
CATALOGUE_CACHE_SECONDS = env.int("CATALOGUE_CACHE_SECONDS", default=0 if DEBUG else 300)
# How often a process looks for catalogue changes made by other processes (0: every request).
CATALOGUE_VERSION_CHECK_SECONDS = env.float("CATALOGUE_VERSION_CHECK_SECONDS", default=1.0)
RATELIMIT_VIEW = "shop.ratelimits.rate_limited_response"

# --- Auth, i18n, static -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The image collects static files at build time into its own folder (Dockerfile), outside VAR_DIR.
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static"))).absolute()
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# Covers (public) and built finance reports (private) are files every host must see. On one
# machine they live under VAR_DIR; on several, in an S3-compatible object store (django-storages)
# named by S3_BUCKET: covers under media/ (readable by anyone: see README, "Going live"), reports
# under reports/, fetched only through presigned links that work for a minute.
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    _s3 = {
        "bucket_name": S3_BUCKET,
        "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,  # empty: Amazon S3 itself
        "region_name": env("S3_REGION", default="") or None,
        "access_key": env("S3_ACCESS_KEY_ID", default="") or None,  # empty: the host's IAM role
        "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
        "addressing_style": env("S3_ADDRESSING_STYLE", default="path" if env("S3_ENDPOINT_URL", default="") else "auto"),
        "signature_version": "s3v4",
        "file_overwrite": False,
        "default_acl": None,  # access is the bucket policy's business, not each object's
    }
    _media_domain = env("S3_MEDIA_DOMAIN", default="")  # a CDN or custom domain in front of the bucket
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "media", "querystring_auth": False, "custom_domain": _media_domain or None},
    }
    _reports_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "reports", "querystring_auth": True, "querystring_expire": 60},
    }
    # Where readers' browsers fetch covers from, for the content security policy.
    if _media_domain:
        MEDIA_ORIGIN = f"https://{_media_domain}"
    elif _s3["endpoint_url"]:
        MEDIA_ORIGIN = _s3["endpoint_url"].rstrip("/")
    else:
        MEDIA_ORIGIN = f"https://{S3_BUCKET}.s3{'.' + _s3['region_name'] if _s3['region_name'] else ''}.amazonaws.com"
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _reports_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(VAR_DIR / "reports")}}
    MEDIA_ORIGIN = ""  # served by the shop itself (shop/urls.py)
STORAGES = {
    "default": _media_storage,
    "reports": _reports_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Pages may run only the shop's own scripts, plus Stripe.js (shop/csp.py); covers may come from the object store.
CONTENT_SECURITY_POLICY = content_security_policy(
    stripe_js_url=STRIPE_JS_URL, stripe_api_base=STRIPE_API_BASE, media_origin=MEDIA_ORIGIN
)

# --- REST framework and the OpenAPI schema ----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "shop.api.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shop.api.exception_handler",
    # The API speaks JSON only (an order's nested address and items have no form encoding).
    "DEFAULT_PARSER_CLASSES": ["shop.api.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["shop.api.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Print shop API",
    "DESCRIPTION": "Catalogue, orders and payments of the publisher's print-ordering shop.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the shop's own static files (drf-spectacular-sidecar), under the content
    # security policy, rather than the newest release from a CDN on the admin's origin.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums", "shop.schema.document_errors", "orders.api.schema_limits",
    ],
}

# --- Production hardening (DEBUG=false) -------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    # The health check is probed over plain HTTP by load balancers and compose.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # check --deploy warns about HSTS preload only when it is not set; it is a choice.
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Logs go to stdout: JSON lines in production (LOG_FORMAT=json), plain lines on a laptop. Each
# record about an order has its number in `order`; secrets and card numbers are masked (shop/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"order": {"()": "shop.logs.OrderContext"}, "redact": {"()": "shop.logs.Redact"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(order)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(order)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["order", "redact"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # fpdf2 subsetting a receipt's font logs each glyph table at INFO.
        "fontTools": {"level": "WARNING"},
        # runserver's request lines (development) carry query strings: through the same filters.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Errors to Sentry (or anything speaking its protocol) when SENTRY_DSN is set, masked like the logs.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from shop.monitoring import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"), release=env("SENTRY_RELEASE", default=""))
