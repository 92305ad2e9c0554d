"""The engine's tables: enrolments in flows, the adviser's hold on a conversation, outbox leases, conversation state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = "'nb', 'nn', 'en'"


def upgrade() -> None:
    op.create_table(
        "enrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=80), nullable=False),
        sa.Column("cycle", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("stop_reason", sa.String(length=30), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["county.id"], name=op.f("fk_enrolment_county_id_county")),
        sa.ForeignKeyConstraint(["youth_id", "county_id"], ["youth.id", "youth.county_id"],
                                name="fk_enrolment_youth_id_youth"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment")),
        sa.UniqueConstraint("youth_id", "flow", "cycle", name="uq_enrolment_youth_flow_cycle"),
        sa.CheckConstraint("state IN ('active', 'stopped', 'completed')", name=op.f("ck_enrolment_state")),
        sa.CheckConstraint(
            "stop_reason IN ('contact_established', 'opted_out', 'wrong_number', 'adviser_hold', 'code_changed', "
            "'left_target_group', 'youth_adult', 'no_channel', 'adviser')", name=op.f("ck_enrolment_stop_reason")),
        sa.CheckConstraint("(state = 'stopped') = (stop_reason IS NOT NULL)", name=op.f("ck_enrolment_stopped_has_reason")),
        sa.CheckConstraint("(state = 'active') = (stopped_at IS NULL)", name=op.f("ck_enrolment_ended_has_time")),
    )
    with op.batch_alter_table("enrolment") as batch:
        batch.create_index(batch.f("ix_enrolment_county_id"), ["county_id"], unique=False)
        batch.create_index(batch.f("ix_enrolment_state"), ["state"], unique=False)
        batch.create_index(batch.f("ix_enrolment_youth_id"), ["youth_id"], unique=False)

    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=True),
        sa.Column("contact_point_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=30), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["county.id"], name=op.f("fk_conversation_county_id_county")),
        sa.ForeignKeyConstraint(["youth_id", "county_id"], ["youth.id", "youth.county_id"],
                                name="fk_conversation_youth_id_youth"),
        sa.ForeignKeyConstraint(["contact_point_id"], ["contactpoint.id"],
                                name=op.f("fk_conversation_contact_point_id_contactpoint")),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"], name=op.f("fk_conversation_message_id_message")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
        sa.UniqueConstraint("contact_point_id", name=op.f("uq_conversation_contact_point_id")),
        sa.CheckConstraint("question IN ('activity_choice', 'what_doing', 'which_child')",
                           name=op.f("ck_conversation_question")),
    )
    with op.batch_alter_table("conversation") as batch:
        batch.create_index(batch.f("ix_conversation_county_id"), ["county_id"], unique=False)
        batch.create_index(batch.f("ix_conversation_youth_id"), ["youth_id"], unique=False)

    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("key", sa.String(length=200), nullable=True))
        batch.create_unique_constraint(op.f("uq_alert_key"), ["key"])

    with op.batch_alter_table("youth") as batch:
        batch.add_column(sa.Column("held_by_adviser_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("held_since", sa.DateTime(), nullable=True))
        batch.create_foreign_key("fk_youth_held_by_adviser_id_adviser", "adviser", ["held_by_adviser_id"], ["id"])
        batch.create_check_constraint(op.f("ck_youth_hold_has_time"),
                                      "(held_by_adviser_id IS NULL) = (held_since IS NULL)")

    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("enrolment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("audience", sa.String(length=10), server_default="youth", nullable=False))
        batch.add_column(sa.Column("template", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("urgent", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
    # Rows claimed before leases existed: their fate is unknown (see the dispatcher), never resent blindly.
    op.execute("UPDATE outbox SET next_attempt_at = due_at, "
               "state = CASE WHEN state = 'claimed' THEN 'uncertain' ELSE state END")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("next_attempt_at", existing_type=sa.DateTime(), nullable=False)
        batch.alter_column("audience", existing_type=sa.String(length=10), server_default=None)
        batch.alter_column("urgent", existing_type=sa.Boolean(), server_default=None)
        batch.drop_index("ix_outbox_state_due_at")
        batch.create_index("ix_outbox_state_next_attempt_at", ["state", "next_attempt_at"], unique=False)
        batch.create_index(batch.f("ix_outbox_enrolment_id"), ["enrolment_id"], unique=False)
        batch.create_foreign_key("fk_outbox_enrolment_id_enrolment", "enrolment", ["enrolment_id"], ["id"])
        batch.create_check_constraint(op.f("ck_outbox_audience"), "audience IN ('youth', 'guardian')")
        batch.create_check_constraint(op.f("ck_outbox_language"), f"language IN ({LANGUAGES})")
        batch.create_check_constraint(
            op.f("ck_outbox_claim_has_lease"),
            "(state = 'claimed') = (claimed_by IS NOT NULL AND lease_until IS NOT NULL)")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_claim_has_lease"), type_="check")
        batch.drop_constraint(op.f("ck_outbox_language"), type_="check")
        batch.drop_constraint(op.f("ck_outbox_audience"), type_="check")
        batch.drop_constraint("fk_outbox_enrolment_id_enrolment", type_="foreignkey")
        batch.drop_index(batch.f("ix_outbox_enrolment_id"))
        batch.drop_index("ix_outbox_state_next_attempt_at")
        batch.create_index("ix_outbox_state_due_at", ["state", "due_at"], unique=False)
        for column in ("lease_until", "claimed_by", "next_attempt_at", "urgent", "language", "template", "audience",
                       "enrolment_id"):
            batch.drop_column(column)
    with op.batch_alter_table("youth") as batch:
        batch.drop_constraint(op.f("ck_youth_hold_has_time"), type_="check")
        batch.drop_constraint("fk_youth_held_by_adviser_id_adviser", type_="foreignkey")
        batch.drop_column("held_since")
        batch.drop_column("held_by_adviser_id")
    with op.batch_alter_table("alert") as batch:
        batch.drop_constraint(op.f("uq_alert_key"), type_="unique")
        batch.drop_column("key")
    op.drop_table("conversation")
    op.drop_table("enrolment")
