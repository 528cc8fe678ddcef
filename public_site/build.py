"""Build the public website: static files from the projections as of one signed checkpoint.

``build_site(source, out)`` renders every page in English (``/en/``) and Urdu
(``/ur/``) with Jinja2 (autoescape on for every template, HTML and XML
alike), draws the charts, and writes the data a reader needs to check what
they read: the checkpoint, the log key, the log as C2SP tlog-tiles (from
which the verify page computes any event's inclusion proof), the whole public
log once more as an export compressed with gzip (``ledger verify --export``
checks it once decompressed: ``public_site.log_download``), and every report
as CSV and JSON. Links in pages are relative, so the
directory can be hosted under any path (the 404 pages excepted: see
``write_not_found``); the Atom feeds (one per language) are read outside the
site, so their links are absolute, from ``base_url`` (see ``public_site.feeds``).
Writing is incremental (see ``public_site.output``): only the checkpoint page
and the pages that show figures name the checkpoint; every other page links
to the checkpoint page, so a page is rewritten only when what it renders
changed. A case page is keyed by the digest of its case's history and of the
renderer (``renderer_version``): an unchanged case is not even rendered; so is
a month page of the promises or the cases, by its rows (``public_site.filters``:
each row is on one page per language). Pages
are rendered by ``processes`` worker processes (forked, sharing the reports
computed once) when there are enough of them to be worth it.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from ledger.log.tiles import (
    LeafIds,
    LeafRange,
    hashed_tree,
    held,
    id_prefix_length,
    write_tiles,
)
from ledger.projections.equality import NO_GROUP
from ledger.projections.flag_rules import RULES
from ledger.projections.officers import WINDOW_DAYS
from ledger.projections.report_names import REPORT_NAMES
from public_site import charts, downloads, labels
from public_site.case_pages import CasePages
from public_site.cells import Cells
from public_site.feeds import DEFAULT_BASE_URL, FEED, feed_id, parse_base_url
from public_site.filters import (
    PAGES_BY,
    Filters,
    View,
    by_group_outcome_month,
    flags_by_group_rule_month,
    releases_by_group_explained_month,
)
from public_site.fonts import font_files, stylesheet
from public_site.i18n import LANGUAGES, Language, formatter, translations
from public_site.inputs import PROOF_MODULE
from public_site.labels import N_
from public_site.log_download import LeafHashes, write_compressed_log
from public_site.methodology import METHODOLOGY, render_methodology, translation_of
from public_site.output import SiteWriter, WrittenPart, inputs_digest, lined_json
from public_site.pages import SiteData, file_slug, iter_group_ids
from public_site.source import SiteSource

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
KM_HOURS = (12, 24, 48, 72, 168)
"""Hours at which the tables beside the time-to-arrest charts read the curves."""


def survival_at(curve: list[dict[str, Any]], hours: float) -> float | None:
    """Share with no arrest yet just after ``hours`` (None when nobody was followed that long)."""
    value = 1.0
    for point in curve:
        if point["time"] > hours:
            return value
        value = point["survival"]
    return value if curve and (curve[-1]["time"] >= hours or value == 0.0) else None


SECTIONS = (
    ("index", N_("Home")),
    ("groups", N_("Groups")),
    ("promises", N_("Promises")),
    ("releases", N_("Releases")),
    ("custody", N_("Custody")),
    ("officers", N_("Officers")),
    ("court", N_("Court")),
    ("interruption", N_("Interruption")),
    ("cases", N_("Cases")),
    ("methodology", N_("Methodology")),
    ("verify", N_("Verify")),
    ("downloads", N_("Downloads")),
)
"""The sections menu in order: each main page and its link text. The menu and the tests read it."""
SECTION_PAGES = tuple(page for page, _ in SECTIONS)
FLAG_TABLES = ("releases", "custody")
"""The section pages that list flags (``flags.html``), each with its month pages (public_site.filters)."""
FIGURE_PAGES = frozenset(SECTION_PAGES) - {"methodology", "verify", "downloads"} | {"released"}
"""Pages whose content is figures: their banner names the checkpoint (the others link to its page)."""
SECTION_OF = {"released": "releases"}
"""The section a page that is not in the menu belongs to (every release, under the releases)."""
CASES_PER_TASK = 500
"""Case pages rendered by one task of a parallel build: small enough to share the work out evenly."""


def renderer_version() -> str:
    """A digest of everything but the data that decides a page's bytes: templates, catalogs, the site's code.

    Part of every page key, so that a new template, translation or label
    re-renders every page instead of leaving pages made by the old one.
    """
    digest = hashlib.blake2b(digest_size=16)
    files = [*TEMPLATES.rglob("*"), *(HERE / "locale").rglob("*.po"), *HERE.glob("*.py")]
    for path in sorted(f for f in files if f.is_file()):
        digest.update(path.relative_to(HERE).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class BuildResult:
    pages: int
    files_written: int
    files_unchanged: int
    files_removed: int
    proofs: int
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each part: ``setup`` and ``figures`` (the reports, the case rows and the groups'
    details read from the projections), ``prepare``, ``tasks`` (wall clock of the rendering), and each
    kind of task (``log``, ``data``, ``pages``, ``cases``: summed over processes)."""


UNSEEN = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
"""The control characters other than tab and the line ends: C0, DEL and C1."""
OVERRIDES = {code: f"[U+{code:04X}]" for code in [*UNSEEN, *range(0x202A, 0x202F)]}
"""Characters a page prints as their visible code, such as ``[U+202E]``.

The bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO): inside a recorded
value they reorder what follows, or reverse it letter by letter ("evil" shows as
"live"), so a page would read other words than the signed ones. The control
characters (``UNSEEN``): a browser shows nothing or an empty box for them, and
most are not allowed in XML (the feeds). The marks and isolates Urdu text uses
(LRM, RLM, ALM, LRI, RLI, FSI, PDI) reverse nothing and are left. The downloads
and the API keep every value byte for byte.
"""
_OVERRIDE = re.compile("[" + "".join(re.escape(chr(code)) for code in OVERRIDES) + "]")


def shown(value: Any) -> Any:
    """What a template prints: bidi overrides and control characters made visible (``OVERRIDES``)."""
    if isinstance(value, str) and _OVERRIDE.search(value):
        fixed = str(value).translate(OVERRIDES)
        return Markup(fixed) if isinstance(value, Markup) else fixed
    return value


def make_environment(language: Language) -> Environment:
    """A Jinja2 environment for one language: autoescape always on, the language's catalog
    installed, bidi overrides in printed values shown as their codes (``shown``)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=shown,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language.code), newstyle=True)  # type: ignore[attr-defined]
    return env


BuildProgress = Callable[[str, int, int], None]
"""Told what is being written, how many steps are done and how many there are in all."""


class SiteBuilder:
    """Renders one source into one output directory."""

    def __init__(
        self,
        source: SiteSource,
        out: Path,
        methodology: Path = METHODOLOGY,
        base_url: str = DEFAULT_BASE_URL,
        progress: BuildProgress | None = None,
        processes: int = 1,
    ) -> None:
        self.created = time.perf_counter()
        self.processes = max(1, processes)
        self.site_url = parse_base_url(base_url)
        self.source = source
        self.progress = progress
        self.done = 0
        self.writer = SiteWriter(out)
        self.data = SiteData(source.reports)
        self.methodology_html = {
            language.code: render_methodology(translation_of(methodology, language.code), language)
            for language in LANGUAGES
        }
        policy = source.reports.facts.policy
        self.note_values = {
            "hours": policy["custody_limit_hours"],
            "days": policy["remand_limit_days"],
            "window": WINDOW_DAYS,
        }
        self.pages = 0
        self.fonts = font_files()
        self.charts: dict[str, dict[str, charts.Chart]] = {}
        self.checkpoint = self.checkpoint_context()
        self.group_pages = set(iter_group_ids(self.data))
        self.recent_events = recent_event_ids(source)
        self.proofs = 0
        self.phases: dict[str, float] = {}

    # --- shared context -----------------------------------------------------------
    def checkpoint_context(self) -> dict[str, Any]:
        cp = self.source.checkpoint
        import base64

        return {
            "origin": cp.origin,
            "size": cp.size,
            "root_hex": cp.root_hash.hex(),
            "root_b64": base64.b64encode(cp.root_hash).decode("ascii"),
            "signed_at": cp.signed_time.strftime("%Y-%m-%dT%H:%M:%SZ") if cp.signed_time else None,
            "note": self.source.checkpoint_note,
            "vkey": self.source.log_vkey.strip(),
            "witnesses": self.source.witnesses,
            "as_of": self.source.reports.as_of,
            "as_of_source": self.source.reports.evaluation.source,
            "as_of_explanation": self.source.reports.evaluation.explanation,
        }

    def page_context(
        self, language: Language, path: str, base: str | None = None
    ) -> dict[str, Any]:
        """What every template of a page at ``path`` sees (links, formats, labels, the checkpoint).

        Links are relative to the page unless ``base`` says where the site's root is.
        """
        depth = path.count("/")
        fmt = formatter(language)
        gettext: Callable[[str], str] = translations(language.code).gettext
        base = "../" * depth if base is None else base
        group_name = self.group_namer(gettext)
        cells = Cells(base, language.code, gettext, fmt, self.group_pages, group_name)

        def rule_words(rule: str) -> dict[str, str]:
            """What a flag's rule says happened, and the law it breaks, in the page's language."""
            spec = RULES[rule]
            return {"happened": gettext(spec.happened), "law": gettext(spec.law)}

        return dict(
            lang=language,
            languages=LANGUAGES,
            base=base,
            path=path.split("/", 1)[1] if "/" in path else path,
            fmt=fmt,
            label=cells.label,
            cells=cells,
            rule_words=rule_words,
            L=labels,
            sections=SECTIONS,
            cp=self.checkpoint,
            file_slug=file_slug,
            group_name=group_name,
            group_pages=self.group_pages,
            survival_at=survival_at,
            km_hours=KM_HOURS,
            charts=self.charts.get(language.code, {}),
            note_values={k: fmt.number(v) for k, v in self.note_values.items()},
            site_url=self.site_url,
            feed=FEED,
        )

    def render_html(
        self,
        env: Environment,
        language: Language,
        template: str,
        path: str,
        base: str | None = None,
        **context: Any,
    ) -> str:
        """The page at ``path``; its links are relative to it unless ``base`` says where the site's root is."""
        values = self.page_context(language, path, base)
        page = str(context.get("page"))
        values["figures"] = page in FIGURE_PAGES
        values["section"] = SECTION_OF.get(page, page)
        values.update(context)
        return env.get_template(template).render(values)

    def group_namer(self, gettext: Callable[[str], str]) -> Callable[[str], str]:
        """Group names as recorded; the projections' "(no group)" in the page's language."""
        nobody = gettext(labels.NO_GROUP)
        return lambda group: nobody if group == NO_GROUP else self.data.group_name(group)

    def render(
        self, env: Environment, language: Language, template: str, path: str, **context: Any
    ) -> None:
        self.writer.write(path, self.render_html(env, language, template, path, **context))
        self.pages += 1

    def write_not_found(self, env: Environment, language: Language, path: str) -> None:
        """The page a server shows for an address the site does not have (HTTP 404).

        It is served at whatever address was mistyped, at any depth, so its links
        start at the site's root (``/``) instead of being relative to the page:
        the one exception to the relative links, and why a 404 page works only
        where the site is hosted at the root of its domain (as ``ledger serve``
        hosts it). ``ledger serve`` shows ``en/404.html`` or ``ur/404.html`` for
        an address under ``/en/`` or ``/ur/``; ``404.html`` at the root, in
        English, is the page static hosts look for.
        """
        self.render(env, language, "not_found.html", path, base="/", page="not_found")

    def write_filtered(
        self,
        env: Environment,
        language: Language,
        filters: Filters,
        rows: list[dict[str, Any]],
        row_macro: str,
        template: str | None = None,
        **context: Any,
    ) -> None:
        """The table's pages: the month pages that hold its rows, and the pages that count them by month.

        A month page is keyed by the digest of its rows and of everything else
        it shows (the months next to it, the lists of groups and outcomes, the
        renderer, the words of the flags' rules): it names no checkpoint, so a
        month whose rows did not change is neither rendered nor written again,
        and a new month is written with the page before it alone. Every page of
        the table is rendered by ``template`` (the table's name by default).
        """
        code, name = language.code, filters.table
        template = template or f"{name}.html"
        for view in filters.summaries:
            self.render(
                env,
                language,
                template,
                f"{code}/{view.page}",
                page=name,
                filters=filters,
                view=view,
                months=filters.by_month(view),
                **context,
            )
        shown = {
            "groups": self.data.group_names,
            "pages": sorted(self.group_pages),
            "values": {
                d: [v.value for v in views]
                for d, views in filters.by_dimension.items()
                if d != PAGES_BY
            },
            "rules": {rule: [spec.happened, spec.law] for rule, spec in RULES.items()},
        }
        frame = inputs_digest([self.version, code, name, template, row_macro, shown])
        for month in filters.months:
            month_rows = [rows[i] for i in month.rows]
            around = [m.value for m in filters.around(month)]
            self.writer.write_keyed(
                f"{code}/{month.page}",
                f"{frame}.{inputs_digest([around, month_rows])}",
                lambda m=month, r=month_rows: self.month_page(  # type: ignore[misc]
                    env, language, filters, m, r, row_macro, template
                ),
            )
            self.pages += 1

    def month_page(
        self,
        env: Environment,
        language: Language,
        filters: Filters,
        month: View,
        rows: list[dict[str, Any]],
        row_macro: str,
        template: str,
    ) -> str:
        """One month of a table: its rows, each rendered once, with the in-page filter by its other dimensions."""
        path = f"{language.code}/{month.page}"
        render_row = getattr(
            env.get_template("rows.html").make_module(self.page_context(language, path)), row_macro
        )
        return self.render_html(
            env,
            language,
            template,
            path,
            page=filters.table,
            figures=False,
            filters=filters,
            view=month,
            months=[],
            rows=rows,
            rows_html=Markup("".join(str(render_row(row)) for row in rows)),
        )

    def case_renderers(self, environments: dict[str, Environment]) -> list[tuple[CasePages, str]]:
        """Each language's case page renderer, with the digest of its frame (part of every case page's key)."""
        out = []
        for language in LANGUAGES:
            env = environments[language.code]
            frame = self.render_html(
                env,
                language,
                "case.html",
                f"{language.code}/cases/@@SLUG@@.html",
                page="cases",
                figures=False,
            )
            key = hashlib.blake2b(f"{self.version}\0{frame}".encode(), digest_size=16).hexdigest()
            out.append((CasePages(env, language, frame), key))
        return out

    def write_case_pages(self, environments: dict[str, Environment], cases: list[str]) -> None:
        """The pages of ``cases`` in every language; a case whose history is unchanged is not rendered.

        A page's key is its frame's (template, catalog, code) and the digest of
        the case's history as the page shows it, flags and statuses included.
        """
        renderers = self.case_renderers(environments)
        for case in cases:
            detail = self.data.case(case)
            digest = inputs_digest(detail)
            slug = file_slug(case)
            for language, (renderer, frame_key) in zip(LANGUAGES, renderers, strict=True):
                self.writer.write_keyed(
                    f"{language.code}/cases/{slug}.html",
                    f"{frame_key}.{digest}",
                    lambda r=renderer, d=detail: r.page(d),  # type: ignore[misc]
                )
                self.pages += 1

    # --- steps ----------------------------------------------------------------------
    def write_static(self) -> None:
        for item in sorted(STATIC.rglob("*")):
            if item.is_file():
                self.writer.copy(f"static/{item.relative_to(STATIC).as_posix()}", item)
        self.writer.copy("static/proof.js", PROOF_MODULE)
        for name, source in self.fonts.files.items():
            self.writer.copy(f"static/{name}", source)
        self.writer.write("static/fonts.css", stylesheet(self.fonts))

    def write_log(self) -> int:
        """The checkpoint, the log (its tiles, and the export with the log compressed); returns the proofs.

        With the tree the ledger verified before acting, leaves are read from the
        source only for the entry bundles and the chunk of the compressed log that
        are new: the others are keyed by the leaf hashes they hold (see
        ``ledger.log.tiles.write_tiles`` and ``public_site.log_download``).
        """
        cp = self.checkpoint
        self.writer.write("data/checkpoint", self.source.checkpoint_note)
        self.writer.write("data/log.vkey", cp["vkey"] + "\n")
        size, tree, read = cp["size"], self.source.tree, self.source.read_leaves
        if tree is None:
            read = held(self.source.leaves(), size)
            tree = hashed_tree(read, size)
        ids = write_tiles(
            self.writer,
            read,
            size,
            self.source.checkpoint.root_hash,
            under="data/",
            tree=tree,
            kept_ids=published_ids(self.writer, size),
        )
        self.write_export(cp, read, tree.leaf_hashes)
        return len(ids)

    def write_data(self) -> None:
        """Every report as JSON and CSV, the flags, and the manifest that lists them with their digests."""
        cp = self.checkpoint
        files = self.write_reports()
        self.writer.write("data/flags.json", lined_json(self.data.flags))
        self.writer.write(
            "data/manifest.json",
            json.dumps(
                {
                    "origin": cp["origin"],
                    "tree_size": cp["size"],
                    "root": cp["root_hex"],
                    "as_of": cp["as_of"],
                    "as_of_source": cp["as_of_source"],
                    "as_of_explanation": cp["as_of_explanation"],
                    "reports": list(REPORT_NAMES),
                    "files": files,
                    "tiles": "tile/",
                    "ids": "ids/",
                    "id_prefix_length": id_prefix_length(cp["size"]),
                },
                indent=1,
            ),
        )

    def write_reports(self) -> list[dict[str, Any]]:
        """Every report as JSON and as tidy CSV files; returns what the manifest lists of each.

        Each CSV row carries the tree size, root and time judged at; the
        manifest adds each file's SHA-256, so a verifier can check the bytes
        of a download against the publication they came from.
        """
        import hashlib

        from ledger.projections.tidy import tidy_tables

        files: list[dict[str, Any]] = []

        def publish(path: str, text: str, rows: int | None) -> None:
            self.writer.write(path, text)
            files.append(
                {
                    "path": path,
                    "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    "rows": rows,
                    "tree_size": self.source.size,
                    "root": self.checkpoint["root_hex"],
                }
            )

        for name in REPORT_NAMES:
            table = self.data.tables[name]
            publish(
                f"data/reports/{name}.json",
                lined_json(table.to_json()),
                None,
            )
            for tidy in tidy_tables(table):
                publish(f"data/reports/{tidy.name}.csv", tidy.to_csv(), len(tidy.rows))
        return files

    def write_export(self, cp: dict[str, Any], read: LeafRange, hashes: LeafHashes) -> None:
        """``data/export/``: the log at this checkpoint in the export layout, for ``ledger verify --export``.

        Its ``log.jsonl`` is published compressed (``log.jsonl.gz``, see
        ``public_site.log_download``): the entry bundles hold the leaves in full.
        """
        from ledger.export_layout import COMPRESSED_LOG_FILE, pinned_export_files

        files = pinned_export_files(
            cp["note"], cp["origin"], cp["size"], cp["root_hex"], cp["vkey"]
        )
        for name, text in files.items():
            self.writer.write(f"data/export/{name}", text)
        path = f"data/export/{COMPRESSED_LOG_FILE}"
        write_compressed_log(self.writer, path, read, cp["size"], hashes)

    def write_charts(self, language: Language, env: Environment) -> None:
        fmt = formatter(language)
        _ = translations(language.code).gettext
        outcome_labels = {k: _(v) for k, v in labels.OUTCOMES.items()}
        rows = self.data.tables["groups"].rows
        no_data = _("No triggering shooting is recorded.")
        made = self.charts[language.code] = {}
        chart_fonts = self.fonts.css("../../static/fonts/")

        def write(name: str, chart: charts.Chart) -> None:
            made[name] = chart
            self.writer.write(f"charts/{language.code}/{name}.svg", chart.standalone(chart_fonts))

        write(
            "outcomes-by-group",
            charts.outcomes_by_group(
                "outcomes-by-group",
                rows,
                outcome_labels,
                _("Promises kept and broken, by group"),
                _(
                    "Stacked bars: for each group, how many triggering shootings ended with the promise kept, kept late, broken or still pending."
                ),
                _("Triggering shootings"),
                no_data=no_data,
            ),
        )
        write(
            "outcomes-by-month",
            charts.monthly_outcomes(
                "outcomes-by-month",
                self.data.monthly(),
                fmt.month,
                outcome_labels,
                _("Promises by month of the shooting"),
                _(
                    "Stacked columns: for each month, the triggering shootings and how their promises turned out."
                ),
                _("Triggering shootings"),
                no_data=no_data,
            ),
        )
        km = self.data.tables["groups"].extra.get("km_time_to_arrest_hours", {})
        write(
            "time-to-arrest",
            charts.time_to_arrest(
                "time-to-arrest",
                [(self.group_namer(_)(g), curve) for g, curve in km.items()],
                _("Time to arrest after a triggering shooting"),
                _(
                    "Kaplan-Meier curves: the share of triggering shootings with nobody arrested yet, by hours since the shooting, one line per group."
                ),
                _("Hours since the shooting"),
                _("Share with no arrest yet"),
                no_data=no_data,
            ),
        )
        for group in iter_group_ids(self.data):
            detail = self.data.group_detail(group)
            curves = detail["km_time_to_arrest_hours"]
            name = f"group-{file_slug(group)}-time-to-arrest"
            write(
                name,
                charts.time_to_arrest(
                    name,
                    [
                        (self.data.group_name(group), curves["group"]),
                        (_("All other groups"), curves["all_others"]),
                    ],
                    _("Time to arrest: this group against all others"),
                    _(
                        "Kaplan-Meier curves: the share of triggering shootings with nobody arrested yet, by hours since the shooting."
                    ),
                    _("Hours since the shooting"),
                    _("Share with no arrest yet"),
                    no_data=no_data,
                ),
            )

    def write_pages(self, language: Language, env: Environment) -> None:
        code = language.code
        d = self.data
        self.render(
            env,
            language,
            "home.html",
            f"{code}/index.html",
            page="index",
            home=d.home(),
            recent_events=self.recent_events,
        )
        self.render(
            env, language, "groups.html", f"{code}/groups.html", page="groups", **d.groups()
        )
        for group in iter_group_ids(d):
            self.render(
                env,
                language,
                "group.html",
                f"{code}/groups/{file_slug(group)}.html",
                page="groups",
                g=d.group(group),
                # the rows of this group in each table, counted by month, each month a link
                triggers=self.promise_filters.counted("group", group),
                released=self.release_filters.counted("group", group),
                flagged=[
                    counted
                    for filters in self.flag_filters.values()
                    if (counted := filters.counted("group", group))
                ],
            )
        promises = d.promises()
        self.write_filtered(
            env, language, self.promise_filters, promises.pop("rows"), "promise_row", **promises
        )
        for name, filters in self.flag_filters.items():
            page = self.flag_pages[name]
            self.write_filtered(
                env,
                language,
                filters,
                page["rows"],
                "flag_row",
                "flags.html",
                by_rule=page["by_rule"],
                holdings=page["holdings"],
            )
        self.write_filtered(env, language, self.release_filters, self.release_rows, "release_row")
        self.render(
            env, language, "officers.html", f"{code}/officers.html", page="officers", **d.officers()
        )
        self.render(
            env, language, "court.html", f"{code}/court.html", page="court", **d.table_page("court")
        )
        self.render(
            env,
            language,
            "interruption.html",
            f"{code}/interruption.html",
            page="interruption",
            **d.table_page("interruption"),
        )
        self.write_filtered(env, language, self.case_filters, self.case_rows, "case_row")
        self.render(
            env,
            language,
            "methodology.html",
            f"{code}/methodology.html",
            page="methodology",
            methodology=self.methodology_html[code],
            notes={n: d.tables[n].notes for n in REPORT_NAMES},
        )
        self.render(
            env,
            language,
            "verify.html",
            f"{code}/verify.html",
            page="verify",
            recent_events=self.recent_events,
            id_prefix=id_prefix_length(self.source.size),
        )
        self.render(
            env,
            language,
            "downloads.html",
            f"{code}/downloads.html",
            page="downloads",
            download_files=[(name, downloads.file_notes(name)) for name in REPORT_NAMES],
            provenance=downloads.provenance_notes(),
            parts=downloads.PARTS,
            part_names=downloads.PART_NAMES,
        )
        self.write_not_found(env, language, f"{code}/404.html")

    def step(self, what: str) -> None:
        """One step of the build done (``progress`` hears of it)."""
        self.done += 1
        if self.progress is not None:
            self.progress(what, self.done, self.steps)

    def run_task(self, task: tuple[str, int]) -> int:
        """One part of the pages: a language's charts and pages, or a slice of the case pages.

        Returns how many cases it wrote (the progress steps it stands for).
        """
        part, at = task
        if part == "log":
            self.proofs = self.write_log()
            return 0
        if part == "data":
            self.write_data()
            return 0
        if part == "pages":
            language = LANGUAGES[at]
            env = self.environments[language.code]
            self.write_charts(language, env)
            self.write_pages(language, env)
            return 0
        cases = self.case_list[at : at + CASES_PER_TASK]
        self.write_case_pages(self.environments, cases)
        return len(cases)

    def tasks(self) -> list[tuple[str, int]]:
        pages = [("log", 0), ("data", 0)] + [("pages", i) for i in range(len(LANGUAGES))]
        return pages + [("cases", at) for at in range(0, len(self.case_list), CASES_PER_TASK)]

    def run_tasks(self) -> None:
        """Every task, in this process or shared out among ``processes`` forked workers."""
        tasks = self.tasks()
        processes = min(self.processes, len(tasks))
        if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for task in tasks:
                started = time.perf_counter()
                cases = self.run_task(task)
                self.task_done(task, cases, time.perf_counter() - started)
            return
        global _FORKED_BUILDER
        _FORKED_BUILDER = self
        here = [task for task in tasks if task[0] == "log"]
        try:
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                results = pool.imap_unordered(
                    _run_forked_task, [task for task in tasks if task not in here]
                )
                for task in here:  # meanwhile, the log: read from the source's database
                    started = time.perf_counter()  # connection, which no forked process may use
                    self.run_task(task)
                    self.task_done(task, 0, time.perf_counter() - started)
                for task, cases, part, done in results:
                    self.writer.merge(part)
                    self.pages += done.pages
                    self.proofs += done.proofs
                    self.task_done(task, cases, done.seconds)
        finally:
            _FORKED_BUILDER = None

    def task_done(self, task: tuple[str, int], cases: int, seconds: float) -> None:
        self.phases[task[0]] = self.phases.get(task[0], 0.0) + seconds
        if task[0] == "log":
            self.step("data, tiles and proofs")
        elif task[0] == "data":
            self.step("reports")
        elif task[0] == "pages":
            self.step(f"pages ({LANGUAGES[task[1]].code})")
        for _ in range(cases):
            self.step("case pages")

    def build(self) -> BuildResult:
        started = time.perf_counter()
        self.phases["setup"] = started - self.created
        self.version = renderer_version()
        self.case_rows = self.data.cases()
        for group in self.group_pages:
            self.data.group_detail(group)  # once, before any worker is forked
        self.phases["figures"] = time.perf_counter() - started
        self.case_list = [row["case"] for row in self.case_rows]
        groups = [row["group"] for row in self.data.tables["groups"].rows]
        self.promise_filters = by_group_outcome_month(
            "promises",
            self.data.tables["promises"].rows,
            groups,
            list(labels.OUTCOMES),
            "OUTCOMES",
            "shot_at",
        )
        self.case_filters = by_group_outcome_month(
            "cases", self.case_rows, groups, list(labels.CASE_OUTCOMES), "CASE_OUTCOMES", "opened"
        )
        self.release_rows = self.data.releases()
        self.release_filters = releases_by_group_explained_month(
            "released", self.release_rows, groups, list(labels.RELEASE_EXPLAINED)
        )
        self.flag_pages = {name: self.data.flag_page(name) for name in FLAG_TABLES}
        self.flag_filters = {
            name: flags_by_group_rule_month(name, page["rows"], groups, list(labels.RULES))
            for name, page in self.flag_pages.items()
        }
        self.steps = 4 + len(LANGUAGES) + len(self.case_rows)
        self.write_static()
        self.step("static files")
        self.environments = {language.code: make_environment(language) for language in LANGUAGES}
        self.phases["prepare"] = time.perf_counter() - started - self.phases["figures"]
        tasks_started = time.perf_counter()
        self.run_tasks()
        self.phases["tasks"] = time.perf_counter() - tasks_started
        environments = self.environments
        en = LANGUAGES[0]
        self.render(environments["en"], en, "root.html", "index.html", page="root")
        self.write_not_found(environments["en"], en, "404.html")
        entries = self.data.feed_entries()
        for language in LANGUAGES:
            env = environments[language.code]
            self.render(
                env,
                language,
                "feed.xml",
                f"{language.code}/{FEED}",
                page="feed",
                entries=entries,
                feed_id=feed_id,
            )
            self.render(
                env,
                language,
                "checkpoint.html",
                f"{language.code}/checkpoint.html",
                page="checkpoint",
            )
        removed = self.writer.finish()
        self.step("done")
        return BuildResult(
            self.pages,
            self.writer.written,
            self.writer.unchanged,
            removed,
            self.proofs,
            time.perf_counter() - started,
            self.phases,
        )


_FORKED_BUILDER: SiteBuilder | None = None
"""The builder a forked worker inherits from its parent (set only while a pool runs)."""


@dataclass(frozen=True)
class TaskDone:
    pages: int
    proofs: int
    seconds: float


def _run_forked_task(
    task: tuple[str, int],
) -> tuple[tuple[str, int], int, WrittenPart, TaskDone]:
    builder = _FORKED_BUILDER
    assert builder is not None  # set by run_tasks before the pool forks
    started = time.perf_counter()
    builder.writer.begin_part()
    builder.pages = builder.proofs = 0
    cases = builder.run_task(task)
    done = TaskDone(builder.pages, builder.proofs, time.perf_counter() - started)
    return task, cases, builder.writer.part(), done


def published_ids(writer: SiteWriter, size: int, under: str = "data/") -> LeafIds:
    """The event ids the last build published, by log position, read back from its id shards
    under ``under`` (those still as it wrote them): the ids of the entry bundles it keeps."""
    known: list[str | None] = [None] * size
    for relative in writer.last_written_under(f"{under}ids/"):
        try:
            shard = json.loads((writer.root / relative).read_bytes())
        except (OSError, ValueError):
            continue
        if not isinstance(shard, dict):
            continue
        for event_id, index in shard.items():
            if isinstance(index, int) and 0 <= index < size and isinstance(event_id, str):
                known[index] = event_id

    def ids(start: int, end: int) -> list[str] | None:
        found = known[start:end]
        return None if None in found else found  # type: ignore[return-value]

    return ids


def recent_event_ids(source: SiteSource, count: int = 12) -> list[str]:
    """The ids of the last ``count`` events at the checkpoint, newest first (the verify page offers them)."""
    from ledger.statements import event_id_of_leaf

    return [event_id_of_leaf(leaf) for leaf in source.leaves(max(0, source.size - count))][::-1]


def build_site(
    source: SiteSource,
    out: Path,
    methodology: Path = METHODOLOGY,
    base_url: str = DEFAULT_BASE_URL,
    progress: BuildProgress | None = None,
    processes: int = 1,
) -> BuildResult:
    """Build the whole site from ``source`` into ``out`` (incrementally); the feeds link to ``base_url``.

    ``processes`` worker processes render the pages (1: all in this process).
    """
    return SiteBuilder(source, Path(out), methodology, base_url, progress, processes).build()
