"""Filtered views of a long table, with every row published once per language.

The site is static files, so a filter is a link. A table's rows are split by
the month of their time (the shooting, the case's first event, what raised a
flag) into one page per month, ``promises-by-month-2026-03.html``: the month
pages partition the table, and they are the only pages that hold its rows. The
table's own page and the page of each group and each outcome or rule
(``promises-by-group-<g>.html``, ``promises-by-outcome-broken.html``,
``releases-by-rule-release.no_basis.html``) list, month by month, how many rows
have that value, each a link to the month's page asking it for that value
(``?group=<g>`` or ``?outcome=broken``); there a script shows only those rows,
and without a script the whole month is shown, each row naming its group and
outcome. So a city with r rows publishes r rows per language, not one copy
per dimension, and a month whose rows did not change keeps its page as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from public_site.labels import N_
from public_site.pages import file_slug

Row = dict[str, Any]


@dataclass(frozen=True)
class Dimension:
    """One way to filter: the values a row has (a row may have several groups, or none)."""

    key: str
    """``group``, ``outcome`` or ``month``: the page names say ``-by-<key>-``."""
    title: str
    """The filter's name, marked for translation."""
    values: Callable[[Row], Iterable[str]]
    order: Sequence[str] = ()
    """Values listed first, in this order (groups as the groups table lists them, outcomes as
    the labels do); any other value follows, sorted (months, chronologically)."""
    labels: str | None = None
    """The table of ``public_site.labels`` that names a value (``OUTCOMES``, ``RULES``); a group
    is named by its name and a month by its date."""


@dataclass(frozen=True)
class View:
    """One page of the table: every row, or the rows with one value of one dimension."""

    page: str
    """The file name in the language directory: ``promises.html``, ``promises-by-month-2026-03.html``."""
    dimension: str | None
    value: str | None
    rows: tuple[int, ...]
    """Positions of the rows shown, in the table's order."""


@dataclass(frozen=True)
class Filters:
    """Every view of one table, and what the filter bar of each page lists."""

    table: str
    dimensions: tuple[Dimension, ...]
    everything: View
    by_dimension: dict[str, tuple[View, ...]]

    def dimension(self, key: str) -> Dimension:
        return next(d for d in self.dimensions if d.key == key)

    @property
    def views(self) -> list[View]:
        return [self.everything] + [v for views in self.by_dimension.values() for v in views]

    @property
    def months(self) -> tuple[View, ...]:
        """The month pages: every row is on exactly one of them."""
        return self.by_dimension[PAGES_BY]

    @property
    def summaries(self) -> list[View]:
        """The pages that count rows by month and link to the month pages: the table's own page,
        and one per group and per outcome."""
        return [self.everything] + [
            v for key, views in self.by_dimension.items() if key != PAGES_BY for v in views
        ]

    def around(self, month: View) -> tuple[View, ...]:
        """The month pages a month page's filter lists: the month before it, itself and the month
        after it (the table's own page counts every month). Listing every month on each would
        change every month page when a month is added; so only the page before the new one is
        written again with it."""
        at = self.months.index(month)
        return self.months[max(0, at - 1) : at + 2]

    def by_month(self, view: View) -> list[tuple[View, int]]:
        """Each month page with how many of ``view``'s rows it holds (months with none left out)."""
        shown = set(view.rows)
        counted = [(month, sum(1 for i in month.rows if i in shown)) for month in self.months]
        return [(month, count) for month, count in counted if count]

    def counted(self, key: str, value: str) -> Counted | None:
        """The rows with one value of a dimension, month by month, as a page that counts them
        without listing them shows them (a group's page); None when no row has the value."""
        view = next((v for v in self.by_dimension[key] if v.value == value), None)
        return Counted(self, view, self.by_month(view)) if view else None


@dataclass(frozen=True)
class Counted:
    """One value's rows of a table, counted month by month (``Filters.counted``)."""

    filters: Filters
    view: View
    months: list[tuple[View, int]]


PAGES_BY = "month"
"""The dimension whose pages hold the rows: every row has exactly one month."""


def page_name(table: str, dimension: str, value: str) -> str:
    return f"{table}-by-{dimension}-{file_slug(value)}.html"


def filters_for(table: str, rows: Sequence[Row], dimensions: Sequence[Dimension]) -> Filters:
    """The views of ``rows``: all of them, then one per value that at least one row has."""
    by_dimension: dict[str, tuple[View, ...]] = {}
    for dimension in dimensions:
        found: dict[str, list[int]] = {}
        for position, row in enumerate(rows):
            for value in dict.fromkeys(dimension.values(row)):
                found.setdefault(value, []).append(position)
        listed = [v for v in dimension.order if v in found]
        listed += sorted(v for v in found if v not in set(dimension.order))
        by_dimension[dimension.key] = tuple(
            View(page_name(table, dimension.key, value), dimension.key, value, tuple(found[value]))
            for value in listed
        )
    everything = View(f"{table}.html", None, None, tuple(range(len(rows))))
    return Filters(table, tuple(dimensions), everything, by_dimension)


def month_of(moment: str) -> list[str]:
    """The month ("YYYY-MM", UTC as every date on the site) of a recorded time (every statement has one)."""
    return [moment[:7]]


def by_group_outcome_month(
    table: str,
    rows: Sequence[Row],
    groups: Sequence[str],
    outcomes: Sequence[str],
    labels: str,
    moment: str,
) -> Filters:
    """The filters of the promises and the cases: each row's ``groups``, its ``outcome`` (named by
    the ``labels`` table of ``public_site.labels``) and the month of its ``moment`` field (the
    shooting, the case's first event)."""
    return filters_for(
        table,
        rows,
        [
            Dimension("group", N_("Group"), lambda r: r["groups"], groups),
            Dimension("outcome", N_("Outcome"), lambda r: [r["outcome"]], outcomes, labels),
            Dimension("month", N_("Month"), lambda r: month_of(r[moment])),
        ],
    )


def flags_by_group_rule_month(
    table: str, rows: Sequence[Row], groups: Sequence[str], rules: Sequence[str]
) -> Filters:
    """The filters of a table of flags (the flagged releases, the custody flags): the groups the
    person belonged to when it happened, the flag's rule and the month it happened in. The area,
    the severity and the status are chosen on the month page itself: an area is recorded text,
    which no file name is made of."""
    return filters_for(
        table,
        rows,
        [
            Dimension("group", N_("Group"), lambda r: r["groups"], groups),
            Dimension("rule", N_("Rule"), lambda r: [r["rule"]], rules, "RULES"),
            Dimension("month", N_("Month"), lambda r: month_of(r["occurred_at"])),
        ],
    )


def releases_by_group_explained_month(
    table: str, rows: Sequence[Row], groups: Sequence[str], explained: Sequence[str]
) -> Filters:
    """The filters of every release: the groups of the spell of custody it ended, whether it is
    explained (``unexplained`` while a rule finds no lawful basis for it and the committee has
    not found it explained) and the month it happened in."""
    return filters_for(
        table,
        rows,
        [
            Dimension("group", N_("Group"), lambda r: r["groups"], groups),
            Dimension(
                "explained",
                N_("Explanation"),
                lambda r: [r["explained"]],
                explained,
                "RELEASE_EXPLAINED",
            ),
            Dimension("month", N_("Month"), lambda r: month_of(r["at"])),
        ],
    )
