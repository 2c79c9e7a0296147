#!/usr/bin/env python3
"""Writes an NHS pipe-separated requirements table with N requirements (default 500).

Same header and row shape as tests/fixtures/real/scal-gpc-send-document.psv; the level comes
from the first RFC 2119 keyword in the description (about 70% MUST, 30% SHOULD). Each row has a
section (the "Item" column) of its own, so a long sheet page shows one at a time; with
--one-section every row is in one section, so the page shows them all (benches/national).
Usage: make_template.py OUT.psv [N] [--one-section]
"""
import sys

one_section = "--one-section" in sys.argv[1:]
args = [a for a in sys.argv[1:] if a != "--one-section"]
out = args[0]
n = int(args[1]) if len(args) > 1 else 500
header = "Identifier|Use case|Type|Link|Description|Item|Test cases|Evidence required"
rows = [header]
for i in range(1, n + 1):
    keyword = "SHOULD" if i % 10 in (3, 6, 9) else "MUST"
    rows.append("|".join([
        f"BENCH-{i:04d}",
        "All",
        "General" if i % 2 else "Security",
        "{{pagelink:Home/Build/Requirement-%d}}" % i,
        f"The consuming system {keyword} record the outcome of message {i} in the audit trail, "
        f"including the sender organisation's ODS code, the time it was received and the user who acted on it",
        "Requirements describing how messages are handled" if one_section
        else f"Requirements describing how message {i} is handled",
        f"BENCH-TST-{i:04d}",
        "Screenshot(s) of the audit trail showing the recorded outcome, with commentary",
    ]))
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(rows) + "\n")
