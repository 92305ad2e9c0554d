"""The adviser inbox: advisers' roles, password hashes and away flag; who acknowledged an alert; notes on youth.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("adviser") as batch:
        batch.add_column(sa.Column("role", sa.String(length=10), nullable=False, server_default="adviser"))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("away", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("last_login_at", sa.DateTime(), nullable=True))
        batch.create_check_constraint("role", "role IN ('adviser', 'lead', 'admin')")
    with op.batch_alter_table("adviser") as batch:
        batch.alter_column("role", server_default=None)
        batch.alter_column("away", server_default=None)

    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("acknowledged_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_alert_acknowledged_by_adviser"), "adviser", ["acknowledged_by"], ["id"])

    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("adviser_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["county.id"], name=op.f("fk_note_county_id_county")),
        sa.ForeignKeyConstraint(["youth_id", "county_id"], ["youth.id", "youth.county_id"],
                                name="fk_note_youth_id_youth"),
        sa.ForeignKeyConstraint(["adviser_id"], ["adviser.id"], name=op.f("fk_note_adviser_id_adviser")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note")),
    )
    with op.batch_alter_table("note") as batch:
        batch.create_index(batch.f("ix_note_county_id"), ["county_id"], unique=False)
        batch.create_index(batch.f("ix_note_youth_id"), ["youth_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("note") as batch:
        batch.drop_index(batch.f("ix_note_youth_id"))
        batch.drop_index(batch.f("ix_note_county_id"))
    op.drop_table("note")
    with op.batch_alter_table("alert") as batch:
        batch.drop_constraint(op.f("fk_alert_acknowledged_by_adviser"), type_="foreignkey")
        batch.drop_column("acknowledged_by")
    with op.batch_alter_table("adviser") as batch:
        batch.drop_constraint(op.f("ck_adviser_role"), type_="check")
        for column in ("last_login_at", "away", "password_hash", "role"):
            batch.drop_column(column)
