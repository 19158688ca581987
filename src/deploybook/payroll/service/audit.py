"""The audit log: appended in the caller's transaction, hash-chained, and verifiable.

From database revision 0004 every entry carries the SHA-256 of the previous entry's hash
and of its own fields (id, time, actor, action, entity, detail), and the ``audit_head`` row
holds the newest entry and its hash. A writer locks the head first, so entries chain one
after another, and :func:`verify_audit` recomputes the chain: an entry changed, removed,
reordered or inserted after the fact, or newest entries deleted, breaks it at a named
entry. On an older revision (the rollout's engine 1.0 schema) entries are written unchained;
the upgrade to 0004 chains every entry there is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from deploybook.payroll.service.schema import audit_head, audit_log
from deploybook.payroll.service.store import now, table_columns

GENESIS = "0" * 64  # the "previous hash" of the first entry
_ID_WIDTH = 40


def entry_hash(previous: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 of the previous entry's hash and this entry's fields."""
    at = entry["at"] if entry["at"].tzinfo else entry["at"].replace(tzinfo=UTC)
    fields = [entry["id"], at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f"), entry["actor"],
              entry["action"], entry["entity"], entry["entity_id"], entry["detail"]]  # fmt: skip
    text = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def audit_entry(
    actor: str, action: str, entity: str, entity_id: object, **detail: Any
) -> dict[str, Any]:
    """One audit entry, ready to append (an ``entity_id`` longer than its column, such as a
    list of user names, is shortened; ``detail`` is kept whole, as JSON).
    """
    ident = str(entity_id)
    return {
        "at": now(),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": ident if len(ident) <= _ID_WIDTH else ident[: _ID_WIDTH - 1] + "…",
        "detail": json.dumps(detail, sort_keys=True, default=str),
    }


def append_audit(conn: Connection, entries: Iterable[Mapping[str, Any]]) -> None:
    """Append entries to the audit log in the caller's transaction, chained if the schema has
    the chain (the head row is locked until the transaction ends).
    """
    rows = [dict(e) for e in entries]
    if not rows:
        return
    if "row_hash" not in table_columns(conn, "audit_log"):
        conn.execute(insert(audit_log), rows)
        return
    conn.execute(  # an UPDATE takes SQLite's write lock; FOR UPDATE locks PostgreSQL's row
        update(audit_head).where(audit_head.c.id == 1).values(last_id=audit_head.c.last_id)
    )
    head = conn.execute(select(audit_head).where(audit_head.c.id == 1).with_for_update()).one()
    ids = conn.scalars(
        insert(audit_log).returning(audit_log.c.id, sort_by_parameter_order=True),
        [r | {"previous_hash": None, "row_hash": None} for r in rows],
    ).all()
    previous, chained = head.last_hash, []
    for row_id, row in zip(ids, rows, strict=True):
        digest = entry_hash(previous, row | {"id": row_id})
        chained.append({"b_id": row_id, "b_previous": previous, "b_hash": digest})
        previous = digest
    conn.execute(
        update(audit_log)
        .where(audit_log.c.id == bindparam("b_id"))
        .values(previous_hash=bindparam("b_previous"), row_hash=bindparam("b_hash")),
        chained,
    )
    conn.execute(
        update(audit_head).where(audit_head.c.id == 1).values(last_id=ids[-1], last_hash=previous)
    )


def write_audit(
    conn: Connection, actor: str, action: str, entity: str, entity_id: object, **detail: Any
) -> None:
    """Append one entry to the audit log, in the caller's transaction."""
    append_audit(conn, [audit_entry(actor, action, entity, entity_id, **detail)])


def read_audit(conn: Connection, *, entity: str | None = None) -> list[dict[str, Any]]:
    """The audit log, oldest first, optionally for one kind of entity (without the hashes)."""
    columns = [audit_log.c[c] for c in ("id", "at", "actor", "action", "entity", "entity_id",
                                        "detail")]  # fmt: skip
    query = select(*columns).order_by(audit_log.c.id)
    if entity:
        query = query.where(audit_log.c.entity == entity)
    return [dict(row._mapping) | {"detail": json.loads(row.detail)} for row in conn.execute(query)]


@dataclass(frozen=True)
class AuditVerification:
    """What :func:`verify_audit` found: how many entries it checked and the first break."""

    entries: int
    broken_at: int | None  # the id of the first entry that does not verify
    problem: str | None

    @property
    def intact(self) -> bool:
        """Whether every entry and the head verify."""
        return self.problem is None


def verify_audit(conn: Connection) -> AuditVerification:
    """Recompute the audit log's hash chain and compare it with what is stored."""
    if "row_hash" not in table_columns(conn, "audit_log"):
        return AuditVerification(0, None, "this database revision has no hash chain (before 0004)")
    previous, count, last_id = GENESIS, 0, 0
    for row in conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings():
        count += 1
        if row["previous_hash"] != previous:
            return AuditVerification(
                count, row["id"],
                f"entry {row['id']} does not follow the entry before it: an entry was removed, "
                "inserted or reordered",
            )  # fmt: skip
        if row["row_hash"] != entry_hash(previous, dict(row)):
            return AuditVerification(
                count, row["id"], f"entry {row['id']} was changed after it was written"
            )
        previous, last_id = row["row_hash"], row["id"]
    head = conn.execute(select(audit_head).where(audit_head.c.id == 1)).first()
    if head is None or (head.last_id, head.last_hash) != (last_id, previous):
        shown = f"entry {head.last_id}" if head else "no head row"
        return AuditVerification(
            count, None, f"the newest entries were removed: the head records {shown}, "
            f"the log ends at entry {last_id}",
        )  # fmt: skip
    return AuditVerification(count, None, None)


def audit_entries_since(
    conn: Connection, since: datetime, actions: Iterable[str]
) -> list[dict[str, Any]]:
    """The entries of the given actions written at or after ``since``, oldest first."""
    query = (
        select(audit_log.c.id, audit_log.c.at, audit_log.c.actor, audit_log.c.action,
               audit_log.c.entity_id, audit_log.c.detail)
        .where(audit_log.c.action.in_(list(actions)), audit_log.c.at >= since)
        .order_by(audit_log.c.id)
    )  # fmt: skip
    return [dict(row._mapping) | {"detail": json.loads(row.detail)} for row in conn.execute(query)]


def latest_entry(
    conn: Connection, action: str, entity: str, entity_id: object
) -> dict[str, Any] | None:
    """The newest entry of ``action`` about one entity (``None`` if there is none)."""
    row = conn.execute(
        select(audit_log.c.id, audit_log.c.at, audit_log.c.actor, audit_log.c.detail)
        .where(audit_log.c.action == action, audit_log.c.entity == entity,
               audit_log.c.entity_id == str(entity_id))
        .order_by(audit_log.c.id.desc())
        .limit(1)
    ).first()  # fmt: skip
    return None if row is None else dict(row._mapping) | {"detail": json.loads(row.detail)}
