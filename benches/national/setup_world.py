#!/usr/bin/env python3
"""Sets up the benchmark SCAL through the real API on a running `scal demo` server.

Acme (the demo supplier) asks for a SCAL of the BENCH service (a 500-requirement template
imported with `scal template import --publish`), NHS England's reviewer issues it, and Acme
answers every BENCH requirement once (each a real save with its audit entry).
Writes a JSON file: scal_id, sheet_id, product_id, requirement_ids.

Usage: setup_world.py BASE_URL SUPPLIER_TOKEN REVIEWER_TOKEN OUT.json
"""
import http.client
import json
import sys
import urllib.parse

base, supplier, reviewer, out = sys.argv[1:5]
url = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)


def api(method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    raw = resp.read()
    if resp.status >= 300:
        sys.exit(f"{method} {path} -> HTTP {resp.status}: {raw[:2000]!r}")
    return json.loads(raw) if raw else None


product = api("POST", "/api/v1/products", supplier,
              {"name": "Bench product", "version": "1.0", "description": "National benchmark product"})["id"]
enquiry = api("POST", "/api/v1/enquiries", supplier,
              {"product_id": product, "services": ["BENCH"], "details": "national benchmark"})["id"]
scal_id = api("POST", f"/api/v1/enquiries/{enquiry}/issue", reviewer)["scal_id"]
scal = api("GET", f"/api/v1/scals/{scal_id}", supplier)
sheet = next(s for s in scal["sheets"] if any(r["requirement_id"] == "BENCH-0001" for r in s["requirements"]))
ids = [r["requirement_id"] for r in sheet["requirements"]]
for i, rid in enumerate(ids):
    api("PUT", f"/api/v1/scals/{scal_id}/answers", supplier,
        {"sheet_id": sheet["id"], "requirement_id": rid, "answer": "Yes",
         "justification": f"Implemented and tested; see the audit trail evidence for {rid}"})
json.dump({"scal_id": scal_id, "sheet_id": sheet["id"], "product_id": product, "requirement_ids": ids},
          open(out, "w"))
print(f"SCAL {scal_id}: sheet {sheet['id']} with {len(ids)} requirements answered "
      f"({sum(len(s['requirements']) for s in scal['sheets'])} in {len(scal['sheets'])} sheets)", file=sys.stderr)
