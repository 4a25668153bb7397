package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"sluice/queue"
)

// nodeNumberFile holds the node number in the data directory.
const nodeNumberFile = "node_number"

// claimScript: KEYS the claim key prefix; ARGV node id, max. Returns the
// number already claimed by this id, else claims the lowest free one (a
// key <prefix><n> = id, no expiry), else 0 (all taken).
var claimScript = redis.NewScript(`
for i = 1, tonumber(ARGV[2]) do
  local v = redis.call('GET', KEYS[1] .. i)
  if v == ARGV[1] then return i end
end
for i = 1, tonumber(ARGV[2]) do
  if redis.call('SET', KEYS[1] .. i, ARGV[1], 'NX') then return i end
end
return 0
`)

// ErrNoNodeNumber says the fleet could not give this node a number (Redis
// unreachable at the node's first start, or all queue.MaxNode taken).
var ErrNoNodeNumber = errors.New("fleet: no node number")

// NodeNumber returns this node's number, the node part of its message ids
// (queue.IDGen): read from <dataDir>/node_number when a previous start
// stored it, else claimed in Redis (the lowest number no node holds; a
// claim never expires, so a number is never given twice while Redis keeps
// its data) and stored, fsync'd, before it is used. A stored number is
// claimed again in Redis at each start, so a Redis that lost its data
// learns the numbers in use from the nodes that hold them (best effort: a
// failure is logged, not fatal). Releasing a number (a node retired for
// good) is deleting <prefix>nodenum:<n> by hand.
func (c *Client) NodeNumber(ctx context.Context, dataDir string) (int, error) {
	path := filepath.Join(dataDir, nodeNumberFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || n < 1 || n > queue.MaxNode {
			return 0, fmt.Errorf("fleet: %s: want a number from 1 to %d", path, queue.MaxNode)
		}
		c.reclaim(ctx, n)
		return n, nil
	case !errors.Is(err, os.ErrNotExist):
		return 0, fmt.Errorf("fleet: read node number: %w", err)
	}
	n, err := claimScript.Run(ctx, c.rdb, []string{c.key("nodenum", "")}, c.opts.NodeID, queue.MaxNode).Int()
	if err := c.observe(err); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNoNodeNumber, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: all %d are claimed (delete the claims of retired nodes: %snodenum:<n>)", ErrNoNodeNumber, queue.MaxNode, c.prefix)
	}
	if err := writeSynced(path, strconv.Itoa(n)+"\n"); err != nil {
		return 0, fmt.Errorf("fleet: store node number: %w", err)
	}
	return n, nil
}

// reclaim asserts this node's claim of n in Redis.
func (c *Client) reclaim(ctx context.Context, n int) {
	key := c.key("nodenum", strconv.Itoa(n))
	ok, err := c.rdb.SetNX(ctx, key, c.opts.NodeID, 0).Result()
	if c.observe(err) != nil || ok {
		return
	}
	if holder, err := c.rdb.Get(ctx, key).Result(); c.observe(err) == nil && holder != c.opts.NodeID {
		c.log.Error("fleet: this node's number is claimed by another node: their message ids may collide",
			"node_number", n, "holder", holder)
	}
}

// writeSynced writes a small file through a synced temporary file and a
// rename, so a crash leaves the old content or the new, never half.
func writeSynced(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
