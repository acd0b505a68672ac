-- wrk script: spread requests over the catalogue instead of repeating one URL.
-- BENCH_KIND = catalogue (the HTML page) | pages (the list API) | details | searches; details use the bench's generated ISBNs
-- (979880 + a six-digit number + the EAN check digit).
-- Each thread of each run draws its own sequence (BENCH_SEED, made afresh for every run, plus the
-- thread's number): unseeded, every thread of every run asked for the same pages in the same
-- order, so a run found in the shop's caches what the run before it, or the other thread, had asked.
local kind = os.getenv("BENCH_KIND") or "pages"
local publications = tonumber(os.getenv("BENCH_PUBLICATIONS") or "10000")
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", tonumber(os.getenv("BENCH_SEED") or "0") + threads)
end

function init(args)
  math.randomseed(seed)
end

local function isbn(n)
  local body = string.format("979880%06d", n)
  local sum = 0
  for i = 1, 12 do
    local digit = tonumber(body:sub(i, i))
    sum = sum + digit * ((i % 2 == 1) and 1 or 3)
  end
  return body .. tostring((10 - sum % 10) % 10)
end

request = function()
  local n = math.random(31, publications - 1)
  if kind == "details" then
    return wrk.format("GET", "/api/publications/" .. isbn(n) .. "/")
  elseif kind == "catalogue" then
    return wrk.format("GET", "/?page=" .. math.random(1, math.floor(publications / 20)))
  elseif kind == "searches" then
    return wrk.format("GET", "/api/publications/?search=" .. n)
  end
  return wrk.format("GET", "/api/publications/?page=" .. math.random(1, math.floor(publications / 20)))
end
