"""Signing in with a username and password, throttled per client network (see `throttling`)."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import refresh_tokens, throttling
from app.accounts.schemas import TokenRead
from app.audit import service as audit
from app.config import Settings
from app.core.errors import Unauthorized
from app.core.security import create_access_token, verify_password
from app.models import User

BAD_CREDENTIALS = "Wrong username or password / ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"


async def sign_in(
    db: AsyncSession,
    *,
    username: str,
    password: str,
    address: str | None,
    settings: Settings,
) -> refresh_tokens.SessionTokens:
    """A new access token and the first refresh token of a new sign-in (`refresh_tokens`)
    for valid credentials, from the client at `address`.

    Same answer for an unknown user and a wrong password. Failures slow down this address for
    this username (and, past a higher limit, for usernames it never signed in as): 429 with
    Retry-After, checked before the password so a held-back guess costs nothing and learns
    nothing. The account itself is never locked, so a stranger cannot lock its owner out.
    """
    network = throttling.client_network(address)
    await throttling.ensure_allowed(db, address=network, username=username)
    user = (await db.execute(select(User).where(User.username == username))).scalar_one_or_none()
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        wait_s = await throttling.record_failure(
            db,
            address=network,
            username=username,
            policy=throttling.ThrottlePolicy.from_settings(settings),
        )
        await audit.record(
            db,
            "auth.sign_in_failed",
            None,
            actor_user_id=user.id if user else None,
            via="token",
            details={"username": username[:100], "address": network, "wait_s": wait_s},
        )
        await db.flush()
        raise Unauthorized(BAD_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"})
    await throttling.record_success(db, address=network, username=username)
    user.last_login_at = datetime.now(UTC)
    await audit.record(
        db,
        "auth.sign_in",
        None,
        actor_user_id=user.id,
        via="token",
        school_id=user.school_id,
        details={"address": network},
    )
    await db.flush()
    minutes = settings.access_token_minutes
    token = create_access_token(
        user_id=user.id,
        auth_epoch=user.auth_epoch,
        secret=settings.secret_key,
        minutes=minutes,
        role=user.role,
    )
    refresh = await refresh_tokens.start_family(
        db, user_id=user.id, auth_epoch=user.auth_epoch, settings=settings
    )
    return refresh_tokens.SessionTokens(
        TokenRead(access_token=token, expires_in=minutes * 60), refresh
    )
