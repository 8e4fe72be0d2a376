# Second Opinion: the Discord bot as a small, non-root container.
#   docker build -t second-opinion .
#   docker run -e DISCORD_TOKEN=... -v ./config.toml:/config/config.toml:ro -v so-data:/data second-opinion
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid/gid so a bind-mounted /data can be chowned to match on the host.
RUN groupadd --system --gid 10001 bot \
 && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN pip install ".[speed]" && rm -rf /app/bot /app/cogs

# The config is mounted read-only; its [storage] path should point into /data (see compose.yaml).
RUN mkdir -p /data /config && chown bot:bot /data
# A default config for a bare `docker run`; mount your own over it (every key: config.example.toml).
RUN printf '[storage]\npath = "/data/second-opinion.sqlite3"\n\n[logging]\nformat = "json"\n' > /config/config.toml
VOLUME ["/data"]

USER bot
WORKDIR /data

# Lightweight: the config loads and the database opens, is migrated and passes SQLite's quick check
# (the full integrity check reads every index: tens of seconds on a database of gigabytes).
# No Discord call, so a Discord outage does not get the container restarted in a loop.
HEALTHCHECK --interval=60s --timeout=20s --start-period=30s --retries=3 \
  CMD ["python", "-m", "bot", "doctor", "--offline", "--quick", "--config", "/config/config.toml"]

ENTRYPOINT ["python", "-m", "bot"]
CMD ["run", "--config", "/config/config.toml"]
