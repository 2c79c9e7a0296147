#!/usr/bin/env python3
"""Inclusive share of samples per function, from `perf script` output on stdin.

    perf script -i server.perf.data | python3 bench/perf_inclusive.py [REGEX] [TOP] [LEAF]

Each sample counts once for every distinct function on its stack whose name matches REGEX
(default: scal's own crates), so a function's share includes everything it called: where the
request's time goes, in scal's own words. With LEAF, only samples whose innermost frame matches
it count (say `memcmp`: who compares all those strings). Shares are of all samples. Used with
bench/answers.sh PERF=1 (docs/benchmarks.md).
"""
import re
import sys
from collections import Counter

pattern = re.compile(sys.argv[1] if len(sys.argv) > 1 else r"^scal_(store|app|web|workbook|domain)::")
top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
leaf = re.compile(sys.argv[3]) if len(sys.argv) > 3 else None
# A frame line: address, symbol (with +offset), then the object in parentheses.
frame = re.compile(r"^\s+[0-9a-f]+\s+(.+?)(\+0x[0-9a-f]+)?\s+\(")
closure = re.compile(r"::\{\{closure\}\}")

samples = 0
inclusive = Counter()
seen = set()
in_sample = False
first = True
wanted = True
for line in sys.stdin:
    if not line.strip():
        if in_sample and wanted:
            inclusive.update(seen)
        seen = set()
        in_sample = False
        continue
    if not line.startswith((" ", "\t")):
        samples += 1
        in_sample = True
        first = True
        wanted = leaf is None
        continue
    match = frame.match(line)
    if match:
        name = closure.sub("", match.group(1))
        if first:
            first = False
            if leaf is not None and leaf.search(name):
                wanted = True
        name = re.sub(r"<.*>$", "", name) if name.startswith("scal") else name
        if pattern.search(name):
            seen.add(name)
if in_sample and wanted:
    inclusive.update(seen)

print(f"{samples} samples")
for name, count in inclusive.most_common(top):
    print(f"{100 * count / max(samples, 1):6.2f}%  {name}")
