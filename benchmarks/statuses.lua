-- wrk script: the request to send (method, JSON body and, when asked, a fresh Idempotency-Key per
-- request), and the answers counted by HTTP status, printed as "status CODE COUNT" lines so that
-- refused requests (401, 429, 5xx...) can be named in the report.
-- Arguments after the URL: METHOD BODY KEY_PREFIX (an empty BODY: none; an empty KEY_PREFIX: no key).
local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("thread_number", count)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  method = args[1] or "GET"
  body = args[2]
  if body == "" then body = nil end
  prefix = args[3] or ""
  sent = 0
  if body then wrk.headers["Content-Type"] = "application/json" end
  fixed = wrk.format(method, nil, nil, body)
end

function request()
  if prefix == "" then return fixed end
  sent = sent + 1
  wrk.headers["Idempotency-Key"] = string.format("%s-%d-%d", prefix, thread_number, sent)
  return wrk.format(method, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      print(string.format("status %d %d", status, n))
    end
  end
end
