package fleet

import "github.com/redis/go-redis/v9"

// The Lua scripts. Each runs atomically in Redis, so the hash and the log
// never disagree, and costs one round trip (EVALSHA; go-redis falls back
// to EVAL once when the script cache was emptied by a restart).

// publishScript: KEYS epoch, hash, log; ARGV epoch, maxlen, node, then
// (op, field, value) triples. It refuses (returns 0) when the epoch is not
// the caller's: the caller's view of Redis is stale and it must resync
// (and re-seed) first. Otherwise it applies each change to the hash (a
// suppression widens, never narrows; a lift deletes), appends it to the
// log, and returns the last id.
var publishScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local last = ''
for i = 4, #ARGV, 3 do
  local op, f, v = ARGV[i], ARGV[i+1], ARGV[i+2]
  if op == 's' then
    local old = redis.call('HGET', KEYS[2], f)
    if not old or (string.sub(old, 1, 1) ~= '1' and string.sub(old, 1, 1) ~= string.sub(v, 1, 1)) then
      redis.call('HSET', KEYS[2], f, v)
    end
  elseif op == 'd' then
    redis.call('HDEL', KEYS[2], f)
  end
  last = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'op', op, 'f', f, 'v', v, 'n', ARGV[3])
end
return last
`)

// seedScript: KEYS hash; ARGV (field, value) pairs. Widens the hash like
// publishScript, without logging, and returns how many fields changed.
var seedScript = redis.NewScript(`
local n = 0
for i = 1, #ARGV, 2 do
  local f, v = ARGV[i], ARGV[i+1]
  local old = redis.call('HGET', KEYS[1], f)
  if not old or (string.sub(old, 1, 1) ~= '1' and string.sub(old, 1, 1) ~= string.sub(v, 1, 1)) then
    redis.call('HSET', KEYS[1], f, v)
    n = n + 1
  end
end
return n
`)
