# ot-outreach: the `otbot` command in an image, installed from requirements.lock.
# Its default command is `otbot serve`: the web service (/healthz today) with the scheduler (planner, dispatcher,
# daily job), every channel on the console (standard output) until the channels issue; the SQLite database lives
# in the /data volume. `otbot worker`, `otbot demo` or any other command can be given instead (README: Docker).
# Not built in CI (no Docker engine there).
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
# The lock pins every dependency (it is a constraints file, so extras the image does not install are ignored).
RUN pip install -c requirements.lock . && mkdir -p /data && chown otbot:otbot /data

USER otbot
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)" || exit 1
CMD ["otbot", "serve", "--host", "0.0.0.0", "--port", "8000"]
