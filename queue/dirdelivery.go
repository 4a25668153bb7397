package queue

import (
	bolt "go.etcd.io/bbolt"
)

// A recipient's directory entry learns, when the recipient is delivered,
// where the accepted attempt came from: the egress source and the shaping
// site (Result.Source, Result.Site). A receiver that accepts a message and
// bounces it later for the sender's reputation or its content (an
// asynchronous policy_blocked or spam_blocked return) is telling that
// source to slow down at that site, as a synchronous refusal would; the
// inbound worker can only say so to the shaping policy if the directory
// remembers which (source, site) it was.
//
// Encoding: the entry written at enqueue (encodeDir: version byte
// recVersion, stream, tenant, address) is kept byte for byte, and the
// delivery is appended after it as an extension with its own version byte
// (dirDeliveryVersion, then source and site as length-prefixed strings).
// Readers of the base entry (matchDir, and binaries from before the
// extension, after a rollback) ignore trailing bytes, so every entry stays
// readable by every reader; an entry without the extension (written before
// it existed, or not delivered yet) reads with Source and Site empty.

// dirDeliveryVersion is the version byte of the delivery extension. A
// reader that meets another version ignores the extension.
const dirDeliveryVersion = 1

// maxDirName bounds the source and site names kept: a name longer than
// that (a default-rule site named by a long MX host list) is not recorded,
// rather than truncated into a name no shaping state has.
const maxDirName = 255

// decodeDirDelivery reads the delivery extension of a directory entry, r
// positioned after the address. An extension that is absent, of an
// unknown version or unreadable gives empty names and leaves r.err alone:
// the base entry still attributes returns.
func decodeDirDelivery(r *reader) (source, site string) {
	if r.err != nil || len(r.b) == 0 || r.b[0] != dirDeliveryVersion {
		return "", ""
	}
	x := reader{b: r.b[1:]}
	source, site = x.string(), x.string()
	if x.err != nil {
		return "", ""
	}
	return source, site
}

// recordDelivery adds res's source and site to the directory entry of
// (res.ID, res.Index), in Complete's transaction, for a delivered
// recipient. An entry already purged or erased stays gone; one that is
// unreadable is left as it is (the return that needs it will not be
// attributed either way).
func recordDelivery(db *bolt.Bucket, key []byte, res *Result) error {
	if res.Outcome != OutcomeDelivered || res.Site == "" {
		return nil
	}
	source, site := res.Source, res.Site
	if len(source) > maxDirName || len(site) > maxDirName {
		return nil
	}
	v := db.Get(key)
	if v == nil {
		return nil
	}
	base, ok := dirBase(v)
	if !ok {
		return nil
	}
	b := make([]byte, 0, len(base)+1+len(source)+len(site)+4)
	b = append(b, base...)
	b = append(b, dirDeliveryVersion)
	b = putString(b, source)
	b = putString(b, site)
	return db.Put(key, b)
}

// dirBase returns the part of a directory entry that encodeDir wrote
// (without any extension), or false when it is unreadable.
func dirBase(v []byte) ([]byte, bool) {
	r := reader{b: v}
	if r.byte() != recVersion {
		return nil, false
	}
	r.byte()
	r.string()
	r.string()
	if r.err != nil {
		return nil, false
	}
	return v[:len(v)-len(r.b)], true
}
