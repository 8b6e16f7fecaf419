-- wrk script: cycles through the paths given after `--`, one request each, in order; a path
-- given twice is requested twice as often. Prints requests/s, p50, p95 and p99 when done.
local paths = {}
local next_path = 0

function init(args)
  for _, path in ipairs(args) do
    paths[#paths + 1] = path
  end
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local failed = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("mix: %.1f requests/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, %d requests, %d failed\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, failed))
end
