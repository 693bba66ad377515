"""Reference and sample data loaded from the CSV files under `seeds/`."""

from app.seeds.loader import SeedReport, TableCounts, load_seeds
from app.seeds.rows import SeedError

__all__ = ["SeedError", "SeedReport", "TableCounts", "load_seeds"]
