"""Benchmark: the analytics jobs on 100,000 customers and ~1,000,000 order lines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms_bench .venv/bin/python \
        bench/bench_jobs.py [--repeat 2] [--check]

Makes sure the benchmark data set is there (bench/dataset.py: made once, a few
minutes, then reused), then runs each job as the application runs it
(``analytics.jobs.job_run_inline``: the registered runner in analytics/runners.py,
progress writes, the summary stored on the run) in a fresh Python process per run.
Jobs run "as of" the day the data set was made, so runs on an aged data set read
the same data.

Peak memory is each run's own: the high-water mark of the child process's resident
set (VmHWM in /proc/self/status: Django and the libraries included). Not
``ru_maxrss``: Linux carries the parent's peak into a child started with fork and
exec, so a parent that had made the data set (gigabytes) gave every job that peak.
For the same reason the parent stays light: the data set is made or checked in a
process of its own, and the parent loads Django only after the last run.

Reported per job: wall time of the whole run, split as the runner records it in
its summary (``timings``): read (database to pandas), compute (scoring,
clustering, models, summaries) and write (bulk writes of per-customer results);
what is left ("other": creating and claiming the run, storing the summary) is the
rest of the wall time. The best of ``--repeat`` runs is reported, with the highest
peak memory of them. Targets (issue #8, on 2 cores): segmentation with K-Means
under 30 s and 1.5 GiB, forecast under 20 s. The table is printed and written to
bench/results/jobs.md and jobs.json; ``--check`` exits 1 when a target is missed.
Only the newest run of each job is kept in the database (pages that list runs have
one to show); the older benchmark runs are deleted.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset  # bench/dataset.py, beside this file

RESULTS = dataset.BASE_DIR / "bench" / "results"
GIB = 1024**3
JOBS = ("segmentation", "forecast")
# job -> (seconds, bytes of peak memory or None)
TARGETS = {"segmentation": (30.0, 1.5 * GIB), "forecast": (20.0, None)}


def _rss() -> int:
    """The process's current resident set size in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _cpu() -> float:
    """CPU seconds this process has used (user + system; the database's own work
    is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds the database server process ``pid`` has used, when it runs on
    this machine and may be read (else None). Parallel query workers are not in it."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak() -> int:
    """This process's peak resident set size in bytes, since it started (exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    raise SystemExit("No VmHWM in /proc/self/status: peak memory needs Linux.")


def child(kind: str, as_of: str) -> None:
    """Run one job in this (fresh) process and print its measurements as JSON."""
    dataset.configure()
    from django.db import connection

    import analytics.forecasting  # noqa: F401 - imported once by a worker
    from analytics.jobs import job_run_inline
    from analytics.models import JobRun

    # What the process holds before the job: Django, pandas, scikit-learn,
    # statsmodels (a worker has them loaded after its first job).
    baseline = _rss()
    load = os.getloadavg()[0]
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    db_before = _backend_cpu(backend)
    cpu_before = _cpu()
    started = time.perf_counter()
    job = job_run_inline(kind=kind, parameters={"as_of": as_of})
    wall = time.perf_counter() - started
    cpu = _cpu() - cpu_before
    db_after = _backend_cpu(backend)
    db_cpu = None if db_after is None else db_after - db_before
    peak = _peak()
    if job.status != JobRun.Status.SUCCEEDED:
        raise SystemExit(f"{kind} failed: {job.error}")
    summary = job.summary
    timings = summary.get("timings", {})
    facts = {}
    if kind == "segmentation":
        facts = {
            "customers": summary["customers"],
            "orders": summary["orders"],
            "k": summary["k"],
            "silhouette": summary["silhouette"],
        }
    else:
        facts = {
            "months": summary["months"],
            "forecasts": summary["forecasts"],
            "skipped": summary["skipped_count"],
            "models": {s["key"]: s.get("model") for s in summary.get("series", [])},
        }
    print(
        json.dumps(
            {
                "job_id": job.pk,
                "wall_seconds": round(wall, 3),
                "timings": timings,
                "other_seconds": round(wall - sum(timings.values()), 3),
                "cpu_seconds": round(cpu, 3),
                "db_cpu_seconds": None if db_cpu is None else round(db_cpu, 3),
                "load_before": round(load, 2),
                "peak_rss_bytes": peak,
                "baseline_rss_bytes": baseline,
                "facts": facts,
            }
        )
    )


def _run(kind: str, as_of: str) -> dict:
    out = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, "--child", kind, "--as-of", as_of],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _dataset_ensure() -> dict:
    """Make or check the data set in a process of its own (seeding it takes
    gigabytes); returns its marker (bench/dataset.py, ``dataset_ensure``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dataset.json"
        subprocess.run(  # noqa: S603 - this script, fixed arguments
            [sys.executable, __file__, "--dataset", str(path)],
            check=True,
            env=os.environ.copy(),
        )
        return json.loads(path.read_text())


def _keep_newest(kind: str, as_of: str, newest: int) -> None:
    from analytics.models import JobRun

    JobRun.objects.filter(kind=kind, parameters={"as_of": as_of}).exclude(
        pk=newest
    ).delete()


def _cpu_text(run: dict) -> str:
    db = run.get("db_cpu_seconds")
    if db is None:
        return f"{run['cpu_seconds']:.1f} s + ?"
    return f"{run['cpu_seconds']:.1f} + {db:.1f} s"


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / 1024**2:,.0f} MiB"


def _table(report: dict) -> str:
    rows = [
        "| job | wall | read | compute | write | other | CPU: Python + database "
        "| peak memory | before the job | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for kind, result in report["jobs"].items():
        t = result["timings"]
        seconds, memory = TARGETS[kind]
        target = f"< {seconds:.0f} s" + (
            f", < {memory / GIB:.1f} GiB" if memory else ""
        )
        rows.append(
            f"| {kind} | {result['wall_seconds']:.1f} s "
            + " ".join(
                f"| {t[p]:.1f} s" if p in t else "| -"
                for p in ("read", "compute", "write")
            )
            + f" | {result['other_seconds']:.1f} s"
            f" | {_cpu_text(result)}"
            f" | {_mib(result['peak_rss_bytes'])}"
            f" | {_mib(result['baseline_rss_bytes'])}"
            f" | {target} | {'yes' if result['met'] else 'NO'} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs per job")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a target is missed"
    )
    parser.add_argument("--child", choices=JOBS, help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.as_of)
        return
    if args.dataset:
        dataset.configure()
        data = dataset.dataset_ensure()
        Path(args.dataset).write_text(json.dumps(data))
        return

    # Django is not loaded here until the runs are done: see the module.
    url = dataset.bench_database_url(os.environ.get("DATABASE_URL"))
    os.environ["DATABASE_URL"] = url
    print(f"Benchmark database: {url}", flush=True)
    data = _dataset_ensure()
    as_of = data["seeded_on"]

    jobs = {}
    for kind in JOBS:
        runs = []
        for n in range(args.repeat):
            # A fresh process per run: its peak memory is the job's own.
            run = _run(kind, as_of)
            runs.append(run)
            t = run["timings"]
            print(
                f"{kind} run {n + 1}: {run['wall_seconds']:.1f} s ("
                + ", ".join(f"{p} {s:.1f} s" for p, s in t.items())
                + f"), CPU {_cpu_text(run)}, peak "
                f"{_mib(run['peak_rss_bytes'])}, load average {run['load_before']:.1f}",
                flush=True,
            )
        best = min(runs, key=lambda r: r["wall_seconds"])
        peak = max(r["peak_rss_bytes"] for r in runs)
        seconds, memory = TARGETS[kind]
        jobs[kind] = {
            **best,
            "peak_rss_bytes": peak,
            "met": best["wall_seconds"] < seconds and (memory is None or peak < memory),
            "runs": runs,
        }

    dataset.configure()
    import django
    from django.db import connection

    for kind, result in jobs.items():
        _keep_newest(kind, as_of, result["runs"][-1]["job_id"])

    report = {
        "benchmark": "jobs",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "database": connection.settings_dict["NAME"],
        "server_version": connection.pg_version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "dataset": {k: data[k] for k in ("parameters", "seeded_on", "counts")},
        "dataset_seed_seconds": data["seed_seconds"],
        "as_of": as_of,
        "repeat": args.repeat,
        "jobs": jobs,
    }
    table = _table(report)
    counts = data["counts"]
    heading = (
        f"Analytics jobs on {counts['customers']:,} customers, "
        f"{counts['orders']:,} orders, {counts['order_lines']:,} order lines "
        f"(PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} CPUs; "
        f"best of {args.repeat}, as of {as_of})"
    )
    loads = [run["load_before"] for r in jobs.values() for run in r["runs"]]
    note = (
        f"Load average (1 min) before the runs: {min(loads):.1f} to {max(loads):.1f}"
        " on 2 cores; above 2, other processes took CPU from the jobs and wall "
        "times grow with it. A job runs on one core at a time (Python, then the "
        "database), so on an idle machine its wall time is about its CPU time "
        "(Python + database). Seeding the data set took "
        f"{data['seed_seconds']:.0f} s ({data['seeded_on']})."
    )
    print(f"\n{heading}\n\n{table}\n\n{note}\n", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "jobs.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "jobs.md").write_text(f"# {heading}\n\n{table}\n\n{note}\n")
    print(f"written to {RESULTS.relative_to(dataset.BASE_DIR)}/jobs.md and jobs.json")
    if args.check and not all(result["met"] for result in jobs.values()):
        raise SystemExit("A target was missed.")


if __name__ == "__main__":
    main()
