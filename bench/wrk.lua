-- wrk script for bench/answers.sh. Configured through the environment:
--   BENCH_MODE   get (default) or put
--   BENCH_AUTH   Authorization header value (e.g. "Bearer ..."), optional
--   BENCH_COOKIE Cookie header value, optional
--   BENCH_IDS    put: file with one requirement ID per line (cycled through)
--   BENCH_SHEET  put: the sheet ID
-- done() prints one machine-readable line:
--   RESULT p50_us p99_us mean_us requests errors rps
local mode = os.getenv("BENCH_MODE") or "get"
local auth = os.getenv("BENCH_AUTH") or ""
local cookie = os.getenv("BENCH_COOKIE") or ""
if auth ~= "" then wrk.headers["Authorization"] = auth end
if cookie ~= "" then wrk.headers["Cookie"] = cookie end

local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

if mode == "put" then
  local ids = {}
  local sheet = os.getenv("BENCH_SHEET") or ""
  local counter = 0

  function init(args)
    for line in io.lines(os.getenv("BENCH_IDS")) do
      if line ~= "" then ids[#ids + 1] = line end
    end
    -- Threads start at different points of the list.
    counter = (thread_index or 0) * 97
    wrk.headers["Content-Type"] = "application/json"
  end

  function request()
    counter = counter + 1
    local rid = ids[(counter % #ids) + 1]
    local body = '{"sheet_id":"' .. sheet .. '","requirement_id":"' .. rid .. '","answer":"Yes"}'
    return wrk.format("PUT", nil, nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %d %d %d %d %d %.1f\n",
    latency:percentile(50), latency:percentile(99), latency.mean,
    summary.requests, errors, summary.requests / (summary.duration / 1e6)))
end
