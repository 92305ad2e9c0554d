"""The FastAPI application of `otbot serve`: the scheduler runs in its lifespan; webhooks and the inbox come later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from bot.scheduler import build_scheduler


def create_app(engine: Engine, *, scheduler: bool = True) -> FastAPI:
    from bot.settings import get_settings

    settings = get_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        jobs = build_scheduler(engine, public_url=settings.public_url, tz=settings.timezone,
                               rate_limits=settings.rate_limits) if scheduler else None
        if jobs is not None:
            jobs.start()
        try:
            yield
        finally:
            if jobs is not None:
                jobs.shutdown(wait=False)

    app = FastAPI(title="ot-outreach", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """200 when the database answers; 503 otherwise (for load balancers and the image's health check)."""
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return app
