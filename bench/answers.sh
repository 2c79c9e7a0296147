#!/usr/bin/env bash
# Latency of saving an answer and rendering a sheet of a SCAL with 500 requirements, under
# 16 concurrent clients, against GET /healthz under the same load (the server's floor).
# See docs/benchmarks.md. Usage: bash bench/answers.sh
#
# Environment (all optional):
#   SCAL_BIN   binary to run (default: cargo build --release -p scal, then target/release/scal)
#   RUNS=3 DURATION=10s CONNS=16 THREADS=2 REQUIREMENTS=500 PORT=18080
#   BENCH_PG=auto|1|0   also run on a throwaway PostgreSQL cluster (auto: when run as root and
#                       a PostgreSQL installation is found under /usr/lib/postgresql)
#   PGPORT=15432
#   SIZES_ONLY=1        only set up the SQLite world and report the pages' sizes (plain, gzip,
#                       brotli), without wrk; any build will do (SCAL_BIN=target/debug/scal)
#   PERF=1              also profile the server under each case's load with `perf record`
#                       (DWARF call graphs; build with `--profile profiling` for line tables:
#                       SCAL_BIN=target/profiling/scal); reports in $WORK/<db>-<case>.perf.txt
# Needs: wrk (not for SIZES_ONLY), curl, jq, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
REQUIREMENTS=${REQUIREMENTS:-500}
PORT=${PORT:-18080}
PGPORT=${PGPORT:-15432}
BENCH_PG=${BENCH_PG:-auto}
BASE="http://127.0.0.1:$PORT"
PASSWORD='bench-password-long-enough'

SIZES_ONLY=${SIZES_ONLY:-0}
PERF=${PERF:-0}
tools=(curl jq python3)
[[ $SIZES_ONLY == 1 ]] || tools+=(wrk)
[[ $PERF == 0 ]] || tools+=(perf)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "bench/answers.sh needs $tool (Debian: apt-get install -y $tool)" >&2; exit 2; }
done

if [[ -z "${SCAL_BIN:-}" ]]; then
  cargo build --release -p scal >&2
  SCAL_BIN=$ROOT/target/release/scal
fi

WORK=$(mktemp -d /tmp/scal-bench-answers.XXXXXX)
chmod 755 "$WORK"
RESULTS=$WORK/results.txt
: >"$RESULTS"
SERVER_PID=
PGDATA_DIR=
PGBIN=

cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [[ -n "$PGDATA_DIR" ]]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

log() { echo "== $*" >&2; }

# curl that fails on HTTP errors and prints the body of the error.
api() {
  local method=$1 path=$2 token=$3 body=${4:-}
  local out status
  out=$(mktemp "$WORK/resp.XXXXXX")
  if [[ -n "$body" ]]; then
    status=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' --data-binary "$body" "$BASE$path")
  else
    status=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token" "$BASE$path")
  fi
  if [[ $status != 2?? ]]; then
    echo "$method $path ${body:+with $body }-> HTTP $status: $(head -c 2000 "$out")" >&2
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

# One world: organisations, users, tokens, service, template, product, enquiry, issued SCAL,
# every answer filled in, and a signed-in session. Sets TOKEN_S, SCAL_ID, SHEET_ID, COOKIE, IDS.
setup_world() {
  local label=$1 dburl=$2
  local data=$WORK/$label-data
  mkdir -p "$data"
  local -a db=(--data-dir "$data")
  [[ -n "$dburl" ]] && db+=(--database-url "$dburl")
  scal() { SCAL_LOG=${SCAL_LOG:-warn} "$SCAL_BIN" "$@" "${db[@]}"; }

  log "$label: setting up (data dir $data)"
  scal migrate >/dev/null
  scal org add --ods X26 --name "NHS England" --kind nhse >/dev/null
  scal org add --ods 8JK21 --name Acme --kind supplier >/dev/null
  printf '%s' "$PASSWORD" | scal user add --email supplier@acme.example --name Supplier --org 8JK21 \
    --role supplier_admin --password-stdin >/dev/null
  printf '%s' "$PASSWORD" | scal user add --email reviewer@nhs.example --name Reviewer --org X26 \
    --role nhse_reviewer --password-stdin >/dev/null
  TOKEN_S=$(scal token create --email supplier@acme.example | tail -n 1)
  local token_r
  token_r=$(scal token create --email reviewer@nhs.example | tail -n 1)
  scal service add --code BENCH --name Bench --network internet >/dev/null
  python3 "$ROOT/bench/make_template.py" "$WORK/bench-template.psv" "$REQUIREMENTS"
  scal template import "$WORK/bench-template.psv" --service BENCH --publish >/dev/null

  "$SCAL_BIN" serve --bind "127.0.0.1:$PORT" "${db[@]}" >"$WORK/$label-server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS -o /dev/null "$BASE/healthz"

  local product enquiry issued
  product=$(api POST /api/v1/products "$TOKEN_S" '{"name":"Bench product","version":"1.0"}' | jq -r .id)
  enquiry=$(api POST /api/v1/enquiries "$TOKEN_S" \
    "{\"product_id\":\"$product\",\"services\":[\"BENCH\"],\"details\":\"bench\"}" | jq -r .id)
  issued=$(api POST "/api/v1/enquiries/$enquiry/issue" "$token_r")
  SCAL_ID=$(jq -r .scal_id <<<"$issued")
  api GET "/api/v1/scals/$SCAL_ID" "$TOKEN_S" >"$WORK/$label-scal.json"
  SHEET_ID=$(jq -r '[.sheets[] | select(any(.requirements[]; .requirement_id == "BENCH-0001"))][0].id' "$WORK/$label-scal.json")
  IDS=$WORK/$label-ids.txt
  jq -r ".sheets[] | select(.id == \"$SHEET_ID\") | .requirements[].requirement_id" "$WORK/$label-scal.json" >"$IDS"
  local count
  count=$(wc -l <"$IDS")
  log "$label: SCAL $SCAL_ID, sheet $SHEET_ID with $count requirements ($(jq '[.sheets[].requirements[]] | length' "$WORK/$label-scal.json") in the whole SCAL, $(jq '.sheets | length' "$WORK/$label-scal.json") sheets)"
  [[ $count -eq $REQUIREMENTS ]] || { echo "expected $REQUIREMENTS requirements in the sheet, found $count" >&2; exit 1; }

  # Answer every requirement once, so every rendering below shows 500 answers.
  while read -r rid; do
    api PUT "/api/v1/scals/$SCAL_ID/answers" "$TOKEN_S" \
      "{\"sheet_id\":\"$SHEET_ID\",\"requirement_id\":\"$rid\",\"answer\":\"Yes\"}" >/dev/null
  done <"$IDS"

  # Sign in through the login form for a session cookie.
  local jar=$WORK/$label-cookies.txt csrf
  csrf=$(curl -fsS -c "$jar" "$BASE/login" | grep -o 'name="_csrf"[^>]*value="[^"]*"' | sed 's/.*value="//; s/"$//' | head -n 1)
  curl -sS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "_csrf=$csrf" \
    --data-urlencode "email=supplier@acme.example" --data-urlencode "password=$PASSWORD" "$BASE/login"
  COOKIE="scal_session=$(awk '$6 == "scal_session" {print $7}' "$jar")"
  [[ $COOKIE != "scal_session=" ]] || { echo "sign-in failed: no scal_session cookie" >&2; exit 1; }
}

# The cases: name, then the wrk environment and URL.
HTML_PAGE=0
check_cases() {
  local status
  status=$(curl -sS -o "$WORK/sheet.html" -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE/scals/$SCAL_ID/sheets/$SHEET_ID")
  if [[ $status == 200 ]]; then
    HTML_PAGE=1
    log "HTML sheet page: $(wc -c <"$WORK/sheet.html") bytes, $(grep -o 'BENCH-[0-9]*' "$WORK/sheet.html" | sort -u | wc -l) requirement IDs"
    # What a browser receives: the server compresses as the client accepts (wrk asks for neither).
    local encoding
    for encoding in gzip br; do
      log "HTML sheet page with Accept-Encoding: $encoding: $(curl -fsS -o /dev/null -w '%{size_download}' \
        -H "Cookie: $COOKIE" -H "Accept-Encoding: $encoding" "$BASE/scals/$SCAL_ID/sheets/$SHEET_ID") bytes"
    done
  else
    HTML_PAGE=0
    log "HTML sheet page /scals/$SCAL_ID/sheets/$SHEET_ID answered $status: skipped"
  fi
  log "API SCAL JSON: $(curl -fsS -H "Authorization: Bearer $TOKEN_S" "$BASE/api/v1/scals/$SCAL_ID" | wc -c) bytes"
}

run_case() {
  local label=$1 name=$2 run=$3 duration=$4
  local -a env=(BENCH_MODE=get)
  local url
  case $name in
    healthz) url=$BASE/healthz ;;
    get_scal_json) env+=("BENCH_AUTH=Bearer $TOKEN_S"); url=$BASE/api/v1/scals/$SCAL_ID ;;
    sheet_html) env+=("BENCH_COOKIE=$COOKIE"); url=$BASE/scals/$SCAL_ID/sheets/$SHEET_ID ;;
    put_answer) env=(BENCH_MODE=put "BENCH_AUTH=Bearer $TOKEN_S" "BENCH_IDS=$IDS" "BENCH_SHEET=$SHEET_ID")
      url=$BASE/api/v1/scals/$SCAL_ID/answers ;;
  esac
  local out=$WORK/$label-$name-$run.txt
  env "${env[@]}" wrk -t "$THREADS" -c "$CONNS" -d "$duration" --latency -s "$ROOT/bench/wrk.lua" "$url" >"$out"
  local line
  line=$(grep '^RESULT ' "$out") || { cat "$out" >&2; exit 1; }
  if [[ $run != warmup && $run != perf ]]; then
    echo "$label $name $run ${line#RESULT }" >>"$RESULTS"
    log "$label $name run $run: $(awk '{printf "p50 %.2f ms, p99 %.2f ms, %s req/s, %s errors", $1/1000, $2/1000, $6, $5}' <<<"${line#RESULT }")"
  fi
}

# profile_case LABEL NAME: the server's samples under the case's load, 6 s of a 10 s run, as a
# flat profile (where the time is spent) and a caller view (what spends it).
profile_case() {
  local label=$1 name=$2
  local data=$WORK/$label-$name.perf.data report=$WORK/$label-$name.perf.txt
  run_case "$label" "$name" perf 10s &
  local load=$!
  sleep 2
  perf record -q -F 499 --call-graph dwarf,16384 -p "$SERVER_PID" -o "$data" -- sleep 6 2>/dev/null
  wait "$load"
  {
    echo "# $label $name: self time by symbol"
    perf report -i "$data" --no-children --sort symbol --stdio -g none --percent-limit 0.7 2>/dev/null | grep -v '^$'
    echo
    echo "# $label $name: time including callees, by symbol"
    perf report -i "$data" --children --sort symbol --stdio -g none --percent-limit 4 2>/dev/null | grep -v '^$'
    echo
    echo "# $label $name: time including callees, scal's own functions"
    perf script -i "$data" 2>/dev/null | python3 "$ROOT/bench/perf_inclusive.py"
    echo
    echo "# $label $name: what calls memcmp and the allocator"
    perf script -i "$data" 2>/dev/null | python3 "$ROOT/bench/perf_inclusive.py" '^scal_' 25 'memcmp|malloc|_int_free|cfree'
  } >"$report"
  [[ ${PERF_KEEP:-0} == 1 ]] || rm -f "$data"
  log "$label $name: profile in $report"
}

bench_backend() {
  local label=$1 dburl=$2
  setup_world "$label" "$dburl"
  check_cases
  if [[ $SIZES_ONLY == 1 ]]; then
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
    return
  fi
  local cases=(healthz get_scal_json put_answer)
  [[ $HTML_PAGE == 1 ]] && cases=(healthz get_scal_json sheet_html put_answer)
  for name in "${cases[@]}"; do run_case "$label" "$name" warmup 2s; done
  # Rounds interleave the cases, so a noisy moment hits them all alike.
  for run in $(seq 1 "$RUNS"); do
    for name in "${cases[@]}"; do run_case "$label" "$name" "$run" "$DURATION"; done
  done
  if [[ $PERF == 1 ]]; then
    for name in "${cases[@]}"; do [[ $name == healthz ]] || profile_case "$label" "$name"; done
  fi
  grep -E 'ERROR|panicked' "$WORK/$label-server.log" >&2 || true
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}

start_postgres() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  install -d -o postgres -m 700 "$WORK/pg"
  PGDATA_DIR=$WORK/pg/data
  log "postgres: initdb and start on 127.0.0.1:$PGPORT ($PGBIN)"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA_DIR" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$WORK/pg/postgres.log" -w \
    -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(uname -r)" | tee "$WORK/machine.txt" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "load: wrk -t $THREADS -c $CONNS -d $DURATION, $RUNS runs per case, $REQUIREMENTS requirements" >&2

bench_backend sqlite ""
[[ $SIZES_ONLY == 1 ]] && exit 0

if [[ $BENCH_PG == 1 || ( $BENCH_PG == auto && $EUID == 0 && -n $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null) ) ]]; then
  start_postgres
  bench_backend postgres "postgres://postgres@127.0.0.1:$PGPORT/postgres"
fi

python3 - "$RESULTS" "$RUNS" <<'EOF'
import statistics, sys
from collections import defaultdict
rows = defaultdict(list)
for line in open(sys.argv[1]):
    label, name, run, p50, p99, mean, reqs, errors, rps = line.split()
    rows[(label, name)].append((int(p50), int(p99), float(rps), int(errors), int(reqs)))
names = {
    "healthz": "GET /healthz (baseline)",
    "get_scal_json": "GET /api/v1/scals/{id} (JSON, every sheet and requirement)",
    "sheet_html": "GET /scals/{id}/sheets/{sheet_id} (HTML page, session cookie)",
    "put_answer": "PUT /api/v1/scals/{id}/answers",
}
print()
print(f"| database | request | p50 | p99 | requests/s | p50 / baseline p50 | errors |")
print("|---|---|---|---|---|---|---|")
for label in dict.fromkeys(k[0] for k in rows):
    base = statistics.median(r[0] for r in rows[(label, "healthz")])
    for name in names:
        runs = rows.get((label, name))
        if not runs:
            continue
        p50 = statistics.median(r[0] for r in runs)
        p99 = statistics.median(r[1] for r in runs)
        rps = statistics.median(r[2] for r in runs)
        errors = sum(r[3] for r in runs)
        print(f"| {label} | {names[name]} | {p50/1000:.2f} ms | {p99/1000:.2f} ms | {rps:,.0f} | {p50/base:.1f}x | {errors} |")
print()
print("(each cell: median of", sys.argv[2], "runs; per-run values in", sys.argv[1] + ")")
EOF
