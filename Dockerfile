# SMS application image: the web server (gunicorn), the Celery worker and Celery beat
# all run from this one image; docker-compose.yml picks the command per service.
# See docs/operations.md.
FROM python:3.11-slim

# gunicorn.conf.py reads WEB_CONCURRENCY as its number of worker processes.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3

WORKDIR /app

# Unprivileged account the processes run as. The code stays owned by root, so the
# running application cannot modify itself; only media/ and the home directory
# (gunicorn's control socket lives there) are writable.
RUN groupadd --system --gid 10001 sms \
    && useradd --system --uid 10001 --gid sms --create-home --home-dir /home/sms \
        --shell /usr/sbin/nologin sms

# Dependencies first, so this layer is cached until requirements.txt changes.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Static files are collected into the image (whitenoise serves them with a manifest).
# The key and DEBUG here apply to this command only: they are not set in running
# containers. The key is visible in the image history: never use it for anything else.
RUN DEBUG=False SECRET_KEY=collectstatic-build-only-key-never-used-at-runtime-3f9a1c7e \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/media \
    && chown sms:sms /app/media

USER sms

EXPOSE 8000

# gunicorn.conf.py: WEB_CONCURRENCY processes (default 3) of GUNICORN_THREADS threads
# (default 4), the application loaded before forking, port 8000, access and error
# logs to stdout/stderr. See docs/operations.md ("Web server and performance").
CMD ["gunicorn", "sms.wsgi:application", "--config", "gunicorn.conf.py"]
