"""Sign-in hardening: token versions (auth_epoch), API-key lineage, per-address sign-in throttles.

`users.auth_epoch` is carried in every access token; a trigger bumps it whenever an account is
deactivated, reactivated or gets a new password, so every earlier token is refused at once.
The per-account lock (`failed_logins`, `locked_until`), which let anyone lock anyone out, gives
way to `sign_in_throttles`, keyed by client address.

Revision ID: 0004_auth_hardening
Revises: 0003_audit_oneroster
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_auth_hardening"
down_revision: str | None = "0003_audit_oneroster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP_AUTH_EPOCH = """
CREATE FUNCTION bump_auth_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.is_active IS DISTINCT FROM OLD.is_active
       OR NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
        NEW.auth_epoch := OLD.auth_epoch + 1;
    END IF;
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("auth_epoch", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.drop_column("users", "locked_until")
    op.drop_column("users", "failed_logins")
    op.execute(BUMP_AUTH_EPOCH)
    op.execute(
        "CREATE TRIGGER trg_users_auth_epoch BEFORE UPDATE OF is_active, password_hash "
        "ON users FOR EACH ROW EXECUTE FUNCTION bump_auth_epoch()"
    )

    op.add_column("api_keys", sa.Column("created_by_key_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_api_keys_created_by_key_id_api_keys"),
        "api_keys",
        "api_keys",
        ["created_by_key_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_index(
        op.f("ix_api_keys_created_by_key_id"), "api_keys", ["created_by_key_id"], unique=False
    )

    op.create_table(
        "sign_in_throttles",
        sa.Column("address", postgresql.INET(), nullable=False),
        sa.Column("username", postgresql.CITEXT(), nullable=False),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "failures >= 0", name=op.f("ck_sign_in_throttles_failures_not_negative")
        ),
        sa.PrimaryKeyConstraint("address", "username", name=op.f("pk_sign_in_throttles")),
    )
    op.create_index(
        op.f("ix_sign_in_throttles_username"), "sign_in_throttles", ["username"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_throttles_username"), table_name="sign_in_throttles")
    op.drop_table("sign_in_throttles")
    op.drop_index(op.f("ix_api_keys_created_by_key_id"), table_name="api_keys")
    op.drop_constraint(
        op.f("fk_api_keys_created_by_key_id_api_keys"), "api_keys", type_="foreignkey"
    )
    op.drop_column("api_keys", "created_by_key_id")
    op.execute("DROP TRIGGER trg_users_auth_epoch ON users")
    op.execute("DROP FUNCTION bump_auth_epoch()")
    op.add_column(
        "users",
        sa.Column("failed_logins", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column("users", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.drop_column("users", "auth_epoch")
