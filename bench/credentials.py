"""Issuing credentials at city scale: every credential owed on the bench data (one per valid
course completion; the scale generator writes completions, never credentials) issued by
`app.credentials.issuing.issue_credentials` on an AsyncSession of the app's engine, against
the ceiling: the same number of credentials produced the cheapest honest way, on a bare
asyncpg connection: the same reads (the pending completions, `nextval` positions, the course
facts; `_PENDING`, `_POSITIONS` and `_COURSES` compiled by SQLAlchemy's asyncpg dialect), the
same documents (`documents.credential`) signed with the same key (`signing.sign`, PyJWT
EdDSA), then one binary `copy_records_to_table` into `credentials`, same columns.

The app run is split: the time spent in `documents.credential` and `signing.sign` (wrapped
with a timer), the time between SQLAlchemy's before/after cursor events per statement (the
driver and PostgreSQL), and the rest (SQLAlchemy's parameter processing of N rows x 14
columns, JSON of every document for `jsonb`, the ORM insert, the loop itself).

Every repetition, on either side, runs in one transaction that is rolled back (the
`credentials` table refuses DELETE; a rollback leaves the data set as it was for the next run
and the other benchmarks). The table is vacuumed before each run (untimed), so a run does not
wade through the dead rows the previous one left. The app and the ceiling take turns.
With `--scoped`, also timed (app side only, as a third turn): the call exactly as closing a
term makes it, scoped to the latest term's workshops (`workshop_ids=[...]`). Off by default:
at the standard size its pending SELECT did not finish (BENCHMARKS.md, section 8).

The signing key lives in `<state_dir>/issuer_signing_key.pem`: unless LMS_STATE_DIR is set
(the test suite sets its own), the bench uses a temporary state directory, removed at the end.

    python -m bench.credentials [--repetitions 3] [--scoped]
"""

import argparse
import contextlib
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from app.seeds.scale.timetable import MARKER
from bench.common import bench_db, fetch, prepare, print_table, run, save_result

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
# Issuing a term's credentials is a batch job: the API's statement timeout does not apply.
_NO_TIMEOUT = "SET LOCAL statement_timeout = 0"
COLUMNS = (
    "id",
    "course_completion_id",
    "student_id",
    "course_id",
    "school_id",
    "term_id",
    "awarded_on",
    "issued_at",
    "valid_until",
    "kid",
    "status_list",
    "status_index",
    "document",
    "jwt",
)
# The credentials this run's transaction wrote.
_WRITTEN = "SELECT count(*) FROM credentials WHERE xmin = pg_current_xact_id()::xid"
# What one credential weighs (untimed, on the ceiling's rows): the JWT as sent, the columns
# as stored (compressed, in TOAST), and the table with its TOAST and indexes afterwards.
_STORED = f"""
SELECT round(avg(octet_length(jwt))) AS jwt_bytes,
       round(avg(pg_column_size(jwt))) AS jwt_stored_bytes,
       round(avg(pg_column_size(document))) AS document_stored_bytes,
       pg_total_relation_size('credentials') AS table_bytes
FROM credentials WHERE {_WRITTEN.split(" WHERE ", 1)[1]}
"""
# Statements of the app path, by a piece of their text, for the split of the SQL time.
_LABELS = (
    ("AS completion_id", "pending SELECT"),
    ("nextval", "nextval positions"),
    ("FROM courses c", "course facts"),
    ("INSERT INTO credentials", "INSERT credentials"),
    ("issuer_keys", "key registration"),
    ("UPDATE credentials", "revoke lapsed"),
    ("audit_events", "audit event"),
)


def bare(statement: Any, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """The statement's SQL with $n placeholders, as SQLAlchemy sends it to asyncpg, and its
    arguments in order."""
    compiled = statement.compile(dialect=_DIALECT)
    return str(compiled), [values[name] for name in compiled.positiontup or []]


@contextlib.contextmanager
def state_dir() -> Iterator[str]:
    """A temporary LMS_STATE_DIR (for the signing key) unless one is set already."""
    from app.config import get_settings

    if os.environ.get("LMS_STATE_DIR"):
        yield os.environ["LMS_STATE_DIR"]
        return
    path = tempfile.mkdtemp(prefix="lms-bench-state-")
    os.environ["LMS_STATE_DIR"] = path
    get_settings.cache_clear()
    try:
        yield path
    finally:
        del os.environ["LMS_STATE_DIR"]
        get_settings.cache_clear()
        shutil.rmtree(path, ignore_errors=True)


class Split:
    """Where the app's time goes: timers around two functions, and SQLAlchemy's cursor events
    around every statement sent."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.seconds: dict[str, float] = defaultdict(float)
        self.statements: dict[str, int] = defaultdict(int)

    def _timed(self, name: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - began

        return timed

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["bench_began"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        seconds = time.perf_counter() - conn.info.pop("bench_began")
        label = next((lab for key, lab in _LABELS if key in statement), "other SQL")
        self.seconds["sql: " + label] += seconds
        self.statements[label] += 1

    def __enter__(self) -> "Split":
        from app.credentials import documents, signing

        self._saved = (documents.credential, signing.sign)
        documents.credential = self._timed("python: documents.credential", documents.credential)
        signing.sign = self._timed("python: signing.sign (PyJWT EdDSA)", signing.sign)
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(self.engine.sync_engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        from app.credentials import documents, signing

        documents.credential, signing.sign = self._saved
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._before)
        event.remove(self.engine.sync_engine, "after_cursor_execute", self._after)


async def app_issue(engine, workshop_ids: list[int] | None) -> dict[str, Any]:
    """The app path: `issue_credentials` on an AsyncSession of the app's engine."""
    from app.core import access
    from app.credentials.issuing import issue_credentials

    async with AsyncSession(engine) as session:
        await session.execute(text(_NO_TIMEOUT))
        with Split(engine) as split:
            began = time.perf_counter()
            tally = await issue_credentials(
                session, principal=access.CLI_OPERATOR, workshop_ids=workshop_ids
            )
            seconds = time.perf_counter() - began
        written = await _written(session)
        await session.rollback()
    split.seconds["python: the rest"] = seconds - sum(split.seconds.values())
    return {
        "seconds": seconds,
        "issued": tally.issued,
        "written": written,
        "split_s": dict(split.seconds),
        "statements": dict(split.statements),
    }


async def _written(session: AsyncSession) -> int:
    """Credentials in the table (inside the run's transaction), checking one signature."""
    from app.credentials import keys, signing

    count = (await session.execute(text(_WRITTEN))).scalar_one()
    sample = (
        await session.execute(
            text("SELECT jwt, kid FROM credentials WHERE xmin = pg_current_xact_id()::xid LIMIT 1")
        )
    ).first()
    if sample is not None:
        public_jwk = (
            await session.execute(
                text("SELECT public_jwk FROM issuer_keys WHERE kid = :kid"), {"kid": sample.kid}
            )
        ).scalar_one()
        if signing.verify_signature(sample.jwt, keys.public_key_of(public_jwk)) is None:
            raise RuntimeError("a credential's signature does not verify")
    return count


async def ceiling_issue(dsn: str) -> dict[str, Any]:
    """The ceiling: the same reads, documents and signatures, then one binary COPY."""
    from app.config import get_settings
    from app.credentials import documents, keys, signing
    from app.credentials.issuing import (
        _COURSES,
        _PENDING,
        _POSITIONS,
        _facts,
        _scoped,
        issuer_of,
    )
    from app.models.credentials import STATUS_LIST_SIZE

    settings = get_settings()
    issuer = issuer_of(settings)
    split: dict[str, float] = {}
    conn = await asyncpg.connect(dsn, server_settings={"timezone": "UTC"})
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(_NO_TIMEOUT)
        began = time.perf_counter()
        pending = await conn.fetch(*_flat(bare(_scoped(_PENDING, None), {})))
        key = keys.load_signing_key(settings.state_dir)
        await conn.execute(
            "INSERT INTO issuer_keys (kid, algorithm, public_jwk) VALUES ($1, $2, $3::jsonb) "
            "ON CONFLICT (kid) DO NOTHING",
            key.kid,
            keys.ALGORITHM,
            json.dumps(key.jwk),
        )
        positions = await conn.fetch(*_flat(bare(_POSITIONS, {"n": len(pending)})))
        course_ids = sorted({p["course_id"] for p in pending})
        facts = {
            row["id"]: _facts(SimpleNamespace(**row))
            for row in await conn.fetch(*_flat(bare(_COURSES, {"ids": course_ids, "code": None})))
        }
        read = time.perf_counter()
        split["sql: reads"] = read - began
        achievements = {cid: documents.achievement(issuer, c) for cid, c in facts.items()}
        issued_at = datetime.now(UTC).replace(microsecond=0)
        valid_until = (
            issued_at + timedelta(days=settings.credential_valid_days)
            if settings.credential_valid_days
            else None
        )
        built = []
        for completion, (position,) in zip(pending, positions, strict=True):
            credential_id = uuid.uuid4()
            status_list, status_index = divmod(position, STATUS_LIST_SIZE)
            document = documents.credential(
                issuer,
                credential_id=str(credential_id),
                course_achievement=achievements[completion["course_id"]],
                learner_key=completion["learner_key"],
                awarded_on=completion["completed_on"],
                issued_at=issued_at,
                valid_until=valid_until,
                status_list=status_list,
                status_index=status_index,
            )
            built.append((completion, credential_id, status_list, status_index, document))
        documented = time.perf_counter()
        split["python: documents.credential"] = documented - read
        signatures = [signing.sign(b[4], key, base_url=issuer.base_url) for b in built]
        signed = time.perf_counter()
        split["python: signing.sign (PyJWT EdDSA)"] = signed - documented
        records = [
            (
                credential_id,
                c["completion_id"],
                c["student_id"],
                c["course_id"],
                c["school_id"],
                c["term_id"],
                c["completed_on"],
                issued_at,
                valid_until,
                key.kid,
                status_list,
                status_index,
                json.dumps(document),
                jwt,
            )
            for (c, credential_id, status_list, status_index, document), jwt in zip(
                built, signatures, strict=True
            )
        ]
        recorded = time.perf_counter()
        split["python: records (json for jsonb)"] = recorded - signed
        await conn.copy_records_to_table("credentials", records=records, columns=COLUMNS)
        seconds = time.perf_counter() - began
        split["sql: COPY"] = seconds - (recorded - began)
        written = await conn.fetchval(_WRITTEN)
        stored = dict(await conn.fetchrow(_STORED))
        await transaction.rollback()
    finally:
        await conn.close()
    return {
        "seconds": seconds,
        "issued": len(pending),
        "written": written,
        "split_s": split,
        "stored": stored,
    }


def _flat(compiled: tuple[str, list[Any]]) -> list[Any]:
    return [compiled[0], *compiled[1]]


async def latest_term_workshops(db) -> tuple[str, list[int]]:
    """The latest generated term and its closed workshops: what closing it passes on."""
    rows = await fetch(
        db,
        """
        SELECT t.academic_year || '-T' || t.term AS label,
               array_agg(w.id ORDER BY w.id) AS workshop_ids
        FROM academic_terms t JOIN workshops w ON w.term_id = t.id AND w.notes = $1
        WHERE w.status = 'completed'
        GROUP BY t.id ORDER BY t.starts_on DESC LIMIT 1
        """,
        MARKER,
    )
    if not rows:
        raise SystemExit("no closed scale term: generate the data first (bench.common)")
    return rows[0]["label"], list(rows[0]["workshop_ids"])


async def vacuum(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM (ANALYZE) credentials, issuer_keys")
    finally:
        await conn.close()


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = statistics.median(r["seconds"] for r in runs)
    issued = runs[0]["issued"]
    middle = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]
    return {
        "runs_s": [round(r["seconds"], 3) for r in runs],
        "median_s": round(seconds, 3),
        "issued": issued,
        "credentials_per_s": round(issued / seconds) if seconds > 0 else 0,
        # The split of the median run, so its parts add up to its seconds.
        "split_s": {k: round(v, 3) for k, v in middle["split_s"].items()},
        **({"statements": middle["statements"]} if "statements" in middle else {}),
        **({"stored": middle["stored"]} if "stored" in middle else {}),
    }


async def main(repetitions: int = 3, terms: int | None = None, scoped: bool = False) -> dict:
    with state_dir():
        return await _main(repetitions, terms, scoped)


async def _main(repetitions: int, terms: int | None, scoped: bool) -> dict[str, Any]:
    from app.config import get_settings
    from app.db import create_engine

    db = bench_db()
    await prepare(db, *([terms] if terms else []))
    term, workshop_ids = await latest_term_workshops(db)
    settings = get_settings().model_copy(update={"db_statement_timeout_ms": 60 * 60 * 1000})
    engine = create_engine(db.url, settings)
    runs: dict[str, list[dict[str, Any]]] = {"app": [], "ceiling": [], "app_scoped": []}
    try:
        # First, untimed: one ceiling run, so neither side pays for the first read from disk.
        await ceiling_issue(db.dsn)
        for n in range(repetitions):
            order = ["ceiling", "app"] if n % 2 == 0 else ["app", "ceiling"]
            for side in [*order, *(["app_scoped"] if scoped else [])]:
                await vacuum(db.dsn)
                if side == "ceiling":
                    runs[side].append(await ceiling_issue(db.dsn))
                else:
                    scope = workshop_ids if side == "app_scoped" else None
                    runs[side].append(await app_issue(engine, scope))
    finally:
        await engine.dispose()
    counts = {(r["issued"], r["written"]) for side in ("app", "ceiling") for r in runs[side]}
    if len(counts) != 1 or next(iter(counts))[0] != next(iter(counts))[1]:
        raise RuntimeError(f"the app and the ceiling issued different counts: {counts}")
    app, ceiling = _summary(runs["app"]), _summary(runs["ceiling"])
    if not app["issued"]:
        raise SystemExit("no course completions to issue credentials for")
    ratio = ceiling["median_s"] / app["median_s"] if app["median_s"] > 0 else 0.0
    result: dict[str, Any] = {
        "credentials": app["issued"],
        "repetitions": repetitions,
        "app": app,
        "ceiling": ceiling,
        "ratio": round(ratio, 3),
        "db": db.where,
        "targets_met": None,
    }
    rows = [
        _row("app: issue_credentials (all)", app),
        _row("ceiling: sign + COPY, asyncpg", ceiling),
    ]
    if scoped:
        result["app_scoped"] = {"term": term, "workshops": len(workshop_ids)} | _summary(
            runs["app_scoped"]
        )
        label = f"app: scoped to {term}'s {len(workshop_ids):,} workshops"
        rows.append(_row(label, result["app_scoped"]))
    print_table(
        f"issuing credentials: {app['issued']:,} owed, {repetitions} runs each, median",
        ["path", "credentials", "median s", "credentials/s", "runs s"],
        rows,
        [
            f"ratio ceiling / app (seconds): {ratio:.2f}",
            "each run in a transaction rolled back; credentials vacuumed before each run",
        ],
    )
    print_table(
        "where the time goes (the median run of each)",
        ["part", "app s", "app share", "ceiling s"],
        _split_rows(app, ceiling),
        [
            f"app statements: {app.get('statements', {})}",
            f"one credential: {ceiling['stored']['jwt_bytes']:,} B of JWT, stored "
            f"{ceiling['stored']['jwt_stored_bytes']:,} B + document "
            f"{ceiling['stored']['document_stored_bytes']:,} B; table with TOAST and indexes "
            f"{ceiling['stored']['table_bytes'] / 2**20:,.0f} MiB after a run",
        ],
    )
    save_result("credentials", result)
    return result


def _row(label: str, summary: dict[str, Any]) -> list[Any]:
    runs = " ".join(f"{s:.2f}" for s in summary["runs_s"])
    return [label, summary["issued"], summary["median_s"], summary["credentials_per_s"], runs]


def _split_rows(app: dict[str, Any], ceiling: dict[str, Any]) -> list[list[Any]]:
    total = sum(app["split_s"].values()) or 1.0
    parts = sorted(set(app["split_s"]) | set(ceiling["split_s"]))
    return [
        [
            part,
            app["split_s"].get(part, ""),
            f"{app['split_s'][part] / total:.0%}" if part in app["split_s"] else "",
            ceiling["split_s"].get(part, ""),
        ]
        for part in parts
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument(
        "--scoped",
        action="store_true",
        help="also time the call scoped to the latest term's workshops (see BENCHMARKS.md: "
        "at the standard size its pending SELECT did not finish)",
    )
    args = parser.parse_args()
    run(lambda: main(args.repetitions, scoped=args.scoped))
