-- wrk at a fixed rate (Debian's wrk has no rate option; wrk2's -R is not Debian's). Used by PacedWrk:
--
--   wrk -t THREADS -c CONNECTIONS -d DURATION -s paced.lua URL -- RATE_PER_THREAD PATHS_FILE
--
-- Each thread keeps a schedule of sends, one every 1/RATE_PER_THREAD s from its start. A connection whose answer is
-- in asks delay() for its next send: it takes the next slot of the schedule and waits until then. The connections
-- are how many requests may be out at once; as long as one is free when a slot comes, every request leaves on time
-- and the rate is held whatever the answers take. A slot that comes while every connection waits for an answer is
-- sent as soon as one is free: late, and wrk's latency of it starts only then (it cannot see the wait), so each
-- thread counts its late sends and how late the latest was, and done() reports them with the figures.
--
-- Requests walk through PATHS_FILE (one path and query a line) in turn, each thread from another line; done()
-- prints one line, "paced-wrk " and a JSON object of the run's figures (times in microseconds).

local ffi = require("ffi")
ffi.cdef [[
  struct paced_timespec { long tv_sec; long tv_nsec; };
  int clock_gettime(int clock, struct paced_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("struct paced_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

-- setup() and done() run in wrk's main environment; init(), delay() and request() in each thread's own.
local threads = {}

function setup(thread)
  thread:set("first_line", #threads)
  table.insert(threads, thread)
end

function init(args)
  interval_ms = 1000 / tonumber(args[1])
  prepared = {}
  for path in io.lines(args[2]) do
    prepared[#prepared + 1] = wrk.format(nil, path)
  end
  line = first_line % #prepared
  next_send_ms = now_ms()
  late_sends = 0
  latest_ms = 0
end

function delay()
  next_send_ms = next_send_ms + interval_ms
  local wait_ms = next_send_ms - now_ms()
  if wait_ms >= 0 then
    return math.floor(wait_ms)
  end
  -- the slot came while every connection was busy: this request leaves late
  if wait_ms <= -1 then
    late_sends = late_sends + 1
  end
  latest_ms = math.max(latest_ms, -wait_ms)
  return 0
end

function request()
  line = line % #prepared + 1
  return prepared[line]
end

function done(summary, latency, requests)
  local late, latest = 0, 0
  for _, thread in ipairs(threads) do
    late = late + thread:get("late_sends")
    latest = math.max(latest, thread:get("latest_ms"))
  end
  local errors = summary.errors
  io.write(string.format(
    'paced-wrk {"requests":%d,"durationUs":%d,"bytes":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,'
      .. '"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"p999Us":%d,"maxUs":%d,"meanUs":%.1f,'
      .. '"lateSends":%d,"latestMs":%.3f}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean, late, latest))
end
