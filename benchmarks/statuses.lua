-- wrk script: count the answers by HTTP status, printed as "status CODE COUNT" lines, so that
-- refused requests (401, 429, 5xx...) can be named in the report.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      print(string.format("status %d %d", status, count))
    end
  end
end
