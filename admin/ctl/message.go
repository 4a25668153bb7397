package ctl

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"sluice/admin"
	"sluice/queue"
)

// messageShow prints one message and a table of its recipients.
func messageShow(c *client, id string, o out) error {
	var m queue.MessageInfo
	body, err := c.get("/api/v1/queue/messages/"+url.PathEscape(id), nil, &m)
	if err != nil || o.json {
		return first(err, o, body)
	}
	fmt.Fprintf(o.w, "id       %s\ntenant   %s\nfrom     %s\nstream   %s\n", m.ID, m.Tenant, m.From, m.Stream)
	if m.Pool != "" {
		fmt.Fprintf(o.w, "pool     %s\n", m.Pool)
	}
	fmt.Fprintf(o.w, "created  %s\nsize     %d\npending  %d\n\n", stamp(m.Created), m.Size, m.Pending)
	t := o.table("#", "RECIPIENT", "STATE", "ATTEMPTS", "NEXT_ATTEMPT", "HELD", "LAST_REPLY")
	for _, r := range m.Rcpts {
		last := r.LastReply
		if r.LastCode != 0 {
			last = strconv.Itoa(r.LastCode) + " " + last
		}
		held := ""
		if r.Held {
			held = "held"
		}
		t.row(r.Index, r.Addr, r.State, r.Attempts, stamp(r.Next), held, last)
	}
	return t.flush()
}

// MessageText is what `queue show ID --headers|--body --json` prints.
// Text is the stored bytes as a JSON string: bytes that are not UTF-8
// become U+FFFD, so use the table form (raw bytes) for an exact copy.
type MessageText struct {
	ID string `json:"id"`
	// Part is headers or body.
	Part string `json:"part"`
	// Size is the whole stored message's size, in bytes.
	Size int `json:"size"`
	// Truncated tells that Text stops at the read's bound.
	Truncated bool   `json:"truncated"`
	Text      string `json:"text"`
}

// messageRead prints a message's stored header section or bytes, raw
// (like postcat), at most max bytes of body.
func messageRead(c *client, id, part string, max int, o out) error {
	q := url.Values{}
	if part == "body" {
		q.Set("max", strconv.Itoa(max))
	}
	body, h, err := c.call(http.MethodGet, "/api/v1/queue/messages/"+url.PathEscape(id)+"/"+part, q, nil, "")
	if err != nil {
		return err
	}
	size, _ := strconv.Atoi(h.Get(admin.HeaderMessageSize))
	cut := h.Get(admin.HeaderTruncated) == "true"
	if o.json {
		return o.value(MessageText{ID: id, Part: part, Size: size, Truncated: cut, Text: string(body)})
	}
	if _, err := o.data().Write(body); err != nil {
		return err
	}
	if cut {
		_, err = fmt.Fprintf(o.w, "\n[sluice: cut at %d of %d bytes; --max raises the bound]\n", len(body), size)
	}
	return err
}

// holdMessage holds or releases one message.
func holdMessage(c *client, cmd, id string, a admin.QueueAction, o out) error {
	var res struct {
		Hold     admin.HoldInfo `json:"hold"`
		Released int            `json:"released"`
	}
	body, err := c.post(http.MethodPost, "/api/v1/queue/messages/"+url.PathEscape(id)+"/"+cmd, a, &res)
	if err != nil || o.json {
		return first(err, o, body)
	}
	if cmd == "release" {
		_, err = fmt.Fprintf(o.w, "released message %s: %d recipients back on the schedule\n", id, res.Released)
		return err
	}
	return printHold(o, "held", res.Hold)
}
