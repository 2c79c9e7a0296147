-- wrk script for benches/national/run. Configured through the environment:
--   BENCH_PORTS   comma-separated ports on 127.0.0.1; wrk thread i goes to port i mod count
--                 (so -t2 with two ports puts 8 of 16 connections on each instance)
--   BENCH_MODE    get (default) or put
--   BENCH_AUTH    Authorization header value, optional
--   BENCH_COOKIE  Cookie header value, optional
--   BENCH_TARGETS put: file of "scal_id sheet_id requirement_id" lines, cycled through
-- done() prints one machine-readable line:
--   RESULT p50_us p99_us mean_us requests errors rps
local mode = os.getenv("BENCH_MODE") or "get"
local auth = os.getenv("BENCH_AUTH") or ""
local cookie = os.getenv("BENCH_COOKIE") or ""
if auth ~= "" then wrk.headers["Authorization"] = auth end
if cookie ~= "" then wrk.headers["Cookie"] = cookie end

local ports = {}
for p in string.gmatch(os.getenv("BENCH_PORTS") or "", "[^,]+") do ports[#ports + 1] = p end

local threads = {}
function setup(thread)
  local i = #threads
  thread:set("thread_index", i)
  if #ports > 0 then
    thread.addr = wrk.lookup("127.0.0.1", ports[(i % #ports) + 1])[1]
  end
  table.insert(threads, thread)
end

if mode == "put" then
  local targets = {}
  local counter = 0

  function init(args)
    for line in io.lines(os.getenv("BENCH_TARGETS")) do
      local scal, sheet, rid = string.match(line, "^(%S+)%s+(%S+)%s+(%S+)$")
      if scal then targets[#targets + 1] = { scal, sheet, rid } end
    end
    -- Threads start at different points of the list.
    counter = (thread_index or 0) * 997
    wrk.headers["Content-Type"] = "application/json"
  end

  function request()
    counter = counter + 1
    local t = targets[(counter % #targets) + 1]
    local body = '{"sheet_id":"' .. t[2] .. '","requirement_id":"' .. t[3] ..
      '","answer":"Yes","justification":"Checked again in the national benchmark (' .. counter .. ')"}'
    return wrk.format("PUT", "/api/v1/scals/" .. t[1] .. "/answers", nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %d %d %d %d %d %.1f\n",
    latency:percentile(50), latency:percentile(99), latency.mean,
    summary.requests, errors, summary.requests / (summary.duration / 1e6)))
end
