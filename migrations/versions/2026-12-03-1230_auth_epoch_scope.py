"""A change of role, school or creator also bumps `users.auth_epoch`.

The API caches a signed-in caller's principal (role, school, creator) for a few seconds per
process, keyed by (user id, auth_epoch). A bumped epoch is what ends older tokens in every
process: so whatever changes what a caller may see must bump it, not only deactivation,
reactivation and a new password.

Revision ID: 0013_auth_epoch_scope
Revises: 0012_enrol_places
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_auth_epoch_scope"
down_revision: str | None = "0012_enrol_places"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION bump_auth_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.is_active IS DISTINCT FROM OLD.is_active
       OR NEW.password_hash IS DISTINCT FROM OLD.password_hash{more} THEN
        NEW.auth_epoch := OLD.auth_epoch + 1;
    END IF;
    RETURN NEW;
END
$$
"""
_SCOPE = """
       OR NEW.role IS DISTINCT FROM OLD.role
       OR NEW.school_id IS DISTINCT FROM OLD.school_id
       OR NEW.creator_id IS DISTINCT FROM OLD.creator_id"""
_TRIGGER = (
    "CREATE TRIGGER trg_users_auth_epoch BEFORE UPDATE OF {columns} "
    "ON users FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch()"
)


def upgrade() -> None:
    op.execute(_FUNCTION.format(more=_SCOPE))
    op.execute("DROP TRIGGER trg_users_auth_epoch ON users")
    op.execute(_TRIGGER.format(columns="is_active, password_hash, role, school_id, creator_id"))


def downgrade() -> None:
    op.execute(_FUNCTION.format(more=""))
    op.execute("DROP TRIGGER trg_users_auth_epoch ON users")
    op.execute(_TRIGGER.format(columns="is_active, password_hash"))
