# ot-outreach: the `otbot` command in an image, installed from requirements.lock.
# Today its default command is `otbot demo`: it imports the example roster into the SQLite database in the /data
# volume, prints the summary and exits 0. Any other `otbot` command can be given instead (README: Docker).
# `otbot serve` and a health check arrive with the web issue. Not built in CI (no Docker engine there).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OTBOT_DATABASE_URL=sqlite:////data/otbot.db \
    OTBOT_TIMEZONE=Europe/Oslo

RUN groupadd --system otbot && useradd --system --gid otbot --home-dir /app --shell /usr/sbin/nologin otbot

WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY bot ./bot
COPY flows ./flows
COPY adapters ./adapters
COPY storage ./storage
# `otbot demo` reads examples/roster.csv from the working directory (/app).
COPY examples ./examples
# The lock pins every dependency (it is a constraints file, so extras the image does not install are ignored).
RUN pip install -c requirements.lock . && mkdir -p /data && chown otbot:otbot /data

USER otbot
VOLUME ["/data"]
CMD ["otbot", "demo"]
