-- wrk script: POST /enrich with the bodies of a corpus file, cycled in order.
-- Usage: wrk -s bench/wrk/post-corpus.lua URL -- CORPUS.ndjson
local bodies = {}
local n = 0
local i = 0

function init(args)
  local path = args[1] or error("usage: wrk -s post-corpus.lua URL -- CORPUS.ndjson")
  for line in io.lines(path) do
    n = n + 1
    bodies[n] = line
  end
  if n == 0 then error("empty corpus: " .. path) end
  -- Each wrk thread starts at a different offset so threads do not send in lockstep.
  i = (id or 0) * 7919 % n
end

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function request()
  i = i % n + 1
  return wrk.format("POST", "/enrich", { ["Content-Type"] = "application/json" }, bodies[i])
end

-- No response() hook: wrk already counts non-2xx answers, and a Lua call per
-- response would slow wrk itself.
