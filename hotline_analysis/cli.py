"""The ``hotline`` command: one entry point for every run (``hotline --help``)."""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

from . import __version__, paths
from .errors import HotlineError, InputError


def _require_store(path: str) -> Path:
    """The store folder, or a message saying how to make one (:func:`hotline_analysis.reviews.open_store`)."""
    from .reviews import open_store

    return open_store(path).root


STORE_HELP = "store folder (default: $HOTLINE_STORE, else data/processed/zibo in the work folder)"


def _add_store_and_lang(parser: argparse.ArgumentParser, lang: bool = True) -> None:
    parser.add_argument("--store", default=str(paths.default_store()), help=STORE_HELP)
    if lang:
        parser.add_argument("--lang", default="zh", choices=("zh", "en"), help="zh (default) or en")


def _cmd_synth(args: argparse.Namespace) -> None:
    from .synth import ScenarioConfig, generate, write_export

    if args.scenario != "zibo":
        raise HotlineError(f"unknown scenario {args.scenario!r}; available: zibo")
    config = ScenarioConfig(start=args.start, end=args.end, scale=args.scale, seed=args.seed)
    try:
        config.validate()
    except ValueError as exc:  # the scenario's own check of --start, --end, --scale
        raise HotlineError(str(exc)) from None
    out = Path(args.out)
    if (out / "ground_truth.json").exists() and not args.force:
        raise HotlineError(f"{out} already holds a scenario; raw data is immutable. Use --force to overwrite it, "
                        "or choose another --out.")
    t0 = time.perf_counter()
    sc = generate(config, progress=not args.quiet)
    truth = write_export(sc, out, progress=not args.quiet)
    c = truth["counts"]
    print(f"wrote {len(truth['files'])} monthly files to {out} in {time.perf_counter() - t0:.0f} s: "
          f"{c['records']:,} records ({c['duplicates']:,} repeat calls, {c['invalid']:,} invalid, "
          f"{c['unreasonable']:,} unreasonable) and {c['malformed']} malformed rows; "
          f"ground truth in {out / 'ground_truth.json'}")


def _cmd_ingest(args: argparse.Namespace) -> None:
    from .ingest.pipeline import format_ledger, ingest
    from .ingest.presets import load_preset
    from .settings import load_settings

    preset = load_preset(args.preset)
    ledger = ingest(args.paths, preset, args.store, load_settings(args.config), progress=not args.quiet,
                    jobs=args.jobs, wait=not args.no_wait)
    print(format_ledger(ledger))
    print(f"store: {args.store} (ledger saved under {Path(args.store) / 'ledgers'})")


def _month(value: str, flag: str):
    """``value`` as a monthly Period, or a message naming the flag."""
    import pandas as pd

    try:
        month = pd.Period(value, "M")
    except (ValueError, TypeError):
        month = pd.NaT
    if month is pd.NaT:  # 'NaT', '' and 'nan' parse as a missing month
        raise HotlineError(f"{flag} must be YYYY-MM, got {value!r}")
    return month


def _say_scope(store: Path, all_units: bool) -> None:
    """Say (on stderr) when every unit is reported without ``--all-units``: the store was ingested without an
    alias table, or its alias table names none of its units as a department (see :func:`reviews.unit_scope`)."""
    from .reviews import SCOPES, open_store, store_history, unit_scope

    if all_units:
        return
    st = open_store(store)
    why = unit_scope(st, store_history(st))[1]
    if why != "departments":
        print(f"hotline: note: reporting {SCOPES[why]}", file=sys.stderr)


def _cmd_summary(args: argparse.Namespace) -> None:
    import json

    from .month import MonthReport
    from .settings import load_settings

    month = _month(args.month, "--month")
    store = _require_store(args.store)
    _say_scope(store, args.all_units)
    report = MonthReport.build(store, month, load_settings(args.config), args.dataset, args.all_units, args.topics)
    summary = report.to_json()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    f = summary["flags"]
    print(f"{month}: {summary['ledger']['records']:,} orders, {summary['ledger']['net_complaints']:,} net complaints; "
          f"{len(summary['departments'])} departments; surge {len(f['surge'])}, satisfaction drop "
          f"{len(f['satisfaction_drop'])}, commend {len(f['commend'])} -> {out}")


def _cmd_report(args: argparse.Namespace) -> None:
    import pandas as pd

    from .pack import run_report
    from .pack.pdf import find_browser, print_pdf
    from .settings import load_settings

    first, last = _month(args.month, "--month"), _month(args.to or args.month, "--to")
    if last < first:
        raise HotlineError(f"--to {args.to} is before --month {args.month}")
    _say_scope(_require_store(args.store), args.all_units)
    load_settings(args.config)  # a settings file with a mistake stops here, not in a notebook
    if args.pdf and find_browser() is None:
        raise HotlineError("--pdf needs a locally installed Chromium (e.g. 'apt-get install chromium'); "
                           "without it, open index.html and print from a browser")
    months = [str(m) for m in pd.period_range(first, last, freq="M")]
    outs = [Path(args.out) / m if args.out else paths.report_folder(args.store, m) for m in months]
    jobs = [(args.store, m, o, args.lang, args.config, args.all_units, args.register) for m, o in zip(months, outs)]
    if args.jobs > 1 and len(months) > 1:
        import concurrent.futures as cf

        from .ingest.pipeline import die_with_parent

        with cf.ProcessPoolExecutor(max_workers=args.jobs, initializer=die_with_parent,
                                    initargs=(os.getpid(),)) as pool:
            for m, folder in zip(months, pool.map(run_report, *zip(*jobs))):
                print(f"report {m}: {folder / 'index.html'}")
    else:
        from tqdm.auto import tqdm

        for job in tqdm(jobs, desc="report", disable=args.quiet or len(jobs) == 1):
            print(f"report {job[1]}: {run_report(*job) / 'index.html'}")
    if args.pdf:
        for m, o in zip(months, outs):
            pdfs = print_pdf(sorted(o.glob("0*.html")))
            print(f"report {m}: {len(pdfs)} PDF pages beside the HTML")


def _resolved(path: str | None) -> str:
    """A path given on the command line as the notebooks need it (they run in the output folder), or ""."""
    return str(Path(path).resolve()) if path else ""


def _cmd_annual(args: argparse.Namespace) -> None:
    from .pack import review_page
    from .reviews import annual_review, save_tables
    from .settings import load_settings

    store = _require_store(args.store)
    out = Path(args.out) if args.out else paths.report_folder(store, f"annual-{args.year}")
    _say_scope(store, args.all_units)
    table = annual_review(store, args.year, load_settings(args.config), args.all_units)
    result = save_tables({"annual": table}, out / "result")
    params = {"result": str(result.resolve()), "store": str(store.resolve()), "year": args.year, "lang": args.lang,
              "config": _resolved(args.config), "all_units": args.all_units}
    page = review_page("annual_review", params, out, args.lang)
    print(f"annual review {args.year}: {page}")


def _cmd_lookback(args: argparse.Namespace) -> None:
    from .pack import review_page
    from .reviews import lookback_review, save_tables
    from .settings import load_settings

    store = _require_store(args.store)
    months = [str(_month(m.strip(), "--supervised")) for m in args.supervised.split(",") if m.strip()]
    at = str(_month(args.at, "--at"))
    register = Path(args.register) if args.register else paths.default_register(store)
    if not register.exists():
        raise InputError("no such file; the look-back needs the register of hearings (CSV department,month): "
                         "give --register PATH", register)
    out = Path(args.out) if args.out else paths.report_folder(store, f"lookback-{at}")
    result = save_tables(lookback_review(store, months, at, register, load_settings(args.config)), out / "result")
    params = {"result": str(result.resolve()), "store": str(store.resolve()), "supervised": ",".join(months),
              "at": at, "register": str(register.resolve()), "lang": args.lang, "config": _resolved(args.config)}
    page = review_page("lookback", params, out, args.lang)
    print(f"look-back at {at}: {page}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hotline", description="Supervision analytics for 12345 / 311 hotline work orders.")
    p.add_argument("--version", action="version", version=f"hotline_analysis {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_synth, _add_ingest, _add_summary, _add_report, _add_annual, _add_lookback):
        add(sub)
    return p


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=None, help="YAML overriding config/default.yaml (only the keys it changes)")


def _add_all_units(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all-units", action="store_true",
                        help="every unit in the store, not only the supervised units (those of kind 'department' "
                             "in the alias table the store was ingested with, its preset's 'departments:'); without "
                             "an alias table or such units, every unit is reported anyway (and the command says so)")


def _add_synth(sub) -> None:
    s = sub.add_parser("synth", help="generate the calibrated synthetic scenario and its ground truth",
                       description="Write a synthetic 12345 platform export (monthly GBK CSV / XLSX files) with "
                                   "ground_truth.json and truth.parquet beside it.")
    s.add_argument("--scenario", default="zibo", help="scenario name (default: zibo)")
    s.add_argument("--out", default=str(paths.raw_dir() / "zibo"),
                   help="output folder (default: data/raw/zibo in the work folder)")
    s.add_argument("--start", default="2019-01", help="first month, YYYY-MM (default: 2019-01)")
    s.add_argument("--end", default="2021-02", help="last month, YYYY-MM (default: 2021-02)")
    s.add_argument("--scale", type=float, default=1.0, help="volume factor; 1.0 is about 4,000 records a day")
    s.add_argument("--seed", type=int, default=20200731, help="random seed; the same seed gives the same bytes")
    s.add_argument("--force", action="store_true", help="overwrite an existing scenario in --out")
    s.add_argument("--quiet", action="store_true", help="no progress bars")
    s.set_defaults(func=_cmd_synth)


def _add_ingest(sub) -> None:
    i = sub.add_parser("ingest", help="clean exported files into the store, with a ledger of every row",
                       description="Read exports (CSV in UTF-8/GBK/GB18030, XLSX, Parquet; files or folders), map "
                                   "them with a preset, pseudonymise callers, mask personal data, mark invalid "
                                   "orders and repeat calls, and store them as partitioned Parquet. Rows that "
                                   "cannot be used go to quarantine with file, row, column and reason.")
    i.add_argument("paths", nargs="+", metavar="PATH", help="export files or folders")
    i.add_argument("--preset", required=True, help="zibo12345, nyc311, or the path of your own preset YAML")
    i.add_argument("--store", default=str(paths.default_store()), help=STORE_HELP)
    _add_config(i)
    i.add_argument("--jobs", type=int, default=2, help="files prepared in parallel (default: 2)")
    i.add_argument("--no-wait", action="store_true",
                   help="fail at once (exit 2) when another ingest is writing the store, instead of waiting for it")
    i.add_argument("--quiet", action="store_true", help="no progress bars")
    i.set_defaults(func=_cmd_ingest)


def _add_summary(sub) -> None:
    m = sub.add_parser("summary", help="write summary.json for one month (key figures, no notebooks)",
                       description="Net complaints, MoM/YoY change, rank, satisfaction with its interval, trend and "
                                   "flags per department, validated against the summary JSON Schema.")
    _add_store_and_lang(m, lang=False)
    m.add_argument("--month", required=True, help="the month reported, YYYY-MM")
    m.add_argument("--out", default="summary.json", help="output file (default: summary.json)")
    m.add_argument("--dataset", default=None, help="dataset name in the summary (default: the store's folder name)")
    _add_config(m)
    _add_all_units(m)
    m.add_argument("--topics", choices=["text", "categories"], default="text",
                   help="topics from the texts (issues with keywords, a few seconds) or the most frequent "
                        "categories (default: text)")
    m.set_defaults(func=_cmd_summary)


def _add_report(sub) -> None:
    r = sub.add_parser("report", help="run the monthly notebooks and write the report pack",
                       description="Execute notebooks/monthly/*.ipynb with papermill for each month and write "
                                   "reports/<dataset>/<YYYY-MM>/: index.html, one HTML per notebook (no code), the "
                                   "executed notebooks, figures/*.png, summary.json and tables.xlsx.")
    _add_store_and_lang(r)
    r.add_argument("--month", required=True, help="first month, YYYY-MM")
    r.add_argument("--to", default=None, help="last month, YYYY-MM (default: --month)")
    r.add_argument("--out", default=None,
                   help="folder holding one sub-folder per month (default: reports/<store name> in the work folder)")
    _add_config(r)
    r.add_argument("--jobs", type=int, default=1, help="months run in parallel (default: 1)")
    r.add_argument("--pdf", action="store_true", help="also print each page to PDF with a local Chromium")
    r.add_argument("--register", default=None,
                   help="CSV department,month of hearings, for the look-back two and three months after (default: "
                        "$HOTLINE_REGISTER, else data/raw/<store name>/supervision.csv in the work folder)")
    _add_all_units(r)
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.set_defaults(func=_cmd_report)


def _add_annual(sub) -> None:
    a = sub.add_parser("annual", help="the year's review candidates (top N and significant risers)",
                       description="Run notebooks/annual_review.ipynb for a year: departments ranked by annual net "
                                   "complaints, the top N (config ranking.review_top_n) and those whose annual net "
                                   "complaints rose significantly become candidates for next year's review.")
    _add_store_and_lang(a)
    a.add_argument("--year", type=int, required=True, help="the year reviewed, e.g. 2020")
    _add_config(a)
    _add_all_units(a)
    a.add_argument("--out", default=None,
                   help="output folder (default: reports/<store name>/annual-<year> in the work folder)")
    a.set_defaults(func=_cmd_annual)


def _add_lookback(sub) -> None:
    lb = sub.add_parser("lookback", help="look-back (回头看): did supervised departments' complaints fall?",
                        description="Run notebooks/lookback.ipynb: for the departments the register lists as "
                                    "supervised in the given months, an interrupted time series of net complaints "
                                    "up to --at (step after supervision, seasonal, robust quasi-Poisson).")
    _add_store_and_lang(lb)
    lb.add_argument("--supervised", required=True, help="supervision months, e.g. 2020-11,2020-12")
    lb.add_argument("--at", required=True, help="the month of the look-back, YYYY-MM")
    _add_config(lb)
    lb.add_argument("--register", default=None,
                    help="CSV department,month of hearings (default: $HOTLINE_REGISTER, else "
                         "data/raw/<store name>/supervision.csv in the work folder)")
    lb.add_argument("--out", default=None,
                    help="output folder (default: reports/<store name>/lookback-<at> in the work folder)")
    lb.set_defaults(func=_cmd_lookback)


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 when done, 2 after a message for a problem the user can fix (a
    :class:`HotlineError`, or a full disk or read-only folder while writing)."""
    from .store import place_error

    args = build_parser().parse_args(argv)
    warnings.formatwarning = _warning_line
    try:
        args.func(args)
    except HotlineError as exc:
        message = str(exc)
    except OSError as exc:
        if not place_error(exc):
            raise  # a bug, with its traceback
        message = f"{exc.filename or ''}{': ' if exc.filename else ''}cannot write ({place_error(exc)})"
    else:
        return 0
    print(f"hotline {args.command}: error: {message}", file=sys.stderr)
    if argv is None:  # the command line, not a caller in Python
        _exit_now(2)
    return 2


def _warning_line(message, category, filename, lineno, line=None) -> str:
    """A warning as the command prints it: ``hotline: warning: ...`` (no source file or line of the package)."""
    return f"hotline: warning: {message}\n"


def _exit_now(status: int) -> None:
    """End the process without interpreter shutdown. An error can stop a run while Arrow's I/O threads are
    still in Python (the GBK transcoding of a CSV read calls Python's codec from those threads); shutting the
    interpreter down under them kills them with a forced unwind and std::terminate (exit 134, "terminate called
    without an active exception"). Everything the command writes is written or removed before this point."""
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(status)


if __name__ == "__main__":
    sys.exit(main())
