# One image for web, worker and beat; the command differs (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DEBUG=false \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media

# LibreOffice and CJK fonts turn generated DOCX into PDF; the fonts also serve the previews.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 portal && mkdir -p /data/media && chown -R portal /data

USER portal
EXPOSE 8000
CMD ["gunicorn", "evalportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
