"""Thai public holidays, from the `holidays` package (country TH), cached per year.

The package follows the cabinet's announcements (substitute days "in lieu", bridge holidays)
in Thai and English; we take its public and school categories (Teacher's Day, 16 January, is
a school holiday). The city's own extra days off are closures without a school
(`calendar_closures`), not part of this list.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

CATEGORIES = (holidays.PUBLIC, holidays.SCHOOL)


@dataclass(frozen=True, slots=True)
class Holiday:
    day: date
    name_th: str
    name_en: str


@lru_cache(maxsize=64)
def thai_holidays(year: int) -> dict[date, Holiday]:
    """Every Thai public (and school) holiday of a Gregorian year, by day."""
    thai = holidays.country_holidays("TH", years=year, language="th", categories=CATEGORIES)
    english = holidays.country_holidays("TH", years=year, language="en_US", categories=CATEGORIES)
    return {
        day: Holiday(day=day, name_th=name, name_en=english.get(day, name))
        for day, name in sorted(thai.items())
    }


def holidays_between(from_on: date, to_on: date) -> list[Holiday]:
    """The holidays of [from_on, to_on], in date order."""
    found: list[Holiday] = []
    for year in range(from_on.year, to_on.year + 1):
        found.extend(h for h in thai_holidays(year).values() if from_on <= h.day <= to_on)
    return found


def holiday_on(day: date) -> Holiday | None:
    return thai_holidays(day.year).get(day)


def days_of(from_on: date, to_on: date) -> list[date]:
    return [from_on + timedelta(days=i) for i in range((to_on - from_on).days + 1)]
