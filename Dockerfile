# ot-outreach: one image for `otbot serve` (web, scheduler, dispatcher) and `otbot worker`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OTBOT_DATABASE_URL=sqlite:////data/otbot.db \
    OTBOT_TIMEZONE=Europe/Oslo

RUN groupadd --system otbot && useradd --system --gid otbot --home-dir /app --shell /usr/sbin/nologin otbot

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY adapters ./adapters
COPY storage ./storage
COPY examples ./examples
RUN pip install . && mkdir -p /data && chown otbot:otbot /data

USER otbot
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)" || exit 1
CMD ["otbot", "serve"]
