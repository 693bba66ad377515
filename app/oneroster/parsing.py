"""Reading an upload: a zip bundle or a single CSV, each file's encoding, rows with line numbers.

Encodings, per file: UTF-8 with a byte-order mark, UTF-8 without one, or Thai Windows
(cp874, a superset of TIS-620, which is what Excel on a Thai Windows saves as "CSV"). Strict
UTF-8 is tried first: Thai text in cp874 is almost never valid UTF-8, so the order is safe.

Line numbers are physical lines of the file (the header is line 1), so a quoted value that
spans lines still gets the line where its record starts. Columns are 1-based.
"""

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from app.core.csv import restore
from app.core.errors import AppError, Unprocessable
from app.oneroster import vocabulary as v

# The OneRoster 1.1/1.2 CSV file names, keyed by lower case (some tools change the case).
ONEROSTER_FILES = {
    name.lower(): name for name in ("manifest.csv", *(f"{n}.csv" for n in v.MANIFEST_FILES))
}
# The files the import reads (those whose columns we know); the others are listed in the
# report and otherwise ignored.
USED_FILES = tuple(v.COLUMNS)
ENCODING_LABELS = {
    "utf-8-sig": "UTF-8 with BOM",
    "utf-8": "UTF-8",
    "cp874": "Thai Windows (cp874/TIS-620)",
}
_CHUNK = 64 * 1024
_MAX_MEMBERS = 200


class UploadTooLarge(AppError):
    status, slug, title = 413, "payload-too-large", "Request too large / ข้อมูลที่ส่งมีขนาดใหญ่เกินไป"


@dataclass(slots=True)
class Problem:
    """One rejected value (or a whole row or file when `column` is None)."""

    file: str
    line: int | None
    column: int | None
    field: str | None
    message: str
    sourced_id: str | None = None


def location(file: str, line: int | None, column: int | None) -> str:
    """`file:line:column` as compilers print it (parts that are unknown are left out)."""
    parts = [file]
    if line is not None:
        parts.append(str(line))
        if column is not None:
            parts.append(str(column))
    return ":".join(parts)


@dataclass(slots=True)
class CsvRow:
    file: str
    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(slots=True)
class CsvFile:
    name: str
    encoding: str | None
    header: list[str] = field(default_factory=list)
    # Header name -> 1-based column.
    columns: dict[str, int] = field(default_factory=dict)
    rows: list[CsvRow] = field(default_factory=list)
    used: bool = True

    def column(self, name: str) -> int | None:
        return self.columns.get(name)


@dataclass(slots=True)
class RawFile:
    name: str  # canonical OneRoster name, e.g. "academicSessions.csv"
    path: str  # as named in the upload
    data: bytes


class Undecodable(Exception):
    def __init__(self, line: int, byte_in_line: int, value: int) -> None:
        super().__init__(f"byte 0x{value:02X}")
        self.line, self.byte_in_line, self.value = line, byte_in_line, value


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with: `utf-8-sig`, `utf-8` or `cp874`."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc.start + len(codecs.BOM_UTF8)) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp874"), "cp874"
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc.start) from None


def _undecodable(data: bytes, position: int) -> Undecodable:
    line_start = data.rfind(b"\n", 0, position) + 1
    return Undecodable(
        data.count(b"\n", 0, position) + 1, position - line_start + 1, data[position]
    )


def canonical_name(path: str) -> str | None:
    """The OneRoster file name for a path in the upload, or None when it is not one."""
    return ONEROSTER_FILES.get(PurePosixPath(path).name.lower())


def unpack(filename: str, data: bytes, *, limit: int) -> tuple[list[RawFile], list[str]]:
    """The CSV files of an upload (a zip bundle, or one CSV file) and the names it ignored.

    A single file whose name is not a OneRoster file name is taken to be `users.csv`.
    The zip's members together may not unpack to more than `limit` bytes (413).
    """
    if not data.startswith(b"PK\x03\x04") and not data.startswith(b"PK\x05\x06"):
        if filename.lower().endswith(".zip"):
            raise Unprocessable("The file is not a valid zip archive / ไฟล์ zip ไม่ถูกต้อง")
        name = canonical_name(filename) or "users.csv"
        return [RawFile(name=name, path=PurePosixPath(filename).name or name, data=data)], []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise Unprocessable("The file is not a valid zip archive / ไฟล์ zip ไม่ถูกต้อง") from None
    members, ignored = _members(infos)
    if sum(info.file_size for info in members) > limit:
        raise _too_large(limit)
    files: list[RawFile] = []
    seen: dict[str, str] = {}
    total = 0
    for info in members:
        member = canonical_name(info.filename)
        if member is None:
            ignored.append(info.filename)
            continue
        if member in seen:
            raise Unprocessable(
                f"The zip holds {member} twice ({seen[member]} and {info.filename}) / "
                f"ในไฟล์ zip มี {member} ซ้ำกัน"
            )
        seen[member] = info.filename
        content, total = _read_member(archive, info, total, limit)
        files.append(RawFile(name=member, path=info.filename, data=content))
    if not files:
        raise Unprocessable(
            "The zip holds no OneRoster CSV files (users.csv, enrollments.csv, ...) / "
            "ไม่พบไฟล์ CSV ของ OneRoster ในไฟล์ zip"
        )
    return files, ignored


def _members(infos: list[zipfile.ZipInfo]) -> tuple[list[zipfile.ZipInfo], list[str]]:
    members, ignored = [], []
    for info in infos:
        base = PurePosixPath(info.filename).name
        if info.is_dir():
            continue
        # Finder's resource forks and hidden files are not part of the bundle.
        if info.filename.startswith("__MACOSX/") or base.startswith("."):
            ignored.append(info.filename)
            continue
        members.append(info)
    if len(members) > _MAX_MEMBERS:
        raise Unprocessable(
            f"The zip holds {len(members)} files; a OneRoster bundle has at most 22 / "
            "ไฟล์ zip มีจำนวนไฟล์มากเกินไป"
        )
    return members, ignored


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, limit: int
) -> tuple[bytes, int]:
    """Read one member, counting what it really unpacks to (the header may lie)."""
    if info.flag_bits & 0x1:
        raise Unprocessable(
            f"{info.filename} is encrypted; upload a zip without a password / "
            "ไฟล์ใน zip ถูกเข้ารหัส กรุณาส่งไฟล์ที่ไม่มีรหัสผ่าน"
        )
    chunks = []
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise Unprocessable(
            f"{info.filename} cannot be unpacked ({exc}) / แตกไฟล์ {info.filename} ไม่ได้"
        ) from None
    return b"".join(chunks), total


def _too_large(limit: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"The bundle unpacks to more than the limit of {limit} bytes / "
        f"ไฟล์ที่แตกออกมามีขนาดเกิน {limit} ไบต์",
        max_bytes=limit,
    )


def read_csv(raw: RawFile, known_columns: tuple[str, ...], problems: list[Problem]) -> CsvFile:
    """Parse one file. Header names are matched to `known_columns` ignoring case; other
    columns (e.g. `metadata.*` extensions) are kept under their own names. Short rows are
    padded with empty values; extra non-empty values are a problem."""
    try:
        text, encoding = decode(raw.data)
    except Undecodable as exc:
        problems.append(
            Problem(
                raw.name,
                exc.line,
                None,
                None,
                f"byte 0x{exc.value:02X} (byte {exc.byte_in_line} of the line) is neither UTF-8 "
                "nor Thai Windows (cp874); save the file as CSV UTF-8 / "
                "อ่านไฟล์ไม่ได้ กรุณาบันทึกเป็น CSV UTF-8",
            )
        )
        return CsvFile(name=raw.name, encoding=None)
    result = CsvFile(name=raw.name, encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    by_lower = {c.lower(): c for c in known_columns}
    header: list[str] | None = None
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record or all(v.strip() == "" for v in record):
                continue
            if header is None:
                header = [by_lower.get(h.strip().lower(), h.strip()) for h in record]
                if not _header_ok(raw.name, start, header, problems):
                    return result
                result.header = header
                result.columns = {h: i + 1 for i, h in enumerate(header)}
                continue
            row = _row(raw.name, start, header, record, problems)
            if row is not None:
                result.rows.append(row)
    except csv.Error as exc:
        problems.append(
            Problem(
                raw.name,
                reader.line_num,
                None,
                None,
                f"the file cannot be read as CSV past this line ({exc}) / "
                "รูปแบบ CSV ไม่ถูกต้องตั้งแต่บรรทัดนี้",
            )
        )
    if header is None:
        problems.append(Problem(raw.name, 1, None, None, "the file is empty / ไฟล์ว่างเปล่า"))
    return result


def _header_ok(file: str, line: int, header: list[str], problems: list[Problem]) -> bool:
    seen: set[str] = set()
    ok = True
    for index, name in enumerate(header):
        if name and name in seen:
            problems.append(
                Problem(file, line, index + 1, name, f"column {name} appears twice / คอลัมน์ซ้ำ")
            )
            ok = False
        seen.add(name)
    return ok


def _row(
    file: str, line: int, header: list[str], record: list[str], problems: list[Problem]
) -> CsvRow | None:
    extra = record[len(header) :]
    for offset, value in enumerate(extra):
        if value.strip():
            problems.append(
                Problem(
                    file,
                    line,
                    len(header) + offset + 1,
                    None,
                    f"the row has {len(record)} values but the header has {len(header)} "
                    "columns / จำนวนค่าในแถวมากกว่าจำนวนคอลัมน์",
                )
            )
            return None
    # A value our export guarded against spreadsheet formulas comes back as it was.
    values = {
        name: restore(value.strip()) for name, value in zip(header, record, strict=False) if name
    }
    for name in header[len(record) :]:
        values[name] = ""
    return CsvRow(file=file, line=line, values=values)
