"""Sign-in throttling that an attacker cannot turn against the account's owner.

Failures are counted per (client address, username) and per client address, never per account
alone: five wrong passwords from one address slow down that address for that account, while
the owner signing in from anywhere else (or from an address they signed in from before, when
only the address-wide limit is hit) is not held back. Past the free failures each further one
doubles the wait, up to a ceiling; the answer is 429 with Retry-After. Counts live in
PostgreSQL (`sign_in_throttles`), shared by every API process.
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.core.errors import AppError

# The row counting every username tried from one address (no username is empty).
WHOLE_ADDRESS = ""
# Where a client without a usable IP address counts (a Unix socket, a test transport).
UNKNOWN_ADDRESS = "0.0.0.0"
# Longer names cannot be accounts; cutting them keeps a flood of huge names cheap to store.
_USERNAME_KEY_LENGTH = 200


class TooManyAttempts(AppError):
    status, slug, title = 429, "too-many-attempts", "Too many attempts / พยายามหลายครั้งเกินไป"


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    address_max_failures: int
    base_delay_s: int
    max_delay_s: int
    forget_after_s: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "ThrottlePolicy":
        return cls(
            max_failures=settings.login_max_failures,
            address_max_failures=settings.login_address_max_failures,
            base_delay_s=settings.login_base_delay_s,
            max_delay_s=settings.login_max_delay_s,
            forget_after_s=settings.login_forget_after_s,
        )


def client_network(address: str | None) -> str:
    """The bucket a client counts in: an IPv4 address alone, an IPv6 client's whole /64 (one
    subscriber usually holds a /64, and rotating through it must not buy fresh attempts)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return UNKNOWN_ADDRESS
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def username_key(username: str) -> str:
    return username[:_USERNAME_KEY_LENGTH]


_STATE_SQL = text(
    "SELECT username, blocked_until, succeeded_at FROM sign_in_throttles "
    "WHERE address = CAST(:address AS inet) AND username IN (:whole, :username)"
)
# Creating-or-touching the row locks it until the sign-in's transaction ends, so concurrent
# guesses for one (address, username) queue up and each sees the previous one's outcome.
_LOCK_PAIR_SQL = text(
    "INSERT INTO sign_in_throttles AS t (address, username) "
    "VALUES (CAST(:address AS inet), :username) "
    "ON CONFLICT (address, username) DO UPDATE SET failures = t.failures "
    "RETURNING blocked_until"
)
_FAILURES = (
    "CASE WHEN t.last_failed_at < now() - make_interval(secs => CAST(:forget_s AS float8)) "
    "THEN 1 ELSE t.failures + 1 END"
)
# The wait after the `n`th failure, n >= limit: base * 2^(n - limit), capped; the exponent is
# capped too, so power() never overflows whatever the count.
_WAIT = (
    "make_interval(secs => LEAST(CAST(:max_s AS float8), CAST(:base_s AS float8) "
    "* power(2, LEAST({n} - CAST(:limit AS integer), 30))))"
)
_FAILURE_SQL = text(
    "INSERT INTO sign_in_throttles AS t (address, username, failures, last_failed_at, "
    "blocked_until) VALUES (CAST(:address AS inet), :username, 1, now(), "
    f"CASE WHEN 1 >= CAST(:limit AS integer) THEN now() + {_WAIT.format(n=1)} END) "
    "ON CONFLICT (address, username) DO UPDATE SET "
    f"failures = {_FAILURES}, last_failed_at = now(), "
    f"blocked_until = CASE WHEN {_FAILURES} >= CAST(:limit AS integer) "
    f"THEN now() + {_WAIT.format(n=_FAILURES)} ELSE t.blocked_until END "
    "RETURNING blocked_until"
)
_SUCCESS_SQL = text(
    "UPDATE sign_in_throttles SET failures = 0, blocked_until = NULL, succeeded_at = now() "
    "WHERE address = CAST(:address AS inet) AND username = :username"
)


def _refuse(blocked_until: datetime, now: datetime) -> TooManyAttempts:
    retry = max(1, math.ceil((blocked_until - now).total_seconds()))
    return TooManyAttempts(
        "Too many failed sign-ins from your network; try again later / "
        "เข้าสู่ระบบผิดหลายครั้ง โปรดลองใหม่ภายหลัง",
        headers={"Retry-After": str(retry)},
    )


async def ensure_allowed(db: AsyncSession, *, address: str, username: str) -> None:
    """429 while this address is held back for this username, or for every username it has
    not signed in as before; otherwise the (address, username) row is locked for the attempt."""
    username = username_key(username)
    now = datetime.now(UTC)
    rows = {
        row["username"]: row
        for row in (
            await db.execute(
                _STATE_SQL, {"address": address, "username": username, "whole": WHOLE_ADDRESS}
            )
        ).mappings()
    }
    whole, pair = rows.get(WHOLE_ADDRESS), rows.get(username)
    known_good = pair is not None and pair["succeeded_at"] is not None
    whole_until = whole["blocked_until"] if whole is not None else None
    if whole_until is not None and whole_until > now and not known_good:
        raise _refuse(whole_until, now)
    blocked_until = (
        await db.execute(_LOCK_PAIR_SQL, {"address": address, "username": username})
    ).scalar_one()
    if blocked_until is not None and blocked_until > now:
        raise _refuse(blocked_until, now)


async def record_failure(
    db: AsyncSession, *, address: str, username: str, policy: ThrottlePolicy
) -> int:
    """Count a failed sign-in; returns the seconds the address now waits for this username."""
    params = {
        "address": address,
        "forget_s": policy.forget_after_s,
        "base_s": policy.base_delay_s,
        "max_s": policy.max_delay_s,
    }
    await db.execute(
        _FAILURE_SQL,
        {**params, "username": WHOLE_ADDRESS, "limit": policy.address_max_failures},
    )
    blocked_until = (
        await db.execute(
            _FAILURE_SQL,
            {**params, "username": username_key(username), "limit": policy.max_failures},
        )
    ).scalar_one()
    if blocked_until is None:
        return 0
    return max(0, math.ceil((blocked_until - datetime.now(UTC)).total_seconds()))


async def record_success(db: AsyncSession, *, address: str, username: str) -> None:
    """Clear this (address, username) and remember the address as known-good for it."""
    await db.execute(_SUCCESS_SQL, {"address": address, "username": username_key(username)})


async def forget_username(db: AsyncSession, *, username: str) -> None:
    """Drop every count for a username (a new password was set: start afresh)."""
    await db.execute(
        text("DELETE FROM sign_in_throttles WHERE username = :username"),
        {"username": username_key(username)},
    )
