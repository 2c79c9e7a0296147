#!/usr/bin/env python3
"""Markdown report of benches/national/run: WORK/results.txt and WORK/probe-large-*.log.

results.txt lines: run size case mode p50_us p99_us mean_us requests errors rps
(mode: lat = 1 client on one instance; one = 16 clients on one instance; two = 16 clients, 8 on
each of two instances). Each cell is the median over the runs.
Usage: report.py WORK
"""
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

work = Path(sys.argv[1])
NAMES = {
    "healthz": "`GET /healthz` (floor)",
    "sheet_html": "`GET /scals/{id}/sheets/{sheet}` (HTML, 500 rows)",
    "scal_json": "`GET /api/v1/scals/{id}` (JSON)",
    "put_answer": "`PUT /api/v1/scals/{id}/answers`",
    "submissions": "`GET /api/v1/submissions?status=submitted&limit=1` (1 row on both)",
    "submissions_page": "`GET /api/v1/submissions?status=submitted` (a page: 100 rows large, 1 small)",
    "audit": "`GET /api/v1/audit?organisation_id&kind=answer.saved`",
    "audit_rare": "`GET /api/v1/audit?organisation_id&kind=evidence.linked`",
}
rows = defaultdict(list)
for line in (work / "results.txt").read_text().splitlines():
    run, size, name, mode, p50, p99, mean, reqs, errors, rps = line.split()
    rows[(size, name, mode)].append((int(p50), int(p99), float(rps), int(errors)))


def cell(size, name, mode, i):
    runs = rows.get((size, name, mode))
    return statistics.median(r[i] for r in runs) if runs else None


def ms(us):
    return "n/a" if us is None else f"{us / 1000:.2f}"


def ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


errors = sum(r[3] for v in rows.values() for r in v)
print((work / "machine.txt").read_text().strip())
print()
print("### Latency, 1 client, one instance (ms)")
print()
print("| request | small p50 | small p99 | large p50 | large p99 | large/small p50 | large/small p99 |")
print("|---|---|---|---|---|---|---|")
flagged = []
for name, label in NAMES.items():
    s50, s99, l50, l99 = (cell(sz, name, "lat", i) for sz, i in (("small", 0), ("small", 1), ("large", 0), ("large", 1)))
    mark = ""
    if name != "healthz" and s50 and l50 and l50 / s50 > 1.5:
        mark = " **>1.5x**"
        flagged.append(name)
    print(f"| {label} | {ms(s50)} | {ms(s99)} | {ms(l50)} | {ms(l99)} | {ratio(l50, s50)}{mark} | {ratio(l99, s99)} |")
print()
print("### 16 clients: requests/s (p50 ms), one instance vs two on the same database")
print()
print("| request | small, 1 inst | small, 2 inst | large, 1 inst | large, 2 inst | large 2/1 | large/small (1 inst) |")
print("|---|---|---|---|---|---|---|")
for name, label in NAMES.items():
    vals = {}
    out = []
    for size in ("small", "large"):
        for mode in ("one", "two"):
            rps, p50 = cell(size, name, mode, 2), cell(size, name, mode, 0)
            vals[(size, mode)] = rps
            out.append("n/a" if rps is None else f"{rps:,.0f} ({ms(p50)})")
    print(f"| {label} | {' | '.join(out)} | {ratio(vals[('large', 'two')], vals[('large', 'one')])} | "
          f"{ratio(vals[('large', 'one')], vals[('small', 'one')])} |")
print()
print(f"Errors (socket errors and HTTP >= 400, all runs): {errors}.")
print(f"More than 1.5x slower (p50, 1 client) on the large database: {', '.join(flagged) or 'none'}.")

# auto_explain of one request of each case on the large database.
ENTRY = re.compile(r"^\S+ \S+ \S+ \[\d+\] LOG:  duration: ([\d.]+) ms  plan:$")
probes = {}
for name in NAMES:
    path = work / f"probe-large-{name}.log"
    if not path.exists():
        continue
    entries, current = [], None
    for line in path.read_text(errors="replace").splitlines():
        m = ENTRY.match(line)
        if m:
            current = [float(m.group(1)), []]
            entries.append(current)
        elif re.match(r"^\d{4}-\d\d-\d\d ", line):
            current = None
        elif current is not None:
            current[1].append(line)
    probes[name] = sorted(entries, key=lambda e: -e[0])
if probes:
    print()
    print("### Statements of one request each, large database (auto_explain, ANALYZE, BUFFERS)")
    print()
    print("| request | statements | their total ms | slowest statement ms | slowest statement |")
    print("|---|---|---|---|---|")
    for name, entries in probes.items():
        if not entries:
            continue
        text = next((l.strip() for l in entries[0][1] if "Query Text:" in l), "").replace("Query Text: ", "")
        print(f"| {NAMES[name]} | {len(entries)} | {sum(e[0] for e in entries):.2f} | {entries[0][0]:.2f} | "
              f"`{text[:110]}` |")
    timed = {n: cell("large", n, "lat", 0) for n in probes if n != "healthz" and cell("large", n, "lat", 0)}
    if timed:
        slowest = max(timed, key=timed.get)
        print()
        print(f"Slowest request on the large database (p50, 1 client): {NAMES[slowest]}; its slowest statement:")
        print()
        print("```")
        for line in probes[slowest][0][1][:60] if probes[slowest] else []:
            print(line)
        print("```")
        print(f"(all plans: {work}/probe-large-*.log)")
