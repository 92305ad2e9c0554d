"""The channels' tables: delivery reports as received, one-time chat links used, the service's own secrets.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNELS = "'sms', 'telegram', 'webchat', 'email', 'console'"
STATUSES = "'received', 'queued', 'sent', 'delivered', 'failed'"


def upgrade() -> None:
    op.create_table(
        "deliveryreport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("provider_account", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider_status", sa.String(length=40), nullable=False),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveryreport")),
        sa.UniqueConstraint("channel", "provider_account", "provider_id", "status",
                            name="uq_deliveryreport_message_status"),
        sa.CheckConstraint(f"channel IN ({CHANNELS})", name=op.f("ck_deliveryreport_channel")),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_deliveryreport_status")),
    )
    with op.batch_alter_table("deliveryreport") as batch:
        batch.create_index("ix_deliveryreport_pending", ["applied_at"], unique=False)

    op.create_table(
        "chatbinding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("contact_point_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["county.id"], name=op.f("fk_chatbinding_county_id_county")),
        sa.ForeignKeyConstraint(["youth_id", "county_id"], ["youth.id", "youth.county_id"],
                                name="fk_chatbinding_youth_id_youth"),
        sa.ForeignKeyConstraint(["contact_point_id"], ["contactpoint.id"],
                                name=op.f("fk_chatbinding_contact_point_id_contactpoint")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatbinding")),
        sa.UniqueConstraint("token_id", name=op.f("uq_chatbinding_token_id")),
        sa.CheckConstraint(f"channel IN ({CHANNELS})", name=op.f("ck_chatbinding_channel")),
    )
    with op.batch_alter_table("chatbinding") as batch:
        batch.create_index(batch.f("ix_chatbinding_county_id"), ["county_id"], unique=False)
        batch.create_index(batch.f("ix_chatbinding_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "sitesecret",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sitesecret")),
    )


def downgrade() -> None:
    op.drop_table("sitesecret")
    with op.batch_alter_table("chatbinding") as batch:
        batch.drop_index(batch.f("ix_chatbinding_youth_id"))
        batch.drop_index(batch.f("ix_chatbinding_county_id"))
    op.drop_table("chatbinding")
    with op.batch_alter_table("deliveryreport") as batch:
        batch.drop_index("ix_deliveryreport_pending")
    op.drop_table("deliveryreport")
