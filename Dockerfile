# One image for the web app, the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -c requirements.lock . \
    && DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --system --home /app shop && mkdir -p /app/var && chown shop /app/var
USER shop
EXPOSE 8000
CMD ["gunicorn", "-c", "python:shop.gunicorn", "shop.wsgi"]
