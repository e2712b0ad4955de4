-- wrk script for bench/ratio.py and bench/hall.py: real, successful requests as htmx sends them.
--
--   wrk -t2 -c32 -d10s -s bench/vote.lua http://127.0.0.1:PORT -- MODE FILE THREADS
--
-- MODE "bare":   POST /bare/<n>/ to the baseline app (one locked read and one write).
-- MODE "dots":   set dots on one statement (1 or 2, so that the budget of 10 is never reached).
-- MODE "rating": tick a rating on one statement (alternating two columns).
-- FILE has one line per participant, tab-separated: path prefix ("/ABC123"), Cookie header,
-- CSRF token, statement ids (comma-separated); for "bare", the counter's id. Each thread takes
-- every THREADS-th line, so a participant is never in flight on two threads at once.
-- Every reply must be 200 with no error alert and no HX-Redirect; anything else is a failure,
-- and the script prints the count (wrk itself counts only socket errors and non-2xx/3xx).

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local function split(s, sep)
  local out = {}
  for piece in string.gmatch(s, "([^" .. sep .. "]+)") do table.insert(out, piece) end
  return out
end

function init(args)
  mode, file = args[1], args[2]
  local nthreads = tonumber(args[3] or "1")
  people, turn, failures, statuses = {}, 0, 0, ""
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id then
      local f = split(line, "\t")
      table.insert(people, {prefix = f[1], cookie = f[2], token = f[3], statements = split(f[4] or "", ",")})
    end
    i = i + 1
  end
  host = wrk.host .. ":" .. wrk.port
end

local ratings = {"fully_agree", "partly_agree"}

function request()
  local p = people[turn % #people + 1]
  local round = math.floor(turn / #people)
  turn = turn + 1
  if mode == "bare" then
    return wrk.format("POST", "/bare/" .. p.prefix .. "/",
      {["Content-Type"] = "application/x-www-form-urlencoded"}, "x=1")
  end
  local statement = p.statements[math.floor(round / 2) % #p.statements + 1]
  local path, body
  if mode == "dots" then
    path, body = p.prefix .. "/me/" .. statement .. "/dots/", "dots=" .. (1 + round % 2)
  else
    path, body = p.prefix .. "/me/" .. statement .. "/rating/", "rating=" .. ratings[1 + round % 2]
  end
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = p.cookie,
    ["X-CSRFToken"] = p.token,
    ["Origin"] = "http://" .. host,
    ["HX-Request"] = "true",
    ["HX-Current-URL"] = "http://" .. host .. p.prefix .. "/me/",
  }, body)
end

function response(status, headers, body)
  if status ~= 200 or headers["HX-Redirect"] or (body and string.find(body, 'role="alert"', 1, true)) then
    failures = failures + 1
    if #statuses < 60 then statuses = statuses .. status .. " " end
  end
end

function done(summary, latency, requests)
  local failed, seen = 0, ""
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    seen = seen .. thread:get("statuses")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d failures=%d socket_errors=%d p50_us=%d p95_us=%d p99_us=%d\n",
    summary.requests, summary.duration, failed, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
  if failed > 0 then io.write("FAILED_STATUSES " .. seen .. "\n") end
end
