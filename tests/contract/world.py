#!/usr/bin/env python3
"""Reads the demo world's identifiers through the API and writes them as schemathesis dictionaries.

    world.py BASE_URL TOKEN OUT_DIR

TOKEN should be an NHS England administrator's, who sees every organisation's data. One file per
kind of identifier is written to OUT_DIR (`products.dict`, `scals.dict`...), in the libFuzzer
dictionary format schemathesis reads (`"value"` a line). `schemathesis.toml` binds them to the path
parameters and body fields that name such a thing, so that part of the generated requests reach
real objects instead of ending in 404. A kind the demo world has none of gets the nil UUID, which
is unknown (404), so that every dictionary the configuration names exists.

Standard library only: it runs before, and independently of, the virtual environment.
"""

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

NIL = "00000000-0000-0000-0000-000000000000"

KINDS = [
    "organisations",
    "ods_codes",
    "users",
    "products",
    "scals",
    "sheets",
    "requirements",
    "enquiries",
    "submissions",
    "shares",
    "templates",
    "services",
    "evidence",
    "certificates",
    "conditions",
    "agreements",
    "agreement_versions",
    "threads",
    "policies",
    "test_cases",
]


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    base, token, out = sys.argv[1].rstrip("/"), sys.argv[2], Path(sys.argv[3])

    def get(path: str):
        request = urllib.request.Request(
            f"{base}/api/v1/{path}", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            print(f"world.py: GET /api/v1/{path}: {error.code}", file=sys.stderr)
            return None

    found: dict[str, list] = {kind: [] for kind in KINDS}

    def add(kind: str, value) -> None:
        if value is not None and value not in found[kind]:
            found[kind].append(value)

    for org in get("organisations") or []:
        add("organisations", org["id"])
        add("ods_codes", org["ods_code"])
        for user in get(f"organisations/{org['id']}/users") or []:
            add("users", user["id"])
    scals = []
    for product in get("products") or []:
        add("products", product["id"])
        policy = get(f"products/{product['id']}/use-policy") or {}
        for version in policy.get("versions") or []:
            add("policies", version["id"])
    for enquiry in get("enquiries") or []:
        add("enquiries", enquiry["id"])
        scals.append(enquiry.get("scal_id"))
    for submission in get("submissions") or []:
        add("submissions", submission["id"])
        scals.append(submission.get("scal_id"))
    for share in get("shares") or []:
        add("shares", share["id"])
        scals.append(share.get("scal_id"))
        for file in share.get("files") or []:
            add("evidence", file["id"])
    for template in get("templates") or []:
        add("templates", template["id"])
    for service in get("services") or []:
        add("services", service["code"])
    for version in get("agreement-versions") or []:
        add("agreement_versions", version["id"])
    for scal_id in scals:
        if scal_id is None or scal_id in found["scals"]:
            continue
        add("scals", scal_id)
        scal = get(f"scals/{scal_id}") or {}
        for sheet in scal.get("sheets") or []:
            add("sheets", sheet["id"])
            for requirement in sheet.get("requirements") or []:
                add("requirements", requirement["requirement_id"])
        for evidence in get(f"scals/{scal_id}/evidence") or []:
            add("evidence", evidence["id"])
        for certificate in get(f"scals/{scal_id}/certificates") or []:
            add("certificates", certificate["id"])
            for condition in certificate.get("conditions") or []:
                add("conditions", condition["id"])
        for agreement in get(f"scals/{scal_id}/agreements") or []:
            add("agreements", agreement["id"])
        for thread in get(f"scals/{scal_id}/threads") or []:
            add("threads", thread["id"])
        testing = get(f"scals/{scal_id}/testing") or {}
        for case in testing.get("cases") or []:
            for test_case in case.get("test_cases") or []:
                add("test_cases", test_case["id"])

    out.mkdir(parents=True, exist_ok=True)
    for kind, values in found.items():
        lines = [json.dumps(str(v)) for v in values] or [json.dumps(NIL)]
        (out / f"{kind}.dict").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(
        "demo world: " + ", ".join(f"{len(values)} {kind}" for kind, values in found.items()),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
