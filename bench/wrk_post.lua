-- POST a JSON body template to one URL with wrk; every "{n}" becomes a running number
-- (unique per request), as in ../shared/peers/load.py. Arguments after "--":
--   body-file  header-line ("Name: value", optional)
-- At the end one JSON line is printed with the counts and latency percentiles (bench/common.py
-- appends this same `done` function to the scripts it builds: keep it last).
local counter = 0
local template = ""
local headers = { ["Content-Type"] = "application/json" }

init = function(args)
  local f = assert(io.open(args[1], "r"))
  template = f:read("*a")
  f:close()
  if args[2] then
    local name, value = args[2]:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
end

request = function()
  counter = counter + 1
  local body = template:gsub("{n}", tostring(counter))
  return wrk.format("POST", nil, headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"non_2xx":%d,"socket_errors":%d,"seconds":%.3f,' ..
    '"p50_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
