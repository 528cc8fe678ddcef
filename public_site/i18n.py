"""English and Urdu: the UI catalogs and locale-aware numbers and dates.

UI strings are marked in templates (``_("…")``) and in ``labels.py``
(``N_("…")``), extracted with ``pybabel extract -F public_site/babel.cfg``
into ``public_site/locale/messages.pot``, and translated in
``public_site/locale/<lang>/LC_MESSAGES/messages.po``. The ``.po`` files are
compiled in memory at every build (no generated ``.mo`` needs to be checked
in, so a fresh clone builds). Numbers, percentages and dates go through Babel
with the page's locale (``en``, ``ur_PK``). Data (group names, areas, reasons)
is never translated: it is shown as recorded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@dataclass(frozen=True)
class Convention:
    """How a language writes dates, times and the punctuation templates join text with."""

    date: str
    """Babel date pattern of a day."""
    time: str
    """Babel time pattern; always UTC, followed by " UTC"."""
    moment: str
    """How a date and a time are joined: ``{date}`` and ``{time}``."""
    month: str
    stop: str
    comma: str
    semicolon: str


ENGLISH = Convention(
    date="medium", time="medium", moment="", month="MMM y", stop=".", comma=",", semicolon=";"
)
"""English keeps Babel's own medium formats ("7 Mar 2026, 19:00:07")."""
URDU = Convention(
    date="d MMMM y",
    time="HH:mm:ss",
    moment="{date}، {time}",
    month="MMMM y",
    stop="۔",
    comma="،",
    semicolon="؛",
)
"""The Urdu convention described in the module's docstring."""


@dataclass(frozen=True)
class Language:
    code: str
    """Path segment and HTML ``lang``: ``en`` or ``ur``."""
    babel: str
    """Babel/CLDR locale used for numbers and dates."""
    direction: str
    native_name: str
    convention: Convention


LANGUAGES: tuple[Language, ...] = (
    Language("en", "en", "ltr", "English", ENGLISH),
    Language("ur", "ur_PK", "rtl", "اردو", URDU),
)


@cache
def translations(code: str) -> Translations:
    """The compiled catalog of a language (English falls back to the msgids)."""
    po_path = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def parse_moment(value: str) -> datetime:
    """A ledger time ("YYYY-MM-DDTHH:MM:SSZ") as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


_WHOLE = Decimal(1)
"""The quantum a number shown without decimals is rounded to."""


class Formatter:
    """Numbers, percentages and dates in one language, for templates and charts."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.locale = Locale.parse(language.babel)
        self.convention = language.convention
        self.stop = self.convention.stop
        self.comma = self.convention.comma
        self.semicolon = self.convention.semicolon
        self._group = str(self.locale.number_symbols["latn"]["group"])
        glue = str(self.locale.datetime_formats["medium"]).replace("'", "")
        self._glue = self.convention.moment or glue.replace("{1}", "{date}").replace(
            "{0}", "{time}"
        )
        self._days: dict[str, str] = {}
        self._times: dict[str, str] = {}
        self._day_forms: dict[str, str] = {}

    def number(self, value: Any, digits: int = 0) -> str:
        if value is None:
            return "–"
        if (
            not digits and type(value) is int and value >= 0
        ):  # the common case, without Babel's pattern parser
            return format(value, ",").replace(",", self._group)
        if not digits and type(value) is float and 0 < value < 1e15:
            # hours and days in custody: Babel's rounding (the decimal context's, of the
            # number as ``str`` writes it), without its pattern parser
            whole = int(Decimal(str(value)).quantize(_WHOLE))
            return format(whole, ",").replace(",", self._group)
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def percent(self, value: Any, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return str(format_percent(value, format=pattern, locale=self.locale))

    def day(self, value: str | date | None, form: str = "medium") -> str:
        """A day in the language's convention; a ledger time's day comes from a per-day cache (tables repeat days)."""
        if not value:
            return "–"
        if form == "medium":
            form = self.convention.date
        if isinstance(value, str) and len(value) == 20 and value[10] == "T" and value[19] == "Z":
            key = f"{value[:10]} {form}"
            text = self._day_forms.get(key)
            if text is None:
                text = self._day_forms[key] = str(
                    format_date(parse_moment(value), format=form, locale=self.locale)
                )
            return text
        moment = parse_moment(value) if isinstance(value, str) else value
        return str(format_date(moment, format=form, locale=self.locale))

    def moment(self, value: str | None) -> str:
        """Date and time in the language's convention, from per-day and per-time caches (timelines repeat both)."""
        if not value:
            return "–"
        if len(value) != 20 or value[10] != "T" or value[19] != "Z":
            moment = parse_moment(value).astimezone(UTC)
            return self._join(
                str(format_date(moment, format=self.convention.date, locale=self.locale)),
                str(format_time(moment, format=self.convention.time, locale=self.locale)),
            )
        day, clock = value[:10], value[11:19]
        day_text = self._days.get(day)
        if day_text is None:
            day_text = self._days[day] = str(
                format_date(parse_moment(value), format=self.convention.date, locale=self.locale)
            )
        time_text = self._times.get(clock)
        if time_text is None:
            time_text = self._times[clock] = str(
                format_time(
                    parse_moment(value),
                    format=self.convention.time,
                    tzinfo=UTC,
                    locale=self.locale,
                )
            )
        return self._join(day_text, time_text)

    def _join(self, day_text: str, time_text: str) -> str:
        return self._glue.replace("{date}", day_text).replace("{time}", time_text) + " UTC"

    def month(self, value: str) -> str:
        """A "YYYY-MM" month as the locale names it."""
        return str(
            format_date(
                date(int(value[:4]), int(value[5:7]), 1),
                format=self.convention.month,
                locale=self.locale,
            )
        )


@cache
def formatter(language: Language) -> Formatter:
    """The formatter of a language, one per process: its caches of the days and times printed
    (a ledger time's clock is one of 86,400) are shared by every page it formats, where a
    formatter per page, or per batch of case pages, would format most times afresh."""
    return Formatter(language)
