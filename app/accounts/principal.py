"""Who is calling, and what they may reach."""

from dataclasses import dataclass

from app.core.errors import Forbidden, NotFound

CITY_WIDE_READERS = ("admin", "department")
SCHOOL_STAFF = ("school_admin", "teacher")


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: str
    school_id: int | None
    creator_id: int | None
    via: str  # "token" or "api_key"
    api_key_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def reads_all_schools(self) -> bool:
        return self.role in CITY_WIDE_READERS

    def can_read_school(self, school_id: int) -> bool:
        return self.reads_all_schools or (self.role in SCHOOL_STAFF and self.school_id == school_id)

    def can_manage_school(self, school_id: int) -> bool:
        """Write rooms, students, teachers, workshops of a school."""
        return self.is_admin or (self.role == "school_admin" and self.school_id == school_id)

    def ensure_reads_school(self, school_id: int, what: str = "record") -> None:
        # Outside the caller's scope a record "does not exist": 404, never 403.
        if not self.can_read_school(school_id):
            raise NotFound(f"No such {what} / ไม่พบข้อมูล")

    def ensure_manages_school(self, school_id: int, what: str = "record") -> None:
        self.ensure_reads_school(school_id, what)
        if not self.can_manage_school(school_id):
            raise Forbidden(
                f"Your role ({self.role}) cannot change this {what} / บทบาทของคุณไม่มีสิทธิ์แก้ไขข้อมูลนี้"
            )
