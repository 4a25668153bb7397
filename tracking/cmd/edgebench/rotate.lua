-- wrk script: request the paths listed in $EDGEBENCH_PATHS (one per line)
-- in turn, with a browser's User-Agent.
local paths = {}
for line in io.lines(os.getenv("EDGEBENCH_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local i = 0
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
