"""The models and the migrations describe the same schema, and migrations run both ways."""

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
