-- wrk script for bench/hall.py: a hall of phones, each sending its own 10 taps once.
--
--   wrk -t1 -cCONNECTIONS -dSECONDS -s bench/hall.lua URL -- FILE THREADS THINK_MS OUT_PREFIX
--
-- FILE as for vote.lua (path prefix, Cookie header, CSRF token, statement ids). A phone's 10 taps:
-- dots 4/3/2/1 on the four statements (10 dots), a rating on each, and two SWOT notes. Each tap
-- touches its own answer field, so the final tally does not depend on the order they land in.
-- Before each tap a connection waits a random 0..THINK_MS (wrk's delay hook); once its thread's
-- taps are all handed out it parks, so wrk sends phones x 10 taps. Taps go round by round (every
-- phone's first, then every second...), over whichever connection is free. After a reconnect wrk
-- may ask for a request the delay hook did not grant: with no tap left, it gets a harmless GET of
-- the phase poll, counted as "extra", not written down. Every successful reply's wall-clock time
-- (CLOCK_REALTIME, through LuaJIT's ffi) and how much it grew the projector's totals go to
-- OUT_PREFIX-<thread>.txt, for the projector lag (a failure writes "F" instead); failures are
-- counted as in vote.lua.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec_t;
  int clock_gettime(int clock_id, timespec_t *tp);
]]
local now_ts = ffi.new("timespec_t")
local function now()
  ffi.C.clock_gettime(0, now_ts)
  return tonumber(now_ts.tv_sec) + tonumber(now_ts.tv_nsec) / 1e9
end

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

local DOTS = {4, 3, 2, 1}
local RATINGS = {"fully_agree", "partly_agree", "neutral", "cant_say"}

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  think_ms = tonumber(args[3])
  out = io.open(args[4] .. "-" .. id .. ".txt", "w")
  out:setvbuf("line")
  taps, next_tap, reserved, failures, extra, statuses = {}, 1, 0, 0, 0, ""
  local phones, i = {}, 0
  for line in io.lines(file) do
    if i % nthreads == id then
      local f = split(line, "\t")
      table.insert(phones, {prefix = f[1], cookie = f[2], token = f[3], statements = split(f[4], ","), n = i})
    end
    i = i + 1
  end
  -- Round by round: every phone's first tap, then every phone's second, and so on.
  for round = 1, 10 do
    for _, p in ipairs(phones) do
      local s = p.statements[(round - 1 + p.n) % 4 + 1]
      local tap
      if round <= 4 then
        tap = {p, s .. "/dots/", "dots=" .. DOTS[(round - 1 + p.n) % 4 + 1]}
      elseif round <= 8 then
        tap = {p, s .. "/rating/", "rating=" .. RATINGS[(round - 1 + p.n) % 4 + 1]}
      elseif round == 9 then
        tap = {p, p.statements[1] .. "/notes/", "kind=S&text=Vahvuus+" .. p.n}
      else
        tap = {p, p.statements[4] .. "/notes/", "kind=T&text=Uhka+" .. p.n}
      end
      table.insert(taps, tap)
    end
  end
  host = wrk.host .. ":" .. wrk.port
end

function delay()
  if reserved >= #taps then return 3600 * 1000 end  -- nothing left for this thread: park
  reserved = reserved + 1
  return math.random(0, think_ms)
end

function request()
  if reserved == 0 then  -- wrk builds one request before the run starts and never sends it
    return wrk.format("GET", "/")
  end
  local tap = taps[next_tap]
  if tap == nil then  -- a reconnect asked for one more: a harmless read
    extra = extra + 1
    return wrk.format("GET", taps[1][1].prefix .. "/me/live/", {["X-Hall-Extra"] = "1"})
  end
  next_tap = next_tap + 1
  local p = tap[1]
  return wrk.format("POST", p.prefix .. "/me/" .. tap[2], {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = p.cookie,
    ["X-CSRFToken"] = p.token,
    ["Origin"] = "http://" .. host,
    ["HX-Request"] = "true",
    ["HX-Current-URL"] = "http://" .. host .. p.prefix .. "/me/",
  }, tap[3])
end

function response(status, headers, body)
  if string.find(body or "", 'id="waiting-live"', 1, true) and not string.find(body, "<form", 1, true) then
    return  -- the harmless poll above
  end
  if status ~= 200 or headers["HX-Redirect"] or (body and string.find(body, 'role="alert"', 1, true)) then
    failures = failures + 1
    if #statuses < 60 then statuses = statuses .. status .. " " end
    out:write(string.format("%.6f F\n", now()))
  else
    -- A dot reply is its stepper form, showing the dots now set (each set from 0: the growth).
    local dots = string.match(body, 'class="control dots"[^>]*data%-dots="(%d+)"')
    out:write(string.format("%.6f %d\n", now(), tonumber(dots or "1")))
  end
end

function done(summary, latency, requests)
  local failed, seen, extras = 0, "", 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
    extras = extras + thread:get("extra")
    seen = seen .. thread:get("statuses")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d failures=%d socket_errors=%d extra=%d p50_us=%d p95_us=%d p99_us=%d\n",
    summary.requests, summary.duration, failed, e.connect + e.read + e.write + e.timeout, extras,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
  if failed > 0 then io.write("FAILED_STATUSES " .. seen .. "\n") end
end
