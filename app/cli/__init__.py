"""The `lms` command line: thin calls into the domain services."""

from app.cli.main import app, main

__all__ = ["app", "main"]
