"""Zip the test bundles under data/ and post them to the roster endpoint."""

import io
import zipfile
from pathlib import Path

from httpx import AsyncClient, Response

DATA = Path(__file__).resolve().parent / "data"


def bundle_files(name: str, *, workshop_id: int) -> dict[str, str]:
    """The bundle's files as text, with `${WORKSHOP}` filled in."""
    return {
        path.name: path.read_text(encoding="utf-8").replace("${WORKSHOP}", str(workshop_id))
        for path in sorted((DATA / name).glob("*.csv"))
    }


def zip_files(files: dict[str, str | bytes], encodings: dict[str, str] | None = None) -> bytes:
    """A zip of `files`; text is encoded as `encodings` says (default UTF-8, no BOM)."""
    encodings = encodings or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if isinstance(content, str):
                content = content.encode(encodings.get(name, "utf-8"))
            archive.writestr(name, content)
    return buffer.getvalue()


def good_bundle(workshop_id: int) -> bytes:
    return zip_files(bundle_files("good", workshop_id=workshop_id))


def bad_bundle(workshop_id: int) -> bytes:
    return zip_files(
        bundle_files("bad", workshop_id=workshop_id),
        {"users.csv": "cp874", "orgs.csv": "utf-8-sig"},
    )


def unzip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


async def upload(
    client: AsyncClient,
    headers: dict[str, str],
    school_id: int,
    content: bytes,
    *,
    filename: str = "roster.zip",
    dry_run: bool = False,
) -> Response:
    return await client.post(
        f"/api/v1/schools/{school_id}/roster",
        headers=headers,
        params={"dry_run": "true"} if dry_run else {},
        files={"file": (filename, content, "application/octet-stream")},
    )
