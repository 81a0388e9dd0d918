# socialbot in a slim container: non-root, zone data from the tzdata package, feeds.toml mounted.
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
    PYTHONUNBUFFERED=1
ENTRYPOINT ["socialbot"]
CMD ["config", "check"]
