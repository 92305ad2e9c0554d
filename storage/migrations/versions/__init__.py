"""Alembic revisions of the otbot schema, shipped with the package."""
