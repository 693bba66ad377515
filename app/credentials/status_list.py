"""W3C Bitstring Status List v1.0: the revocation bits of a list, encoded and decoded.

The list is a bitstring of STATUS_LIST_SIZE bits (index 0 is the most significant bit of the
first byte), GZIP-compressed, base64url-encoded without padding and multibase-prefixed `u`.
Written by hand: it is forty lines, and the one library that does it (openbadgeslib) would
bring its whole issuer with it.
"""

import base64
import gzip
from collections.abc import Iterable

from app.models.credentials import STATUS_LIST_SIZE


def encode(revoked: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} outside 0..{size - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same string.
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
