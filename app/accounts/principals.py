"""A short-lived, per-app cache of authenticated callers, so that a request signed with a
known token or API key is resolved without a database round trip.

The bound (SECURITY.md, "Principal cache"): an entry lives at most
`principal_cache_ttl_s` seconds. In the process that makes a change, the change takes effect
at once: the account services call `invalidate_user` / `invalidate_api_keys`, which drop the
entries now and again when the request's transaction ends (commit or rollback: dropping an
entry is always safe, the next request only reads the row again). Other processes notice
within the TTL; a token issued after the change carries the new `auth_epoch`, so it never
matches an entry of the old one.

Verified tokens are kept too (by the token's text, until its `exp`): checking an HS256
signature and its claims with PyJWT cost more than the rest of authentication (~40 µs a
request, BENCHMARKS.md "Hot paths"). A token's text is checked once; what it says about the
account (active, epoch) is the principal entry's business, which the TTL and invalidation
above govern.

A generation counter closes the race between a lookup and an invalidation: a request that
read the database before an invalidation (and so may have read the old row) does not store
what it read.
"""

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.access import Principal
from app.core.security import AccessClaims
from app.db import after_transaction

# Where a request's session carries the app's cache, so that services (which never see the
# request) can invalidate it; sessions of the CLI carry none.
SESSION_KEY = "principal_cache"
# `api_key.used` is recorded at most this often per key (the SQL checks it too, across
# processes; the in-process time spares the round trip in between).
TOUCH_INTERVAL_S = 60.0

TokenKey = tuple[int, int]  # (user id, auth epoch)


@dataclass(slots=True)
class _Entry:
    principal: Principal
    deadline: float  # time.monotonic() after which the entry is not used


class PrincipalCache:
    """Principals by (user id, auth epoch) and by the sha256 of a presented API key; LRU,
    at most `max_entries` of each, none older than `ttl_s`."""

    def __init__(self, *, ttl_s: float, max_entries: int) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.generation = 0
        self._tokens: OrderedDict[TokenKey, _Entry] = OrderedDict()
        self._keys: OrderedDict[bytes, _Entry] = OrderedDict()
        # A verified access token's text -> (user id, epoch, exp).
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        # API key id -> time.monotonic() of the last `api_key.used` this process recorded.
        self._touched: OrderedDict[int, float] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0 and self.max_entries > 0

    def clear(self) -> None:
        self.generation += 1
        self._tokens.clear()
        self._keys.clear()
        self._verified.clear()
        self._touched.clear()

    def __len__(self) -> int:
        return len(self._tokens) + len(self._keys)

    # Tokens ----------------------------------------------------------------------------------

    def verified_token(self, token: str) -> AccessClaims | None:
        """The claims of `token` when it was verified before and has not expired since."""
        claims = self._verified.get(token)
        if claims is None:
            return None
        # As PyJWT decides without leeway: expired once `exp` is not in the future.
        if claims.expires_at <= time.time():
            del self._verified[token]
            return None
        self._verified.move_to_end(token)
        return claims

    def store_verified_token(self, token: str, claims: AccessClaims) -> None:
        if self.enabled:
            self._verified[token] = claims
            while len(self._verified) > self.max_entries:
                self._verified.popitem(last=False)

    def token_principal(self, user_id: int, epoch: int) -> Principal | None:
        return _get(self._tokens, (user_id, epoch))

    def store_token_principal(
        self, user_id: int, epoch: int, principal: Principal, *, generation: int
    ) -> None:
        """Keep `principal`, read from the database when the cache was at `generation`;
        nothing if an invalidation came in between (the row read may be the old one)."""
        if self.enabled and generation == self.generation:
            _put(self._tokens, (user_id, epoch), principal, self.ttl_s, self.max_entries)

    # API keys --------------------------------------------------------------------------------

    def api_key_principal(self, digest: bytes) -> Principal | None:
        return _get(self._keys, digest)

    def store_api_key_principal(
        self, digest: bytes, principal: Principal, *, generation: int, lifetime_s: float | None
    ) -> None:
        """As `store_token_principal`; `lifetime_s`: how long until the key expires, if it
        does (an entry never outlives its key)."""
        ttl = self.ttl_s if lifetime_s is None else min(self.ttl_s, lifetime_s)
        if self.enabled and generation == self.generation and ttl > 0:
            _put(self._keys, digest, principal, ttl, self.max_entries)

    def api_key_touch_due(self, key_id: int) -> bool:
        """False when this process recorded the key's use less than `TOUCH_INTERVAL_S` ago;
        else the caller records it (the database decides across processes)."""
        last = self._touched.get(key_id)
        return last is None or time.monotonic() - last >= TOUCH_INTERVAL_S

    def mark_api_key_touched(self, key_id: int) -> None:
        self._touched[key_id] = time.monotonic()
        self._touched.move_to_end(key_id)
        while len(self._touched) > max(self.max_entries, 1):
            self._touched.popitem(last=False)

    # Invalidation ----------------------------------------------------------------------------

    def invalidate_user(self, user_id: int) -> None:
        """Forget every token and API key entry of the account."""
        self.generation += 1
        _drop(self._tokens, lambda principal: principal.user_id == user_id)
        _drop(self._keys, lambda principal: principal.user_id == user_id)

    def invalidate_api_keys(self, key_ids: Iterable[int]) -> None:
        ids = set(key_ids)
        self.generation += 1
        _drop(self._keys, lambda principal: principal.api_key_id in ids)


def _get(store: "OrderedDict[Any, _Entry]", key: Any) -> Principal | None:
    entry = store.get(key)
    if entry is None:
        return None
    if entry.deadline <= time.monotonic():
        del store[key]
        return None
    store.move_to_end(key)
    return entry.principal


def _drop(store: "OrderedDict[Any, _Entry]", matches: Callable[[Principal], bool]) -> None:
    for key in [key for key, entry in store.items() if matches(entry.principal)]:
        del store[key]


def _put(
    store: "OrderedDict[Any, _Entry]", key: Any, principal: Principal, ttl: float, max_entries: int
) -> None:
    store[key] = _Entry(principal, time.monotonic() + ttl)
    store.move_to_end(key)
    while len(store) > max_entries:
        store.popitem(last=False)


def api_key_digest(presented: str) -> bytes:
    """The cache's key for a presented API key: its sha256, so the secret itself is not kept."""
    return hashlib.sha256(presented.encode()).digest()


def cache_of(app_state: Any) -> PrincipalCache:
    """The cache of one app (`request.app.state`), made on first use from the settings."""
    cache = getattr(app_state, SESSION_KEY, None)
    if cache is None:
        from app.config import get_settings

        settings = get_settings()
        cache = PrincipalCache(
            ttl_s=settings.principal_cache_ttl_s, max_entries=settings.principal_cache_max_entries
        )
        setattr(app_state, SESSION_KEY, cache)
    return cache


def reset(app_state: Any) -> None:
    """Drop the app's cache (the next request makes a new one from the settings)."""
    if getattr(app_state, SESSION_KEY, None) is not None:
        delattr(app_state, SESSION_KEY)


def attach(db: AsyncSession, cache: PrincipalCache) -> None:
    """Let the services called with `db` invalidate `cache`."""
    db.info[SESSION_KEY] = cache


def invalidate_user(db: AsyncSession, *, user_id: int) -> None:
    """The account's role, school, password or active state is changing in `db`'s
    transaction: forget its cached principals now and once the transaction has ended."""
    cache: PrincipalCache | None = db.info.get(SESSION_KEY)
    if cache is not None:
        cache.invalidate_user(user_id)
        after_transaction(db, lambda: cache.invalidate_user(user_id))


def invalidate_api_keys(db: AsyncSession, *, key_ids: Iterable[int]) -> None:
    """The keys are being revoked in `db`'s transaction: as `invalidate_user`."""
    cache: PrincipalCache | None = db.info.get(SESSION_KEY)
    ids = list(key_ids)
    if cache is not None and ids:
        cache.invalidate_api_keys(ids)
        after_transaction(db, lambda: cache.invalidate_api_keys(ids))
