"""What a scale generation wrote: rows and rows/s per table, per step."""

from dataclasses import dataclass, field


@dataclass
class StepTiming:
    table: str
    rows: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class ScaleReport:
    terms: list[str] = field(default_factory=list)
    skipped_terms: list[str] = field(default_factory=list)
    steps: list[StepTiming] = field(default_factory=list)
    seconds: float = 0.0
    # "replica": triggers and FK checks skipped, history written set-based (superuser only);
    # "triggers": every trigger and FK check ran.
    mode: str = ""
    # Outcomes that are not rows of one table: workshops closed, students who completed.
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, rows: int, seconds: float) -> None:
        self.steps.append(StepTiming(table, rows, seconds))

    def count(self, name: str, value: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + value

    def totals(self) -> dict[str, StepTiming]:
        """Rows and time per table over every step."""
        out: dict[str, StepTiming] = {}
        for step in self.steps:
            total = out.setdefault(step.table, StepTiming(step.table, 0, 0.0))
            total.rows += step.rows
            total.seconds += step.seconds
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "terms": self.terms,
            "skipped_terms": self.skipped_terms,
            "mode": self.mode,
            "seconds": round(self.seconds, 2),
            "counts": dict(self.counts),
            "tables": {
                name: {
                    "rows": t.rows,
                    "seconds": round(t.seconds, 2),
                    "rows_per_s": round(t.rows_per_s),
                }
                for name, t in self.totals().items()
            },
        }

    def __str__(self) -> str:
        lines = [
            f"scale data: terms {', '.join(self.terms) or '-'}"
            + (f" (already there: {', '.join(self.skipped_terms)})" if self.skipped_terms else "")
            + f"; {self.seconds:.1f} s ({self.mode})"
        ]
        totals = self.totals()
        width = max((len(name) for name in totals), default=0)
        for name, t in totals.items():
            lines.append(
                f"  {name:<{width}} {t.rows:>10,} rows {t.seconds:7.1f} s"
                f" {t.rows_per_s:>10,.0f} rows/s"
            )
        if self.counts:
            lines.append("  " + ", ".join(f"{k} {v:,}" for k, v in self.counts.items()))
        return "\n".join(lines)
