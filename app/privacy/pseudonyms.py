"""Per-export pseudonyms: HMAC-SHA256 of a student's id under a key made for one export.

The same student gets the same pseudonym throughout one export (rows can still be grouped and
counted per student), a different one in every other export (two exports cannot be joined on
it), and without the key nobody can go back from a pseudonym to the student: the key is drawn
at random when the export is planned, lives only in this process's memory while it runs, and
is never stored, logged or returned.

PostgreSQL computes it for the exports (CSV goes through COPY, so the hash must be SQL); the
low-attendance report computes it here. Both give the same value: HMAC is spelled out with
the built-in `sha256()` (PostgreSQL >= 11; pgcrypto is not assumed), the key's inner and
outer pads being computed here. An export hands them to PostgreSQL as transaction-local
settings (`set_config` with bound parameters), never inside the query: COPY takes no
parameters, so a key passed as one would be inlined into query text that pg_stat_activity
shows and slow-query logs keep.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

PREFIX = "P-"  # a letter first: spreadsheets never read a pseudonym as a number (1e5...)
HEX_DIGITS = 16  # 64 bits: collisions are negligible for a city's students (birthday ~4e9)
_BLOCK = 64  # SHA-256 block size, for the HMAC pads
# Transaction-local settings that hand an export's pads to PostgreSQL (hex text).
INNER_PAD_SETTING = "lms.pseudonym_inner_pad"
OUTER_PAD_SETTING = "lms.pseudonym_outer_pad"


@dataclass(frozen=True)
class PseudonymKey:
    """A random HMAC key for one export. Never persist it."""

    secret: bytes = field(repr=False)

    @classmethod
    def new(cls) -> "PseudonymKey":
        return cls(secrets.token_bytes(32))

    def _pad(self, byte: int) -> bytes:
        return bytes(b ^ byte for b in self.secret.ljust(_BLOCK, b"\0"))

    @property
    def inner_pad(self) -> bytes:
        return self._pad(0x36)

    @property
    def outer_pad(self) -> bytes:
        return self._pad(0x5C)

    def pseudonym(self, student_id: int) -> str:
        digest = hmac.new(self.secret, str(student_id).encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:HEX_DIGITS]

    def settings(self) -> dict[str, str]:
        """The pads as the transaction-local settings `pseudonym_from_settings` reads."""
        return {INNER_PAD_SETTING: self.inner_pad.hex(), OUTER_PAD_SETTING: self.outer_pad.hex()}


def pseudonym_from_settings(student_id: str) -> str:
    """SQL for the pseudonym under the key whose `settings()` this transaction holds."""
    return pseudonym_sql(
        f"decode(current_setting('{INNER_PAD_SETTING}'), 'hex')",
        f"decode(current_setting('{OUTER_PAD_SETTING}'), 'hex')",
        student_id,
    )


def pseudonym_sql(inner_pad: str, outer_pad: str, student_id: str) -> str:
    """SQL for `PseudonymKey.pseudonym(student_id)`; the pads are SQL bytea expressions."""
    inner = f"sha256({inner_pad} || convert_to(({student_id})::text, 'UTF8'))"
    return f"'{PREFIX}' || left(encode(sha256({outer_pad} || {inner}), 'hex'), {HEX_DIGITS})"
