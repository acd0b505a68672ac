# One image for the web app, the Celery worker and beat (docker-compose.yml). The shop runs from
# its installed wheel, not from a source tree; dependencies come from the lock, in a layer of
# their own that a change to the code does not rebuild.

# --- The wheel ----------------------------------------------------------------------------------
FROM python:3.11.7-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml ./
COPY shop ./shop
COPY catalogue ./catalogue
COPY orders ./orders
COPY reports ./reports
COPY worker ./worker
RUN pip wheel --no-deps --wheel-dir dist .

# --- The image ----------------------------------------------------------------------------------
FROM python:3.11.7-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=shop.settings DEBUG=false \
    VAR_DIR=/var/lib/shop STATIC_ROOT=/app/static
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# PostgreSQL's client tools, for `django-admin backup` and `django-admin restore_drill`; Debian's
# current security release of them, so not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o 10001 -g 10001 /var/lib/shop

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY --from=build /src/dist ./dist
RUN pip install --no-deps dist/*.whl && rm -rf dist \
    && django-admin collectstatic --noinput

WORKDIR /var/lib/shop
USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "-c", "python:shop.gunicorn", "shop.wsgi"]
