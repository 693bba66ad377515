"""File digests: how a reload tells, without parsing, that a file is what it was at the last
successful load.

Parsing and validating the YAML is what a load costs; reading the bytes of a few hundred
small files and hashing them is a few milliseconds. Each course row keeps the digest of the
file it was loaded from (`courses.source_digest`), written in the same transaction as the
rows themselves, so a digest in the database always describes content that was validated
and written. A file whose path and digest match a live course is skipped.

The digest covers the file's bytes and the code that turns bytes into rows (this package's
parser, schema, validation and loader, and the PyYAML and Pydantic versions): after an
upgrade that changes any of them, every file is parsed again once.
"""

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pydantic
import yaml

from app.curriculum.validation import find_curriculum_files, read_source

# What decides how a file's bytes become validated rows; a change to any of them must make
# every stored digest stale.
_CODE_FILES = (
    *("digests.py", "incremental.py", "loader.py"),
    *("schema.py", "validation.py", "yaml_source.py"),
)


@dataclass(frozen=True)
class Source:
    """One curriculum file as read for a load."""

    file: Path
    # Path below the tree's root, as stored in `courses.source_file`.
    relative: str
    data: bytes | OSError
    # None when the file could not be read.
    digest: str | None


@functools.cache
def _code_fingerprint() -> bytes:
    here = Path(__file__).parent
    code = hashlib.sha256()
    for name in _CODE_FILES:
        code.update((here / name).read_bytes())
    code.update(f"pydantic {pydantic.VERSION}; pyyaml {yaml.__version__}".encode())
    return code.digest()


def file_digest(data: bytes) -> str:
    """sha256 of the loader's code fingerprint followed by the file's bytes, in hex."""
    return hashlib.sha256(_code_fingerprint() + data).hexdigest()


def read_sources(root: Path) -> list[Source]:
    """Every curriculum file below `root` (as `find_curriculum_files` finds them), read once:
    the bytes hashed here are the bytes parsed later, so a file edited during a load cannot
    get the digest of content that was never validated."""
    sources = []
    for file in find_curriculum_files(root):
        data = read_source(file)
        digest = None if isinstance(data, OSError) else file_digest(data)
        sources.append(Source(file, file.relative_to(root).as_posix(), data, digest))
    return sources
