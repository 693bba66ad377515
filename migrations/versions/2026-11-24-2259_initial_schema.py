"""Initial schema: reference data, rooms, curriculum, people, workshops, enrolments, attendance.

Exclusion constraints need btree_gist; citext backs case-insensitive handles and usernames;
pg_trgm backs Thai name search. Triggers keep `updated_at` current, keep workshop capacity
within the room's seats, and write the append-only attendance history.

Revision ID: 7821a52cdd01
Revises:
Create Date: 2026-11-24 22:59:18.441528+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXTENSIONS = ("btree_gist", "citext", "pg_trgm")

# Tables whose updated_at is maintained by trg_<table>_updated_at.
TIMESTAMPED_TABLES = (
    "districts",
    "schools",
    "academic_terms",
    "computer_rooms",
    "courses",
    "modules",
    "module_versions",
    "module_prerequisites",
    "creators",
    "users",
    "students",
    "workshops",
    "workshop_sessions",
    "enrolments",
    "attendance",
    "attendance_changes",
)

TRIGGERS_UP = [
    """
    CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.updated_at := now();
        RETURN NEW;
    END $$
    """,
    *(
        f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        for table in TIMESTAMPED_TABLES
    ),
    # A workshop never holds more students than its room has seats (a check constraint
    # cannot look at another table, so a trigger does, under the constraint's name).
    """
    CREATE FUNCTION check_workshop_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE room_seats integer;
    BEGIN
        SELECT seats INTO room_seats FROM computer_rooms WHERE id = NEW.room_id;
        IF NEW.capacity > room_seats THEN
            RAISE EXCEPTION 'workshop capacity % exceeds the % seats of room %',
                NEW.capacity, room_seats, NEW.room_id
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'ck_workshops_capacity_within_room_seats',
                      TABLE = 'workshops';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER trg_workshops_capacity_within_room
    BEFORE INSERT OR UPDATE OF capacity, room_id ON workshops
    FOR EACH ROW EXECUTE FUNCTION check_workshop_capacity()
    """,
    # ...and a room cannot shrink below the capacity of a workshop still planned in it.
    """
    CREATE FUNCTION check_room_seats() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM workshops
                   WHERE room_id = NEW.id AND status = 'scheduled' AND capacity > NEW.seats) THEN
            RAISE EXCEPTION 'room % has scheduled workshops with more than % places',
                NEW.id, NEW.seats
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'ck_computer_rooms_seats_cover_workshops',
                      TABLE = 'computer_rooms';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER trg_computer_rooms_seats_cover_workshops
    BEFORE UPDATE OF seats ON computer_rooms
    FOR EACH ROW WHEN (NEW.seats < OLD.seats) EXECUTE FUNCTION check_room_seats()
    """,
    # Every insert and every real change of an attendance row lands in the history.
    """
    CREATE FUNCTION record_attendance_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND NEW.status IS NOT DISTINCT FROM OLD.status
           AND NEW.arrived_at IS NOT DISTINCT FROM OLD.arrived_at
           AND NEW.note IS NOT DISTINCT FROM OLD.note THEN
            RETURN NEW;
        END IF;
        INSERT INTO attendance_changes (
            attendance_id, school_id, session_id, student_id,
            old_status, new_status, old_arrived_at, new_arrived_at, old_note, new_note,
            changed_by, changed_at)
        VALUES (
            NEW.id, NEW.school_id, NEW.session_id, NEW.student_id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.arrived_at END, NEW.arrived_at,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.note END, NEW.note,
            NEW.marked_by, NEW.marked_at);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER trg_attendance_history
    AFTER INSERT OR UPDATE ON attendance
    FOR EACH ROW EXECUTE FUNCTION record_attendance_change()
    """,
    """
    CREATE FUNCTION refuse_history_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'attendance_changes is append-only'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'attendance_changes';
    END $$
    """,
    """
    CREATE TRIGGER trg_attendance_changes_append_only
    BEFORE UPDATE OR DELETE ON attendance_changes
    FOR EACH ROW EXECUTE FUNCTION refuse_history_rewrite()
    """,
    # Thai name search (students) by trigram similarity.
    """
    CREATE INDEX ix_students_name_th_trgm ON students
    USING gin ((first_name_th || ' ' || last_name_th) gin_trgm_ops)
    """,
]

TRIGGERS_DOWN = [
    "DROP INDEX IF EXISTS ix_students_name_th_trgm",
    "DROP TRIGGER IF EXISTS trg_attendance_changes_append_only ON attendance_changes",
    "DROP FUNCTION IF EXISTS refuse_history_rewrite()",
    "DROP TRIGGER IF EXISTS trg_attendance_history ON attendance",
    "DROP FUNCTION IF EXISTS record_attendance_change()",
    "DROP TRIGGER IF EXISTS trg_computer_rooms_seats_cover_workshops ON computer_rooms",
    "DROP FUNCTION IF EXISTS check_room_seats()",
    "DROP TRIGGER IF EXISTS trg_workshops_capacity_within_room ON workshops",
    "DROP FUNCTION IF EXISTS check_workshop_capacity()",
    *(f"DROP TRIGGER IF EXISTS trg_{table}_updated_at ON {table}" for table in TIMESTAMPED_TABLES),
    "DROP FUNCTION IF EXISTS set_updated_at()",
]


def upgrade() -> None:
    for extension in EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    op.create_table(
        "academic_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("academic_year", sa.SmallInteger(), nullable=False),
        sa.Column("term", sa.SmallInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        postgresql.ExcludeConstraint(
            (sa.literal_column("daterange(starts_on, ends_on, '[]')"), "&&"),
            using="gist",
            name="ex_academic_terms_no_overlap",
        ),
        sa.CheckConstraint(
            "academic_year BETWEEN 2500 AND 2700",
            name=op.f("ck_academic_terms_academic_year_is_buddhist_era"),
        ),
        sa.CheckConstraint(
            "starts_on < ends_on", name=op.f("ck_academic_terms_starts_before_ends")
        ),
        sa.CheckConstraint("term IN (1, 2)", name=op.f("ck_academic_terms_term_is_1_or_2")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_academic_terms")),
        sa.UniqueConstraint(
            "academic_year", "term", name=op.f("uq_academic_terms_academic_year_term")
        ),
    )
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title_th", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("description_th", sa.Text(), server_default="", nullable=False),
        sa.Column("description_en", sa.Text(), server_default="", nullable=False),
        sa.Column("pillar", sa.String(length=30), nullable=False),
        sa.Column("grade_levels", postgresql.ARRAY(sa.String(length=2)), nullable=False),
        sa.Column("creator_led", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("source_file", sa.String(length=300), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "cardinality(grade_levels) > 0 AND grade_levels <@ ARRAY['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6']::varchar[]",
            name=op.f("ck_courses_grade_levels_valid"),
        ),
        sa.CheckConstraint(
            "pillar IN ('smart_people', 'smart_economy', 'smart_environment')",
            name=op.f("ck_courses_pillar_valid"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_courses_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("code", name=op.f("uq_courses_code")),
    )
    op.create_index(op.f("ix_courses_pillar"), "courses", ["pillar"], unique=False)
    op.create_table(
        "creators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", postgresql.CITEXT(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column(
            "specialties",
            postgresql.ARRAY(sa.String(length=60)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("bio_th", sa.Text(), server_default="", nullable=False),
        sa.Column("bio_en", sa.Text(), server_default="", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creators")),
        sa.UniqueConstraint("handle", name=op.f("uq_creators_handle")),
    )
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name_th", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("code", name=op.f("uq_districts_code")),
    )
    op.create_table(
        "modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_th", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column(
            "outcomes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "materials",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("creator_led", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "jsonb_typeof(materials) = 'array'", name=op.f("ck_modules_materials_is_array")
        ),
        sa.CheckConstraint(
            "jsonb_typeof(outcomes) = 'array'", name=op.f("ck_modules_outcomes_is_array")
        ),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_modules_minutes_positive")),
        sa.CheckConstraint("position >= 1", name=op.f("ck_modules_position_positive")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_modules_version_positive")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_modules_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_modules")),
        sa.UniqueConstraint("code", name=op.f("uq_modules_code")),
        sa.UniqueConstraint(
            "course_id",
            "position",
            deferrable=True,
            initially="DEFERRED",
            name=op.f("uq_modules_course_id_position"),
        ),
    )
    op.create_table(
        "schools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_schools_district_id_districts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schools")),
        sa.UniqueConstraint("code", name=op.f("uq_schools_code")),
    )
    op.create_index(op.f("ix_schools_district_id"), "schools", ["district_id"], unique=False)
    op.create_table(
        "computer_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column(
            "equipment",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "jsonb_typeof(equipment) = 'object'", name=op.f("ck_computer_rooms_equipment_is_object")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'maintenance', 'closed')",
            name=op.f("ck_computer_rooms_status_valid"),
        ),
        sa.CheckConstraint("seats > 0", name=op.f("ck_computer_rooms_seats_positive")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_computer_rooms_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_computer_rooms")),
        sa.UniqueConstraint("id", "school_id", name=op.f("uq_computer_rooms_id_school_id")),
        sa.UniqueConstraint("school_id", "code", name=op.f("uq_computer_rooms_school_id_code")),
    )
    op.create_index(op.f("ix_computer_rooms_status"), "computer_rooms", ["status"], unique=False)
    op.create_table(
        "module_prerequisites",
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("prerequisite_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "module_id <> prerequisite_id", name=op.f("ck_module_prerequisites_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_module_prerequisites_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prerequisite_id"],
            ["modules.id"],
            name=op.f("fk_module_prerequisites_prerequisite_id_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "module_id", "prerequisite_id", name=op.f("pk_module_prerequisites")
        ),
    )
    op.create_index(
        op.f("ix_module_prerequisites_prerequisite_id"),
        "module_prerequisites",
        ["prerequisite_id"],
        unique=False,
    )
    op.create_table(
        "module_versions",
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_module_versions_module_id_modules"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("module_id", "version", name=op.f("pk_module_versions")),
    )
    op.create_table(
        "students",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("student_code", sa.String(length=40), nullable=False),
        sa.Column("first_name_th", sa.String(length=100), nullable=False),
        sa.Column("last_name_th", sa.String(length=100), nullable=False),
        sa.Column("first_name_en", sa.String(length=100), server_default="", nullable=False),
        sa.Column("last_name_en", sa.String(length=100), server_default="", nullable=False),
        sa.Column("grade_level", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="active", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "grade_level IN ('P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6')",
            name=op.f("ck_students_grade_level_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'inactive', 'graduated', 'transferred')",
            name=op.f("ck_students_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_students_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_students")),
        sa.UniqueConstraint("id", "school_id", name=op.f("uq_students_id_school_id")),
        sa.UniqueConstraint(
            "school_id", "student_code", name=op.f("uq_students_school_id_student_code")
        ),
    )
    op.create_index(
        "ix_students_school_id_updated_at", "students", ["school_id", "updated_at"], unique=False
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", postgresql.CITEXT(), nullable=False),
        sa.Column("email", postgresql.CITEXT(), nullable=True),
        sa.Column("full_name_th", sa.String(length=200), nullable=False),
        sa.Column("full_name_en", sa.String(length=200), server_default="", nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(role = 'creator') = (creator_id IS NOT NULL)",
            name=op.f("ck_users_creator_matches_role"),
        ),
        sa.CheckConstraint(
            "(role IN ('school_admin', 'teacher')) = (school_id IS NOT NULL)",
            name=op.f("ck_users_school_matches_role"),
        ),
        sa.CheckConstraint(
            "role IN ('admin', 'department', 'school_admin', 'teacher', 'creator')",
            name=op.f("ck_users_role_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["creators.id"],
            name=op.f("fk_users_creator_id_creators"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_users_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(op.f("ix_users_creator_id"), "users", ["creator_id"], unique=False)
    op.create_index(op.f("ix_users_school_id"), "users", ["school_id"], unique=False)
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("module_version", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("host_teacher_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("title_th", sa.String(length=300), server_default="", nullable=False),
        sa.Column("title_en", sa.String(length=300), server_default="", nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="scheduled", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'cancelled', 'completed')",
            name=op.f("ck_workshops_status_valid"),
        ),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_workshops_capacity_positive")),
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity",
            name=op.f("ck_workshops_seats_taken_within_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["creators.id"],
            name=op.f("fk_workshops_creator_id_creators"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["host_teacher_id"],
            ["users.id"],
            name=op.f("fk_workshops_host_teacher_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["module_id", "module_version"],
            ["module_versions.module_id", "module_versions.version"],
            name="fk_workshops_module_id_module_version_module_versions",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["room_id", "school_id"],
            ["computer_rooms.id", "computer_rooms.school_id"],
            name="fk_workshops_room_id_school_id_computer_rooms",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_workshops_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["academic_terms.id"],
            name=op.f("fk_workshops_term_id_academic_terms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshops")),
        sa.UniqueConstraint(
            "id",
            "school_id",
            "room_id",
            "creator_id",
            name=op.f("uq_workshops_id_school_id_room_id_creator_id"),
        ),
        sa.UniqueConstraint("id", "school_id", name=op.f("uq_workshops_id_school_id")),
    )
    op.create_index(op.f("ix_workshops_creator_id"), "workshops", ["creator_id"], unique=False)
    op.create_index(
        op.f("ix_workshops_host_teacher_id"), "workshops", ["host_teacher_id"], unique=False
    )
    op.create_index(op.f("ix_workshops_module_id"), "workshops", ["module_id"], unique=False)
    op.create_index("ix_workshops_room_id", "workshops", ["room_id"], unique=False)
    op.create_index(
        "ix_workshops_school_id_term_id", "workshops", ["school_id", "term_id"], unique=False
    )
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("waitlist_position", sa.Integer(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'waitlisted') = (waitlist_position IS NOT NULL)",
            name=op.f("ck_enrolments_waitlist_position_iff_waitlisted"),
        ),
        sa.CheckConstraint(
            "status IN ('enrolled', 'waitlisted', 'withdrawn', 'completed')",
            name=op.f("ck_enrolments_status_valid"),
        ),
        sa.CheckConstraint(
            "waitlist_position > 0", name=op.f("ck_enrolments_waitlist_position_positive")
        ),
        sa.ForeignKeyConstraint(
            ["student_id", "school_id"],
            ["students.id", "students.school_id"],
            name="fk_enrolments_student_id_school_id_students",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id", "school_id"],
            ["workshops.id", "workshops.school_id"],
            name="fk_enrolments_workshop_id_school_id_workshops",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint(
            "workshop_id", "student_id", name=op.f("uq_enrolments_workshop_id_student_id")
        ),
        sa.UniqueConstraint(
            "workshop_id",
            "waitlist_position",
            deferrable=True,
            initially="DEFERRED",
            name=op.f("uq_enrolments_workshop_id_waitlist_position"),
        ),
    )
    op.create_index(
        "ix_enrolments_school_id_updated_at",
        "enrolments",
        ["school_id", "updated_at"],
        unique=False,
    )
    op.create_index("ix_enrolments_student_id", "enrolments", ["student_id"], unique=False)
    op.create_table(
        "workshop_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="scheduled", nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("taken_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        postgresql.ExcludeConstraint(
            (sa.column("creator_id"), "="),
            (sa.literal_column("tstzrange(starts_at, ends_at)"), "&&"),
            where=sa.text("status <> 'cancelled'"),
            using="gist",
            name="ex_workshop_sessions_creator_overlap",
        ),
        postgresql.ExcludeConstraint(
            (sa.column("room_id"), "="),
            (sa.literal_column("tstzrange(starts_at, ends_at)"), "&&"),
            where=sa.text("status <> 'cancelled'"),
            using="gist",
            name="ex_workshop_sessions_room_overlap",
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'cancelled', 'completed')",
            name=op.f("ck_workshop_sessions_status_valid"),
        ),
        sa.CheckConstraint(
            "(taken_at IS NULL) = (taken_by IS NULL)",
            name=op.f("ck_workshop_sessions_taken_at_and_by_together"),
        ),
        sa.CheckConstraint(
            "starts_at < ends_at", name=op.f("ck_workshop_sessions_starts_before_ends")
        ),
        sa.ForeignKeyConstraint(
            ["taken_by"],
            ["users.id"],
            name=op.f("fk_workshop_sessions_taken_by_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id", "school_id", "room_id", "creator_id"],
            ["workshops.id", "workshops.school_id", "workshops.room_id", "workshops.creator_id"],
            name="fk_workshop_sessions_workshop_workshops",
            onupdate="CASCADE",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_sessions")),
        sa.UniqueConstraint("id", "workshop_id", name=op.f("uq_workshop_sessions_id_workshop_id")),
    )
    op.create_index(
        "ix_workshop_sessions_school_id_starts_at",
        "workshop_sessions",
        ["school_id", "starts_at"],
        unique=False,
    )
    op.create_index(
        "ix_workshop_sessions_workshop_id_starts_at",
        "workshop_sessions",
        ["workshop_id", "starts_at"],
        unique=False,
    )
    op.create_table(
        "attendance",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "arrived_at IS NULL OR status IN ('present', 'late')",
            name=op.f("ck_attendance_arrival_only_when_present_or_late"),
        ),
        sa.CheckConstraint(
            "status IN ('present', 'late', 'excused', 'absent')",
            name=op.f("ck_attendance_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["marked_by"],
            ["users.id"],
            name=op.f("fk_attendance_marked_by_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_attendance_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id", "workshop_id"],
            ["workshop_sessions.id", "workshop_sessions.workshop_id"],
            name="fk_attendance_session_id_workshop_id_workshop_sessions",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id", "student_id"],
            ["enrolments.workshop_id", "enrolments.student_id"],
            name="fk_attendance_workshop_id_student_id_enrolments",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance")),
        sa.UniqueConstraint(
            "session_id", "student_id", name=op.f("uq_attendance_session_id_student_id")
        ),
    )
    op.create_index(
        "ix_attendance_school_id_marked_at", "attendance", ["school_id", "marked_at"], unique=False
    )
    op.create_index("ix_attendance_student_id", "attendance", ["student_id"], unique=False)
    op.create_table(
        "attendance_changes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("attendance_id", sa.BigInteger(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("old_status", sa.String(length=10), nullable=True),
        sa.Column("new_status", sa.String(length=10), nullable=False),
        sa.Column("old_arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("old_note", sa.Text(), nullable=True),
        sa.Column("new_note", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["attendance.id"],
            name=op.f("fk_attendance_changes_attendance_id_attendance"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_attendance_changes_changed_by_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_changes")),
    )
    op.create_index(
        "ix_attendance_changes_attendance_id", "attendance_changes", ["attendance_id"], unique=False
    )
    for statement in TRIGGERS_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in TRIGGERS_DOWN:
        op.execute(statement)
    op.drop_index("ix_attendance_changes_attendance_id", table_name="attendance_changes")
    op.drop_table("attendance_changes")
    op.drop_index("ix_attendance_student_id", table_name="attendance")
    op.drop_index("ix_attendance_school_id_marked_at", table_name="attendance")
    op.drop_table("attendance")
    op.drop_index("ix_workshop_sessions_workshop_id_starts_at", table_name="workshop_sessions")
    op.drop_index("ix_workshop_sessions_school_id_starts_at", table_name="workshop_sessions")
    op.drop_table("workshop_sessions")
    op.drop_index("ix_enrolments_student_id", table_name="enrolments")
    op.drop_index("ix_enrolments_school_id_updated_at", table_name="enrolments")
    op.drop_table("enrolments")
    op.drop_index("ix_workshops_school_id_term_id", table_name="workshops")
    op.drop_index("ix_workshops_room_id", table_name="workshops")
    op.drop_index(op.f("ix_workshops_module_id"), table_name="workshops")
    op.drop_index(op.f("ix_workshops_host_teacher_id"), table_name="workshops")
    op.drop_index(op.f("ix_workshops_creator_id"), table_name="workshops")
    op.drop_table("workshops")
    op.drop_index(op.f("ix_users_school_id"), table_name="users")
    op.drop_index(op.f("ix_users_creator_id"), table_name="users")
    op.drop_table("users")
    op.drop_index("ix_students_school_id_updated_at", table_name="students")
    op.drop_table("students")
    op.drop_table("module_versions")
    op.drop_index(
        op.f("ix_module_prerequisites_prerequisite_id"), table_name="module_prerequisites"
    )
    op.drop_table("module_prerequisites")
    op.drop_index(op.f("ix_computer_rooms_status"), table_name="computer_rooms")
    op.drop_table("computer_rooms")
    op.drop_index(op.f("ix_schools_district_id"), table_name="schools")
    op.drop_table("schools")
    op.drop_table("modules")
    op.drop_table("districts")
    op.drop_table("creators")
    op.drop_index(op.f("ix_courses_pillar"), table_name="courses")
    op.drop_table("courses")
    op.drop_table("academic_terms")
