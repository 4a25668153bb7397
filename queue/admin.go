package queue

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Operator views and actions on the spool (the admin API's queue
// commands). Views scan the spool: they are for people, not hot paths.

// Filter selects messages or recipients for operator actions. Empty
// fields match everything; at least one must be set for destructive
// actions.
type Filter struct {
	ID     ID
	Tenant string
	Domain string
	// All selects every waiting recipient. Only RetryNow takes it: a
	// bounce or delete of everything must name what it means.
	All bool
}

func (f Filter) empty() bool { return !f.All && f.ID == 0 && f.Tenant == "" && f.Domain == "" }

func (f Filter) matchMeta(id ID, md meta) bool {
	return (f.ID == 0 || f.ID == id) && (f.Tenant == "" || f.Tenant == md.Tenant)
}

func (f Filter) matchRcpt(r rcpt) bool {
	return f.Domain == "" || strings.EqualFold(Domain(r.Addr), f.Domain)
}

// RcptInfo is one recipient as the admin views show it.
type RcptInfo struct {
	Index     uint32    `json:"index"`
	Addr      string    `json:"address"`
	State     string    `json:"state"`
	Attempts  uint32    `json:"attempts"`
	Next      time.Time `json:"next_attempt,omitzero"`
	LastCode  int       `json:"last_code,omitempty"`
	LastReply string    `json:"last_reply,omitempty"`
	Held      bool      `json:"held,omitempty"`
}

// MessageInfo is one message as the admin views show it.
type MessageInfo struct {
	ID      string     `json:"id"`
	Tenant  string     `json:"tenant"`
	From    string     `json:"from"`
	Stream  string     `json:"stream"`
	Pool    string     `json:"pool,omitempty"`
	Created time.Time  `json:"created"`
	Size    uint32     `json:"size"`
	Pending uint32     `json:"pending"`
	Rcpts   []RcptInfo `json:"recipients,omitempty"`
}

func (s *Store) rcptInfos(tx *bolt.Tx, id ID) []RcptInfo {
	var out []RcptInfo
	hb := tx.Bucket(bucketHeld)
	c := tx.Bucket(bucketRcpt).Cursor()
	prefix := id.key()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		_, idx, _ := parseRcptKey(k)
		r, err := decodeRcpt(v)
		if err != nil {
			continue
		}
		ri := RcptInfo{Index: idx, Addr: r.Addr, State: r.State.String(), Attempts: r.Attempts,
			LastCode: int(r.LastCode), LastReply: r.LastReply, Held: hb.Get(k) != nil}
		if r.Next > 0 && !ri.Held {
			ri.Next = time.Unix(0, r.Next).UTC()
		}
		out = append(out, ri)
	}
	return out
}

func infoOf(id ID, md meta) MessageInfo {
	return MessageInfo{ID: id.String(), Tenant: md.Tenant, From: md.From, Stream: md.Stream.String(), Pool: md.Pool,
		Created: md.Created.UTC(), Size: md.Size, Pending: md.Pending}
}

// Message returns one message with its recipients.
func (s *Store) Message(id ID) (MessageInfo, error) {
	var out MessageInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		mv := tx.Bucket(bucketMsg).Get(id.key())
		if mv == nil {
			return ErrNotFound
		}
		md, err := decodeMeta(mv)
		if err != nil {
			return err
		}
		out = infoOf(id, md)
		out.Rcpts = s.rcptInfos(tx, id)
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("queue: message %s: %w", id, err)
	}
	return out, nil
}

// ListMessages returns up to limit messages after the given id matching f,
// oldest first, with their recipients (those of f.Domain only when set).
func (s *Store) ListMessages(f Filter, after ID, limit int) ([]MessageInfo, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []MessageInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMsg).Cursor()
		k, v := c.First()
		if after != 0 {
			k, v = c.Seek((after + 1).key())
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			id := ID(bytesToUint64(k))
			md, err := decodeMeta(v)
			if err != nil || !f.matchMeta(id, md) {
				continue
			}
			info := infoOf(id, md)
			for _, r := range s.rcptInfos(tx, id) {
				if f.Domain == "" || strings.EqualFold(Domain(r.Addr), f.Domain) {
					info.Rcpts = append(info.Rcpts, r)
				}
			}
			if len(info.Rcpts) == 0 {
				continue
			}
			out = append(out, info)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("queue: list: %w", err)
	}
	return out, nil
}

// Group is one line of a summary.
type Group struct {
	Key      string    `json:"key"`
	Queued   int       `json:"queued"`
	InFlight int       `json:"in_flight"`
	Deferred int       `json:"deferred"`
	Held     int       `json:"held"`
	Oldest   time.Time `json:"oldest,omitzero"`
	NextDue  time.Time `json:"next_due,omitzero"`
}

// Summary counts the waiting recipients grouped by "domain", "tenant" or
// "pool" (scanning the spool), largest groups first.
func (s *Store) Summary(by string) ([]Group, error) {
	groups := map[string]*Group{}
	err := s.db.View(func(tx *bolt.Tx) error {
		mb, hb := tx.Bucket(bucketMsg), tx.Bucket(bucketHeld)
		metas := map[ID]meta{}
		return tx.Bucket(bucketRcpt).ForEach(func(k, v []byte) error {
			id, _, ok := parseRcptKey(k)
			if !ok {
				return nil
			}
			r, err := decodeRcpt(v)
			if err != nil || r.State == Delivered || r.State == Failed {
				return nil
			}
			md, ok := metas[id]
			if !ok {
				mv := mb.Get(id.key())
				if mv == nil {
					return nil
				}
				if md, err = decodeMeta(mv); err != nil {
					return nil
				}
				metas[id] = md
			}
			var key string
			switch by {
			case "tenant":
				key = md.Tenant
			case "pool":
				key = md.Pool
				if key == "" {
					key = "default"
				}
			default:
				key = Domain(r.Addr)
			}
			g := groups[key]
			if g == nil {
				g = &Group{Key: key}
				groups[key] = g
			}
			switch {
			case hb.Get(k) != nil:
				g.Held++
			case r.State == InFlight:
				g.InFlight++
			case r.State == Deferred:
				g.Deferred++
			default:
				g.Queued++
			}
			if g.Oldest.IsZero() || md.Created.Before(g.Oldest) {
				g.Oldest = md.Created.UTC()
			}
			if next := time.Unix(0, r.Next); r.Next > 0 && hb.Get(k) == nil && (g.NextDue.IsZero() || next.Before(g.NextDue)) {
				g.NextDue = next.UTC()
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("queue: summary: %w", err)
	}
	out := make([]Group, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		ti, tj := out[i].Queued+out[i].Deferred+out[i].InFlight+out[i].Held, out[j].Queued+out[j].Deferred+out[j].InFlight+out[j].Held
		if ti != tj {
			return ti > tj
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}
