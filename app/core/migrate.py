"""Run Alembic migrations from code (CLI, service start-up and tests)."""

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import PROJECT_ROOT

# Indexes created by hand in migrations (expression or operator-class indexes).
HAND_MADE_INDEXES = {"ix_students_name_th_trgm"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """What autogenerate compares. Exclusion constraints, triggers and the hand-made indexes
    are written in migrations by hand; alembic cannot compare them."""
    return not (
        type_ == "index"
        and reflected
        and name is not None
        and (name.startswith("ex_") or name in HAND_MADE_INDEXES)
    )


def alembic_config() -> Config:
    return Config(str(PROJECT_ROOT / "alembic.ini"))


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    await _run(engine, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    await _run(engine, lambda cfg: command.downgrade(cfg, revision))


async def _run(engine: AsyncEngine, action) -> None:
    async with engine.begin() as connection:

        def run(sync_connection) -> None:
            cfg = alembic_config()
            cfg.attributes["connection"] = sync_connection
            action(cfg)

        await connection.run_sync(run)
