"""The models and the migrations describe the same schema, and migrations run both ways."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from app.core import migrate
from app.core.migrate import include_object
from app.models import Base


def _diff(sync_connection):
    context = MigrationContext.configure(
        sync_connection,
        opts={"compare_type": True, "include_object": include_object},
    )
    return compare_metadata(context, Base.metadata)


async def test_autogenerate_finds_no_difference_between_models_and_migrations(db_engine):
    async with db_engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_downgrade_to_base_then_upgrade_to_head(db_engine):
    await migrate.downgrade(db_engine, "base")
    async with db_engine.connect() as conn:
        remaining = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ).scalar_one()
    assert remaining == 0
    await migrate.upgrade(db_engine, "head")
    async with db_engine.connect() as conn:
        tables = set(
            (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
        )
    assert set(Base.metadata.tables) <= tables


@pytest.mark.committed
async def test_learning_progress_upgrade_gives_existing_outcomes_their_codes(db_engine):
    """A database loaded before 0006: its modules' outcomes get codes `<module>.<n>` (as the
    shipped files now spell them), each version its taught outcomes, and the default rule."""
    await migrate.downgrade(db_engine, "0005_privacy")
    try:
        async with db_engine.begin() as conn:
            course = (
                await conn.execute(
                    text(
                        "INSERT INTO courses (code, title_th, title_en, pillar, grade_levels, "
                        "content_hash, source_file) VALUES ('OLD1', 'เก่า', 'Old', "
                        "'smart_people', '{P5}', 'h', 'old.yaml') RETURNING id"
                    )
                )
            ).scalar_one()
            outcomes = '[{"th": "หนึ่ง", "en": "One"}, {"th": "สอง", "en": "Two"}]'
            module = (
                await conn.execute(
                    text(
                        "INSERT INTO modules (course_id, code, position, title_th, title_en, "
                        "minutes, outcomes, content_hash) VALUES (:c, 'OLD1-01', 1, 'บท', "
                        "'Unit', 50, CAST(:o AS jsonb), 'h') RETURNING id"
                    ),
                    {"c": course, "o": outcomes},
                )
            ).scalar_one()
            await conn.execute(
                text(
                    "INSERT INTO module_versions (module_id, version, content_hash, snapshot) "
                    "VALUES (:m, 1, 'h', jsonb_build_object('outcomes', CAST(:o AS jsonb)))"
                ),
                {"m": module, "o": outcomes},
            )
    finally:
        await migrate.upgrade(db_engine, "head")
    async with db_engine.connect() as conn:
        taught = (
            await conn.execute(
                text(
                    "SELECT o.code, mvo.title_en, mv.completion_min_attendance, "
                    "mv.completion_excused FROM module_version_outcomes mvo "
                    "JOIN outcomes o ON o.id = mvo.outcome_id "
                    "JOIN module_versions mv ON (mv.module_id, mv.version) = "
                    "(mvo.module_id, mvo.version) ORDER BY mvo.position"
                )
            )
        ).all()
        current = (await conn.execute(text("SELECT outcomes FROM modules"))).scalar_one()
    assert [(code, title, float(rate), excused) for code, title, rate, excused in taught] == [
        ("OLD1-01.1", "One", 0.8, "excluded"),
        ("OLD1-01.2", "Two", 0.8, "excluded"),
    ]
    assert [o["code"] for o in current] == ["OLD1-01.1", "OLD1-01.2"]
