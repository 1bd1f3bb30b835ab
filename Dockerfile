# One image for web, worker and beat; only the command differs (see docker-compose.yml, which
# builds it once as evalportal:local).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=false \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media

# The worker converts every DOCX to PDF with LibreOffice headless and draws page 1 with
# pdftoppm (reports/pdf.py): Writer alone, the CJK fonts the documents need, and poppler.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       libreoffice-writer fonts-noto-cjk poppler-utils \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# The exact versions of the lock file, each checked against its hash.
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# .dockerignore keeps .env, .git, the virtualenv, databases and media out of the image.
COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 portal && mkdir -p /data/media && chown -R portal /data

USER portal
EXPOSE 8000
# The healthcheck is the web service's, in docker-compose.yml (worker and beat serve no HTTP).
CMD ["gunicorn", "evalportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
