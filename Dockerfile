# socialbot in a slim container: non-root, its data on a volume, zone data from the tzdata package.
# `docker compose up` (compose.yaml) runs it against PostgreSQL 16; tests/test_deploy.py checks this file
# and tests/test_install.py runs its command from the installed wheel.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY socialbot ./socialbot
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 socialbot
COPY --from=build /install /usr/local
WORKDIR /srv/socialbot
COPY feeds.toml ./
COPY schedules ./schedules
RUN mkdir data && chown socialbot data
USER socialbot
ENV SOCIALBOT_CONFIG=/srv/socialbot/feeds.toml \
    SOCIALBOT_DATABASE_URL=sqlite:////srv/socialbot/data/socialbot.db \
    SOCIALBOT_MEDIA_DIR=/srv/socialbot/data/media \
    PYTHONUNBUFFERED=1
# The SQLite store (when no PostgreSQL is configured), the desk's uploaded images, and anything else
# the bot keeps.
VOLUME ["/srv/socialbot/data"]
EXPOSE 8000
# /healthz answers 503 when the database is down, a post is overdue or the dispatcher is stuck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["socialbot"]
# The bot, listening on every interface of the container; `docker run IMAGE config check` and other
# commands replace it.
CMD ["run", "--host", "0.0.0.0", "--port", "8000"]
