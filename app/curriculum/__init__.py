"""The curriculum: courses and modules authored as YAML files under `curriculum/`.

`validate_tree` checks a tree of files and reports every error with its file and line;
`load_curriculum` writes a valid tree into the database, versioning what changed.
"""

from app.curriculum.loader import CurriculumInvalid, LoadReport, load_curriculum
from app.curriculum.schema import CourseDoc, ModuleDoc
from app.curriculum.validation import CurriculumError, validate_tree

__all__ = [
    "CourseDoc",
    "CurriculumError",
    "CurriculumInvalid",
    "LoadReport",
    "ModuleDoc",
    "load_curriculum",
    "validate_tree",
]
