"""Ground for messaging: one guardian per person linked to each child, typed states with CHECK constraints,
an inbound dedupe key per provider account, county consistency by composite foreign keys, explicit
status-change states, and contact points unique per owner.

Written by hand: Alembic's autogenerate sees neither CHECK constraints nor the data that has to move.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The members of storage.enums as they are at this revision (a revision never imports the models).
CHANNELS = ("sms", "telegram", "webchat", "email", "console")
CHECKS: dict[str, dict[str, str]] = {
    "youth": {"language": "language IN ('nb', 'nn', 'en')"},
    "contactpoint": {
        "channel": "channel IN ('sms', 'telegram', 'webchat', 'email', 'console')",
        "retired_reason": "retired_reason IN ('youth_adult')",
        "one_owner": "(youth_id IS NULL) != (guardian_id IS NULL)",
        "retired_has_reason": "(retired_at IS NULL) = (retired_reason IS NULL)",
    },
    "message": {
        "direction": "direction IN ('in', 'out')",
        "channel": "channel IN ('sms', 'telegram', 'webchat', 'email', 'console')",
        "delivery_status": "delivery_status IN ('received', 'queued', 'sent', 'delivered', 'failed')",
    },
    "outbox": {
        "channel": "channel IN ('sms', 'telegram', 'webchat', 'email', 'console')",
        "state": "state IN ('pending', 'claimed', 'sent', 'failed', 'uncertain', 'cancelled')",
    },
    "statuschange": {
        "actor_kind": "actor_kind IN ('import', 'bot', 'adviser', 'export', 'system')",
        "state": "state IN ('applied', 'proposed', 'confirmed', 'rejected', 'superseded')",
        "decided": "(state IN ('confirmed', 'rejected', 'superseded')) = "
        "(decided_at IS NOT NULL AND decided_by IS NOT NULL)",
    },
    "alert": {
        "kind": "kind IN ('urgent', 'help', 'wrong_number', 'opt_out', 'guardian_info', 'unread', 'no_reply', "
        "'no_channel', 'uncertain')",
    },
    "accesslog": {"actor_kind": "actor_kind IN ('import', 'bot', 'adviser', 'export', 'system')"},
    "youthguardian": {
        "position": "position IN (0, 1, 2)",
        "ended_has_no_position": "(position = 0) = (ended_at IS NOT NULL)",
        "ended_reason": "ended_reason IN ('replaced', 'youth_adult')",
    },
}
# Tables whose youth_id gets the composite (youth_id, county_id) foreign key.
YOUTH_ROWS = ("contactpoint", "message", "outbox", "statuschange", "alert", "accesslog")
ACTOR_KIND = (
    "CASE WHEN actor = 'import' THEN 'import' WHEN actor = 'bot' THEN 'bot' WHEN actor = 'export' THEN 'export' "
    "WHEN actor LIKE 'adviser%' THEN 'adviser' ELSE 'system' END"
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _add_checks(batch: object, table: str) -> None:
    for name, condition in CHECKS[table].items():
        batch.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)  # type: ignore[attr-defined]


def _drop_checks(batch: object, table: str) -> None:
    for name in CHECKS[table]:
        batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")  # type: ignore[attr-defined]


def upgrade() -> None:
    bind = op.get_bind()

    with op.batch_alter_table("youth") as batch:
        batch.create_unique_constraint("uq_youth_id_county", ["id", "county_id"])
        _add_checks(batch, "youth")
    with op.batch_alter_table("guardian") as batch:
        batch.create_unique_constraint("uq_guardian_id_county", ["id", "county_id"])

    # Guardians: from one row per (youth, position) to one row per person with links.
    op.create_table(
        "youthguardian",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["county_id"], ["county.id"], name=op.f("fk_youthguardian_county_id_county")),
        sa.ForeignKeyConstraint(["youth_id", "county_id"], ["youth.id", "youth.county_id"],
                                name="fk_youthguardian_youth_id_youth"),
        sa.ForeignKeyConstraint(["guardian_id", "county_id"], ["guardian.id", "guardian.county_id"],
                                name="fk_youthguardian_guardian_id_guardian"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_youthguardian")),
        sa.UniqueConstraint("youth_id", "guardian_id", name="uq_youthguardian_youth_guardian"),
        *(sa.CheckConstraint(condition, name=op.f(f"ck_youthguardian_{name}"))
          for name, condition in CHECKS["youthguardian"].items()),
    )
    with op.batch_alter_table("youthguardian") as batch:
        batch.create_index(batch.f("ix_youthguardian_county_id"), ["county_id"], unique=False)
        batch.create_index(batch.f("ix_youthguardian_guardian_id"), ["guardian_id"], unique=False)
        batch.create_index(batch.f("ix_youthguardian_youth_id"), ["youth_id"], unique=False)
    now = _now()
    bind.execute(
        sa.text(
            "INSERT INTO youthguardian (county_id, youth_id, guardian_id, position, created_at, ended_at, ended_reason) "
            "SELECT county_id, youth_id, id, position, created_at, "
            "CASE WHEN position = 0 THEN :now END, CASE WHEN position = 0 THEN 'replaced' END FROM guardian"
        ),
        {"now": now},
    )

    # Contact points: owned by a youth or by a guardian; the simple foreign keys give way to composite ones.
    with op.batch_alter_table("contactpoint") as batch:
        batch.drop_constraint("fk_contactpoint_youth_id_youth", type_="foreignkey")
        batch.drop_constraint("fk_contactpoint_guardian_id_guardian", type_="foreignkey")
        batch.alter_column("youth_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("retired_reason", sa.String(length=20), nullable=True))
    bind.execute(sa.text("UPDATE contactpoint SET youth_id = NULL WHERE guardian_id IS NOT NULL"))
    _merge_guardians_sharing_a_number(bind)

    with op.batch_alter_table("guardian") as batch:
        batch.drop_index("ix_guardian_youth_id")
        batch.drop_constraint("fk_guardian_youth_id_youth", type_="foreignkey")
        batch.drop_column("youth_id")
        batch.drop_column("position")

    with op.batch_alter_table("contactpoint") as batch:
        batch.create_foreign_key("fk_contactpoint_youth_id_youth", "youth", ["youth_id", "county_id"],
                                 ["id", "county_id"])
        batch.create_foreign_key("fk_contactpoint_guardian_id_guardian", "guardian", ["guardian_id", "county_id"],
                                 ["id", "county_id"])
        batch.create_unique_constraint("uq_contactpoint_youth_address", ["channel", "address", "youth_id"])
        batch.create_unique_constraint("uq_contactpoint_guardian_address", ["channel", "address", "guardian_id"])
        _add_checks(batch, "contactpoint")

    # Messages: unique per (channel, provider account, provider id).
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("provider_account", sa.String(length=64), server_default="", nullable=False))
        batch.drop_constraint("uq_message_channel_provider", type_="unique")
        batch.create_unique_constraint("uq_message_channel_account_provider",
                                       ["channel", "provider_account", "provider_id"])
        _add_checks(batch, "message")

    with op.batch_alter_table("outbox") as batch:
        _add_checks(batch, "outbox")

    # Status changes: an explicit state instead of `applied` + `decided_at`, and the actor's kind.
    with op.batch_alter_table("statuschange") as batch:
        batch.add_column(sa.Column("state", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("actor_kind", sa.String(length=20), nullable=True))
    bind.execute(sa.text(
        "UPDATE statuschange SET state = CASE "
        "WHEN applied AND decided_at IS NULL THEN 'applied' WHEN applied THEN 'confirmed' "
        "WHEN decided_at IS NULL THEN 'proposed' ELSE 'rejected' END, "
        f"actor_kind = {ACTOR_KIND}"
    ))
    with op.batch_alter_table("statuschange") as batch:
        batch.alter_column("state", existing_type=sa.String(length=20), nullable=False)
        batch.alter_column("actor_kind", existing_type=sa.String(length=20), nullable=False)
        batch.drop_column("applied")
        batch.create_index(batch.f("ix_statuschange_state"), ["state"], unique=False)
        _add_checks(batch, "statuschange")

    with op.batch_alter_table("alert") as batch:
        _add_checks(batch, "alert")

    with op.batch_alter_table("accesslog") as batch:
        batch.add_column(sa.Column("actor_kind", sa.String(length=20), nullable=True))
    bind.execute(sa.text(f"UPDATE accesslog SET actor_kind = {ACTOR_KIND}"))
    with op.batch_alter_table("accesslog") as batch:
        batch.alter_column("actor_kind", existing_type=sa.String(length=20), nullable=False)
        _add_checks(batch, "accesslog")

    # County consistency: a row about a youth carries that youth's county, enforced by the database.
    for table in YOUTH_ROWS:
        if table == "contactpoint":
            continue
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_youth_id_youth", type_="foreignkey")
            batch.create_foreign_key(f"fk_{table}_youth_id_youth", "youth", ["youth_id", "county_id"],
                                     ["id", "county_id"])


def _merge_guardians_sharing_a_number(bind: sa.Connection) -> None:
    """0001 stored a parent of siblings once per child; one number (not flagged wrong) is one person."""
    rows = bind.execute(sa.text(
        "SELECT county_id, channel, address, guardian_id FROM contactpoint "
        "WHERE guardian_id IS NOT NULL AND NOT wrong_number ORDER BY guardian_id"
    )).all()
    parent: dict[int, int] = {}

    def find(g: int) -> int:
        while parent.get(g, g) != g:
            g = parent[g]
        return g

    first: dict[tuple[int, str, str], int] = {}
    for county_id, channel, address, guardian_id in rows:
        key = (county_id, channel, address)
        if key in first:
            a, b = find(first[key]), find(guardian_id)
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            first[key] = guardian_id
    for merged in sorted(parent):
        keep = find(merged)
        for youth_id in bind.execute(sa.text("SELECT youth_id FROM youthguardian WHERE guardian_id = :g"),
                                     {"g": merged}).scalars().all():
            both = bind.execute(sa.text("SELECT id FROM youthguardian WHERE guardian_id = :k AND youth_id = :y"),
                                {"k": keep, "y": youth_id}).first()
            if both is not None:  # the same person twice for one youth: one link is enough
                bind.execute(sa.text("DELETE FROM youthguardian WHERE guardian_id = :g AND youth_id = :y"),
                             {"g": merged, "y": youth_id})
        bind.execute(sa.text("UPDATE youthguardian SET guardian_id = :k WHERE guardian_id = :g"),
                     {"k": keep, "g": merged})
        for table in ("message", "outbox"):
            bind.execute(sa.text(f"UPDATE {table} SET guardian_id = :k WHERE guardian_id = :g"),
                         {"k": keep, "g": merged})
        # The merged person's points: one per address; references move to the point that stays.
        for point_id, channel, address in bind.execute(sa.text(
            "SELECT id, channel, address FROM contactpoint WHERE guardian_id = :g"), {"g": merged}).all():
            kept = bind.execute(sa.text(
                "SELECT id FROM contactpoint WHERE guardian_id = :k AND channel = :c AND address = :a"),
                {"k": keep, "c": channel, "a": address}).scalar()
            if kept is None:
                bind.execute(sa.text("UPDATE contactpoint SET guardian_id = :k WHERE id = :p"),
                             {"k": keep, "p": point_id})
                continue
            for table in ("message", "outbox"):
                bind.execute(sa.text(f"UPDATE {table} SET contact_point_id = :kept WHERE contact_point_id = :p"),
                             {"kept": kept, "p": point_id})
            bind.execute(sa.text("DELETE FROM contactpoint WHERE id = :p"), {"p": point_id})
        bind.execute(sa.text("DELETE FROM guardian WHERE id = :g"), {"g": merged})


def downgrade() -> None:
    bind = op.get_bind()
    for table in YOUTH_ROWS:
        if table == "contactpoint":
            continue
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_youth_id_youth", type_="foreignkey")
            batch.create_foreign_key(f"fk_{table}_youth_id_youth", "youth", ["youth_id"], ["id"])

    with op.batch_alter_table("accesslog") as batch:
        _drop_checks(batch, "accesslog")
        batch.drop_column("actor_kind")
    with op.batch_alter_table("alert") as batch:
        _drop_checks(batch, "alert")

    with op.batch_alter_table("statuschange") as batch:
        _drop_checks(batch, "statuschange")
        batch.drop_index(batch.f("ix_statuschange_state"))
        batch.add_column(sa.Column("applied", sa.Boolean(), nullable=True))
    bind.execute(sa.text(
        "UPDATE statuschange SET applied = (state IN ('applied', 'confirmed')), "
        "decided_at = CASE WHEN state = 'superseded' THEN NULL ELSE decided_at END, "
        "decided_by = CASE WHEN state = 'superseded' THEN NULL ELSE decided_by END"
    ))
    with op.batch_alter_table("statuschange") as batch:
        batch.alter_column("applied", existing_type=sa.Boolean(), nullable=False)
        batch.drop_column("state")
        batch.drop_column("actor_kind")

    with op.batch_alter_table("outbox") as batch:
        _drop_checks(batch, "outbox")

    with op.batch_alter_table("message") as batch:
        _drop_checks(batch, "message")
        batch.drop_constraint("uq_message_channel_account_provider", type_="unique")
        batch.create_unique_constraint("uq_message_channel_provider", ["channel", "provider_id"])
        batch.drop_column("provider_account")

    with op.batch_alter_table("contactpoint") as batch:
        _drop_checks(batch, "contactpoint")
        batch.drop_constraint("uq_contactpoint_youth_address", type_="unique")
        batch.drop_constraint("uq_contactpoint_guardian_address", type_="unique")
        batch.drop_constraint("fk_contactpoint_youth_id_youth", type_="foreignkey")
        batch.drop_constraint("fk_contactpoint_guardian_id_guardian", type_="foreignkey")

    # Back to one guardian row per (youth, position): a person with several children is copied per child.
    with op.batch_alter_table("guardian") as batch:
        batch.add_column(sa.Column("youth_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("position", sa.Integer(), nullable=True))
    links = bind.execute(sa.text(
        "SELECT guardian_id, youth_id, position FROM youthguardian ORDER BY guardian_id, position DESC, id"
    )).all()
    placed: set[int] = set()
    for guardian_id, youth_id, position in links:
        if guardian_id not in placed:
            placed.add(guardian_id)
            bind.execute(sa.text("UPDATE guardian SET youth_id = :y, position = :p WHERE id = :g"),
                         {"y": youth_id, "p": position, "g": guardian_id})
            continue
        county_id, name, created_at = bind.execute(
            sa.text("SELECT county_id, name, created_at FROM guardian WHERE id = :g"), {"g": guardian_id}).one()
        copy = bind.execute(sa.text(
            "INSERT INTO guardian (county_id, name, created_at, youth_id, position) "
            "VALUES (:c, :n, :t, :y, :p) RETURNING id"),
            {"c": county_id, "n": name, "t": created_at, "y": youth_id, "p": position}).scalar_one()
        bind.execute(sa.text(
            "INSERT INTO contactpoint (county_id, youth_id, guardian_id, channel, address, verified, wrong_number, "
            "opted_out, opted_out_at, retired_at, retired_reason, created_at) "
            "SELECT county_id, NULL, :copy, channel, address, verified, wrong_number, opted_out, opted_out_at, "
            "retired_at, retired_reason, created_at FROM contactpoint WHERE guardian_id = :g"),
            {"copy": copy, "g": guardian_id})
    op.drop_table("youthguardian")
    # A guardian who guarded nobody any more (0002 keeps such rows for their threads) has no youth in 0001.
    orphans = bind.execute(sa.text("SELECT id FROM guardian WHERE youth_id IS NULL")).scalars().all()
    if orphans:
        raise RuntimeError(
            f"cannot downgrade: {len(orphans)} guardian(s) are linked to no youth; 0001 has no place for them"
        )
    bind.execute(sa.text(
        "UPDATE contactpoint SET youth_id = (SELECT youth_id FROM guardian WHERE guardian.id = contactpoint.guardian_id) "
        "WHERE guardian_id IS NOT NULL"
    ))
    with op.batch_alter_table("guardian") as batch:
        batch.alter_column("youth_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("position", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("uq_guardian_id_county", type_="unique")
        batch.create_foreign_key("fk_guardian_youth_id_youth", "youth", ["youth_id"], ["id"])
        batch.create_index("ix_guardian_youth_id", ["youth_id"], unique=False)
    with op.batch_alter_table("contactpoint") as batch:
        batch.alter_column("youth_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("retired_at")
        batch.drop_column("retired_reason")
        batch.create_foreign_key("fk_contactpoint_youth_id_youth", "youth", ["youth_id"], ["id"])
        batch.create_foreign_key("fk_contactpoint_guardian_id_guardian", "guardian", ["guardian_id"], ["id"])
    with op.batch_alter_table("youth") as batch:
        _drop_checks(batch, "youth")
        batch.drop_constraint("uq_youth_id_county", type_="unique")
