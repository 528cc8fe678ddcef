"""How every step grows with the log: the growth table of ``docs/performance.md``.

For each size (10k, 100k and 1M events by default) this records a simulated
city through the signed path (``ledger simulate``), then measures each step the
way its users meet it, each in a process of its own so that its peak memory is
its own:

* ``report after one new event``: a warm process, which verified the ledger
  before its first report as the server does, records a shooting and asks for
  every report as the API does (the cyclic collector paused while they are
  computed, what is alive then frozen out of its sight:
  ``ledger.collector.collector_paused``), then records its attribution to a
  group at the same time and asks again. Each shooting comes after the latest
  statement by the city's mean interval between statements, as they reach a
  served ledger: it is the latest event, later than the latest checkpoint, so
  the time deadlines are judged at moves to it. Both passes count;
* ``report after the checkpoint over it``: the same process then signs a
  checkpoint over the new statements, a minute after them, as ``ledger serve``
  signs one after every append: the time deadlines are judged at moves, so
  the triggers whose open deadlines it passed are judged again, every
  duration still running is counted to the new time, and every report is
  asked again;
* ``fold of one new event``: the same, catching the facts up with the
  shooting alone;
* ``tables after one new event``: in each pass after a statement, every
  report's tables cut again as the API cuts them for its pages
  (``/v1/reports/NAME/tables``), with a memo kept across passes (the rows the
  reports keep read-only are cut once: ``ledger.projections.tidy.TidyMemo``);

  each of these four is measured in rounds, one for each group in turn (at
  least 3, at most 8), after a first round that is not counted, since what a
  new trigger costs follows the size of its group: the table shows the median
  pass, the slowest pass and the slowest single report of any pass;
* ``cold report``: ``ledger report groups --keys keys`` in a new process, the
  report snapshot, the saved report and the verified-through mark of the run
  before present (nothing recorded since); and again one statement later,
  when the saved report no longer applies and the report is computed from
  the snapshot;
* ``cold table``: ``ledger report promises --keys keys`` printed as the readable
  table (every trigger a row, at 120 columns), after a first run that saved it;
* ``served first``: ``ledger serve --keys keys`` started anew on the same
  ledger (one worker, SQLite), and the first ``/v1/reports/groups`` it answers
  once it is up, timed from the request to the last byte, with the server's
  peak RSS then;
* ``rebuild from zero``: ``ledger report groups --from-export``, every fact and
  report recomputed from the export's leaves with no database;
* ``site, full``: ``ledger site build`` into an empty directory;
* ``site, nothing changed``: the same command again;
* ``site, +1k events``: 500 attributed shootings recorded, a checkpoint signed,
  the same command again.

Every time is printed beside a reference measured in the same run on the same
log, ``json.loads`` of every leaf, as a ratio, and per thousand events, with the
growth exponent between sizes (1.0 is linear). Usage::

    .venv/bin/python bench/growth.py [--sizes 10k,100k,1m] [--work DIR] [--reuse DIR]
                                     [--write-docs] [--limit SECONDS] [--measured SIZES]

``--limit SECONDS`` stops a step that runs longer and the table says it did
not finish in that time. Each size's figures are saved as
``WORK/results-SIZE.json``; ``--measured 10k,100k`` reads those instead of
measuring again, so the sizes may be measured in separate runs of the same code.
``--reuse DIR`` takes ``DIR/<size>/ledger.db`` and ``DIR/<size>/keys`` when
present (copied, never written to) instead of simulating. ``--write-docs``
rewrites the table in ``docs/performance.md`` between its markers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVENTS_PER_SCALE = 7600
"""Events ``ledger simulate --months 12`` records per unit of ``--scale``, as measured."""
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
BEGIN = "<!-- growth table: written by bench/growth.py --write-docs -->"
END = "<!-- end of growth table -->"

WARM_SCRIPT = r"""
import json, os, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from ledger.collector import collector_paused
from ledger.keyring import Keyring
from ledger.projections.report_names import REPORT_NAMES
from ledger.projections.service import Reports
from ledger.projections.tidy import TidyMemo, tidy_tables
from ledger.service import Ledger
from ledger.statements import Draft, format_time, parse_time
from statistics import median

db, keys, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
keyring = Keyring(keys)
ledger = Ledger.open(db, log_key=keyring.log_key())
# the reports are asked as the API asks them: after the ledger was verified, as the
# server does when it starts (the check may fork processes, and a fork from a process
# already holding the reports write-protects every page it holds: each page written
# afterwards would fault once, a cost that is the fork's and not the reports'); with
# the collector paused, and what is alive afterwards frozen out of its sight
# (ledger.collector.collector_paused)
with collector_paused():
    ledger.verify_before_acting()
# and each report's tables cut as the API cuts them for its pages, with a memo of the rows
# kept across sizes (api.report_pages, ledger.projections.tidy.TidyMemo)
memo = TidyMemo()
with collector_paused():
    reports = Reports(ledger)
    for name in REPORT_NAMES:
        tidy_tables(reports.report(name), memo)
groups = sorted(reports.facts.groups)
base = ledger.size
# each new statement comes after the latest one by this city's mean interval between
# statements (and not before this machine's clock), as statements reach a served ledger
times = [event["occurred_at"] for event in reports.facts.events.values()]
earliest, latest = parse_time(min(times), field="occurred_at"), parse_time(max(times), field="occurred_at")
pace = max(timedelta(seconds=1), (latest - earliest) / max(1, base))
now = max(datetime.now(UTC).replace(microsecond=0), latest + pace)

def shooting(n, when):
    incident = f"INC-GROWTH-{base}-{n}"
    stamp = format_time(when)
    reported = Draft(type="shooting.reported", recorder="police", occurred_at=stamp, data={
        "incident": incident, "area": "Lyari", "killed": 0, "injured": 1, "source": "police",
        "description": "Shots fired in a market street."})
    attributed = Draft(type="shooting.attributed", recorder="police", occurred_at=stamp, data={
        "incident": incident, "suspects": [], "groups": [groups[n % len(groups)]],
        "target_groups": [], "basis": "Witness statements.", "confidence": "probable"})
    return [keyring.sign(reported, now=when), keyring.sign(attributed, now=when)]

def every_report():
    # catch up and ask every report: (seconds in all, the slowest report's seconds); then
    # cut every report's tables for the API: (seconds in all, the slowest report's)
    with collector_paused():
        began = time.perf_counter()
        reports.refresh()
        slowest = 0.0
        for name in REPORT_NAMES:
            started = time.perf_counter(); reports.report(name)
            slowest = max(slowest, time.perf_counter() - started)
        total = time.perf_counter() - began
        cut = slowest_cut = 0.0
        for name in REPORT_NAMES:
            table = reports.report(name)  # computed above for this state
            started = time.perf_counter(); tidy_tables(table, memo)
            took = time.perf_counter() - started
            cut += took; slowest_cut = max(slowest_cut, took)
        return total, slowest, cut, slowest_cut

def one_round(n, when):
    # a shooting (its report folded alone, then every report asked: the latest event is
    # later than the checkpoint, so the time deadlines are judged at moves to it), then
    # its attribution to the n-th group at the same time and every report; then, as
    # `ledger serve` does, a checkpoint signed over them a minute later: the time moves
    # again, and every report is asked again
    ledger.clock = lambda: when
    reported, attributed = shooting(n, when)
    ledger.append([reported])
    with collector_paused():
        began = time.perf_counter(); reports.refresh(); fold = time.perf_counter() - began
    after_report = every_report()
    ledger.append([attributed])
    after = every_report()
    ledger.clock = lambda: when + timedelta(minutes=1)
    ledger.sign_checkpoint()
    return fold, (after_report, after), every_report()

out = {}
if count == 1:
    # the first round is not counted (the first move of the time after the first
    # reports); then one round for each group in turn, each attributed to that group,
    # since what a new trigger costs follows the size of its group
    rounds = min(8, max(3, len(groups)))
    when = now
    one_round(0, when)
    figures = []
    for n in range(1, rounds + 1):
        when += timedelta(minutes=1) + pace
        figures.append(one_round(n, when))
    folds = [fold for fold, _, _ in figures]
    # after one new event: both statements of each round, the shooting's report and its
    # attribution; after the checkpoint: the one pass. Each pass gives the reports' seconds
    # in all and the slowest report's (at 0), then the tables' (at 2)
    after_one = [p for _, both, _ in figures for p in both]
    after_checkpoint = [after for _, _, after in figures]
    for key, measured, at in (("report", after_one, 0), ("report_checkpoint", after_checkpoint, 0),
                              ("tables", after_one, 2)):
        totals = [m[at] for m in measured]
        out[key] = median(totals)
        out[f"slowest_round_{key}"] = max(totals)
        out[f"slowest_{key}"] = max(m[at + 1] for m in measured)
    out["fold"] = median(folds)
    out["rounds"] = rounds
else:
    ledger.clock = lambda: now
    for start in range(0, count, 2):
        ledger.append(shooting(start, now))
    ledger.sign_checkpoint()
print(json.dumps(out), flush=True)
# the database and the signature checkers' workers closed; what was built is left to the
# operating system (at exit the interpreter would free the frozen reports after the modules
# they use, and print what their finalizers raised)
ledger.close()
os._exit(0)
"""


@dataclass
class Step:
    """One step's wall time and peak RSS; ``finished`` is False when it was stopped at its limit."""

    seconds: float
    rss_mb: float | None = None
    extra: dict[str, float] = field(default_factory=dict)
    finished: bool = True
    why_not: str = ""
    """Set when the step was not measured at all (what it needed did not finish)."""


@dataclass
class Result:
    """One city's figures: its size, the reference and every step."""

    label: str
    events: int
    reference: float
    steps: dict[str, Step]
    site_bytes: int
    site_files: int
    load: tuple[float, float] = (0.0, 0.0)
    """The machine's 1-minute load average when the size's measurement began and ended."""

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1), "utf-8")

    @classmethod
    def load_from(cls, path: Path) -> Result:
        raw = json.loads(path.read_text("utf-8"))
        raw["steps"] = {key: Step(**value) for key, value in raw["steps"].items()}
        raw["load"] = tuple(raw.get("load", (0.0, 0.0)))
        return cls(**raw)


def timed(
    args: list[str], cwd: Path, stdout: Path | None = None, limit: float | None = None
) -> Step:
    """Wall time and peak RSS of a command, read from the kernel's accounting of that child.

    With ``limit`` (seconds) the command is killed when it runs longer, and the
    step is returned unfinished: the table then says it did not finish in that time.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    sink = open(stdout, "wb") if stdout is not None else subprocess.DEVNULL  # noqa: SIM115
    began = time.perf_counter()
    stopped = threading.Event()
    try:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=sink, stderr=subprocess.PIPE)
        timer = None
        if limit is not None:

            def stop() -> None:
                stopped.set()
                process.kill()

            timer = threading.Timer(limit, stop)
            timer.start()
        assert process.stderr is not None
        error = process.stderr.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        if timer is not None:
            timer.cancel()
    finally:
        if stdout is not None:
            sink.close()  # type: ignore[union-attr]
    seconds = time.perf_counter() - began
    if stopped.is_set():
        return Step(seconds, usage.ru_maxrss / 1024, finished=False)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {error[-2000:]}")
    return Step(seconds, usage.ru_maxrss / 1024)


def first_served_report(here: Path, limit: float | None = None) -> Step:
    """The first ``/v1/reports/groups`` a new ``ledger serve --keys`` answers once it is up:
    seconds from the request to its last byte, and the server's peak RSS then (one worker,
    so the server is the process started). With ``limit`` an answer that takes longer is
    not waited for, and the step is unfinished."""
    with socket.socket() as probe:  # a port free now, on the loopback only
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ledger_cmd("serve", "--db", "ledger.db", "--keys", "keys", "--port", str(port))
    errors = here / "serve.err"  # a file, so the server never waits on a pipe nobody reads
    with open(errors, "wb") as sink:
        server = subprocess.Popen(args, cwd=here, env=env, stdout=subprocess.DEVNULL, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:  # up once it answers; it checks the stored log first
            if server.poll() is not None:
                said = errors.read_text("utf-8", errors="replace")[-2000:]
                raise SystemExit(f"{' '.join(args)} stopped: {said}")
            try:
                with urllib.request.urlopen(f"{base}/v1/checkpoint", timeout=5) as answer:
                    answer.read()
                break
            except OSError:
                time.sleep(0.2)
        began = time.perf_counter()
        try:
            with urllib.request.urlopen(f"{base}/v1/reports/groups", timeout=limit) as answer:
                answer.read()
        except TimeoutError:
            return Step(time.perf_counter() - began, peak_rss_mb(server.pid), finished=False)
        return Step(time.perf_counter() - began, peak_rss_mb(server.pid))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def peak_rss_mb(pid: int) -> float | None:
    """A running process's peak resident set (``VmHWM``), in MB; None where not reported."""
    try:
        status = Path(f"/proc/{pid}/status").read_text("utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def ledger_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def prepare(label: str, events: int, work: Path, reuse: Path | None) -> tuple[Path, Step | None]:
    """A directory with ledger.db and keys/ of about ``events`` events."""
    here = work / label
    if here.exists():
        shutil.rmtree(here)
    here.mkdir(parents=True)
    source = reuse / label if reuse is not None else None
    if source is not None and (source / "ledger.db").exists():
        shutil.copy2(source / "ledger.db", here / "ledger.db")
        shutil.copytree(source / "keys", here / "keys")
        return here, None
    timed(ledger_cmd("init", "--db", "ledger.db", "--keys", "keys"), here)
    scale = events / EVENTS_PER_SCALE
    step = timed(
        ledger_cmd(
            "simulate",
            "--db",
            "ledger.db",
            "--keys",
            "keys",
            "--scale",
            f"{scale:.3f}",
            "--months",
            "12",
            "--no-progress",
        ),
        here,
    )
    return here, step


REFERENCE_SCRIPT = r"""
import json, math, sys, time
lines = open(sys.argv[1], "rb").read().splitlines()
best = math.inf
for _ in range(3):
    began = time.perf_counter()
    for line in lines:
        json.loads(line)
    best = min(best, time.perf_counter() - began)
print(json.dumps([len(lines), best]))
"""


def reference(export: Path) -> tuple[int, float]:
    """(events, seconds to json.loads every leaf of the export), best of three.

    Measured in a process of its own: the kernel counts in a child's peak RSS the
    peak of the process that started it (at ``exec``, the memory it replaced), so
    a bench that had held every leaf (1.1 GB at a million events) would have given
    that figure as the peak of every smaller step after it."""
    done = subprocess.run(
        [sys.executable, "-c", REFERENCE_SCRIPT, str(export / "log.jsonl")],
        capture_output=True,
        check=True,
    )
    count, best = json.loads(done.stdout)
    return int(count), float(best)


def du(path: Path) -> tuple[int, int]:
    """(bytes, files) under a directory."""
    total = files = 0
    for dirpath, _, names in os.walk(path):
        for name in names:
            total += os.lstat(os.path.join(dirpath, name)).st_size
            files += 1
    return total, files


def measure(
    label: str, events: int, work: Path, reuse: Path | None, limit: float | None = None
) -> Result:
    load_before = os.getloadavg()[0]
    here, simulated = prepare(label, events, work, reuse)
    steps: dict[str, Step] = {}
    if simulated is not None:
        steps["simulate"] = simulated
    timed(ledger_cmd("export", "export", "--db", "ledger.db"), here)
    count, ref = reference(here / "export")
    steps["rebuild"] = timed(
        ledger_cmd("report", "groups", "--json", "--from-export", "export", "--no-progress"),
        here,
        limit=limit,
    )
    # the first report takes the facts' snapshot and saves the report; the second is
    # the cold one measured as the operator runs them, with the log key: the check
    # before acting starts from the verified-through mark the previous command left,
    # which names the snapshot and the saved report
    report = ledger_cmd("report", "groups", "--json", "--db", "ledger.db", "--keys", "keys")
    timed([*report, "--no-progress"], here)
    steps["cold_report"] = timed([*report, "--no-progress"], here, limit=limit)
    # the longest report, printed as the readable table: the same, its rows drawn
    table = ledger_cmd("report", "promises", "--db", "ledger.db", "--keys", "keys", "--no-progress")
    timed(table, here)
    steps["cold_table"] = timed(table, here, limit=limit)
    steps["served_first"] = first_served_report(here, limit)
    timed([sys.executable, "-c", WARM_SCRIPT, "ledger.db", "keys", "1"], here, here / "warm.json")
    figures = json.loads((here / "warm.json").read_text().strip().splitlines()[-1])
    # one statement later the saved report no longer applies: the facts are loaded
    # from the snapshot, the new statement folded and the report computed
    steps["cold_report_one_new"] = timed([*report, "--no-progress"], here, limit=limit)
    steps["fold_one"] = Step(figures["fold"], extra={"rounds": figures["rounds"]})
    for step, key in (
        ("report_one", "report"),
        ("report_one_checkpoint", "report_checkpoint"),
        ("tables_one", "tables"),
    ):
        steps[step] = Step(
            figures[key],
            extra={
                "rounds": figures["rounds"],
                "slowest_round": figures[f"slowest_round_{key}"],
                "slowest": figures[f"slowest_{key}"],
            },
        )
    build = ledger_cmd(
        "site", "build", "site", "--db", "ledger.db", "--keys", "keys", "--no-progress"
    )
    steps["site_full"] = timed(build, here, limit=limit)
    size, files = du(here / "site")
    if steps["site_full"].finished:
        steps["site_unchanged"] = timed(build, here, limit=limit)
        timed([sys.executable, "-c", WARM_SCRIPT, "ledger.db", "keys", "1000"], here)
        steps["site_plus_1k"] = timed(build, here, limit=limit)
    else:
        why = "not measured: the full build did not finish"
        steps["site_unchanged"] = Step(math.nan, why_not=why)
        steps["site_plus_1k"] = Step(math.nan, why_not=why)
        size, files = 0, 0
    result = Result(label, count, ref, steps, size, files, (load_before, os.getloadavg()[0]))
    result.save(work / f"results-{label}.json")
    return result


ROWS = [
    ("simulate", "record the city through the signed path (`ledger simulate`)"),
    ("fold_one", "fold of one new event (warm; median round)"),
    (
        "report_one",
        "every report after one new event (warm; a shooting's report, which moves the time"
        " judged at, and its attribution, which does not; median pass)",
    ),
    (
        "report_one_checkpoint",
        "every report after the checkpoint over it (warm; the time judged at moves; median pass)",
    ),
    (
        "tables_one",
        "every report's tables cut again for the API's pages after one new event (warm; the"
        " rows the reports keep cut once; median pass, both statements)",
    ),
    ("cold_report", "cold `ledger report groups`, nothing new since the last one"),
    ("cold_report_one_new", "cold `ledger report groups`, one statement after the last one"),
    (
        "cold_table",
        "cold `ledger report promises` printed as a table (every trigger a row, 120 columns),"
        " nothing new since the last one",
    ),
    (
        "served_first",
        "the first `/v1/reports/groups` a new `ledger serve --keys` answers once it is up"
        " (nothing new since the last report)",
    ),
    ("rebuild", "rebuild from zero (`report --from-export`)"),
    ("site_full", "site build, full"),
    ("site_unchanged", "site build, nothing changed"),
    ("site_plus_1k", "site build after +1k events"),
]


def cell(step: Step, ref: float) -> str:
    if step.why_not:
        return step.why_not
    if not step.finished:
        return f"did not finish in {step.seconds:.0f} s (> {step.seconds / ref:.3g}× ref)"
    text = _shown(step.seconds, seconds_from=0.1)
    if step.rss_mb is not None:
        text += f", {step.rss_mb:.0f} MB"
    text += f" ({step.seconds / ref:.3g}× ref)"
    if "slowest_round" in step.extra:
        text += f"; slowest pass {_shown(step.extra['slowest_round'])}"
    if "slowest" in step.extra:
        text += f"; slowest report {_shown(step.extra['slowest'])}"
    return text


def _shown(seconds: float, seconds_from: float = 1.0) -> str:
    """A time in seconds from ``seconds_from`` on, in milliseconds below it."""
    return f"{seconds:.3g} s" if seconds >= seconds_from else f"{seconds * 1000:.3g} ms"


def table(results: list[Result]) -> str:
    lines = [
        "| step | "
        + " | ".join(f"{r.label} ({r.events:,} events)" for r in results)
        + " | growth |",
        "| --- |" + " --- |" * (len(results) + 1),
    ]
    refs = " | ".join(f"{r.reference:.3g} s" for r in results)
    lines.append(f"| reference: `json.loads` of every leaf | {refs} | |")
    for key, words in ROWS:
        cells, points = [], []
        for r in results:
            step = r.steps.get(key)
            if step is None:  # a reused city was not recorded; an older run lacks a step
                cells.append("(reused)" if key == "simulate" else "not measured in this run")
                continue
            cells.append(cell(step, r.reference))
            if not step.why_not:
                points.append((r.events, step.seconds, step.finished))
        lines.append(f"| {words} | " + " | ".join(cells) + f" | {growth(points)} |")
    sizes = " | ".join(
        f"{r.site_bytes / 1e6:.0f} MB, {r.site_files:,} files" if r.site_files else "not measured"
        for r in results
    )
    lines.append(f"| site on disk | {sizes} | |")
    loads = " | ".join(f"{r.load[0]:.1f} → {r.load[1]:.1f}" for r in results)
    lines.append(f"| machine load average (1 min), start → end | {loads} | |")
    return "\n".join(lines)


def growth(points: list[tuple[int, float, bool]]) -> str:
    """The exponent of time against events between the smallest and largest size (1 is linear).

    A largest size that was stopped at its limit gives a lower bound (">=").
    """
    if len(points) < 2 or not points[0][2]:
        return ""
    (n1, t1, _), (n2, t2, finished) = points[0], points[-1]
    if t1 <= 0 or n1 == n2:
        return ""
    exponent = f"n^{math.log(t2 / t1) / math.log(n2 / n1):.2f}"
    return exponent if finished else f">= {exponent}"


def write_docs(text: str) -> None:
    path = ROOT / "docs" / "performance.md"
    current = path.read_text("utf-8")
    if BEGIN not in current or END not in current:
        raise SystemExit(f"{path} has no growth-table markers")
    head, rest = current.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10k,100k,1m")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ledger-growth"))
    parser.add_argument("--reuse", type=Path, default=None)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--limit",
        type=float,
        default=None,
        help="stop a step that runs longer than this many seconds; the table says so",
    )
    parser.add_argument(
        "--measured",
        default="",
        help="sizes (of --sizes) whose figures are read from --work/results-SIZE.json, saved by"
        " an earlier run, instead of measured again",
    )
    args = parser.parse_args()
    measured = {label for label in args.measured.split(",") if label}
    results = []
    for label in args.sizes.split(","):
        if label not in SIZES:
            raise SystemExit(f"--sizes: {label!r} is not one of {', '.join(SIZES)}")
        saved = args.work / f"results-{label}.json"
        if label in measured:
            if not saved.exists():
                raise SystemExit(f"--measured: no saved figures for {label} ({saved})")
            results.append(Result.load_from(saved))
            continue
        print(f"measuring {label} …", file=sys.stderr, flush=True)
        results.append(measure(label, SIZES[label], args.work, args.reuse, args.limit))
    text = table(results)
    print(text)
    if args.write_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
