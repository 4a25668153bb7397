package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"
)

// static is a certificate loaded from files, with what Watch compares to
// notice that they changed.
type static struct {
	cert  *tls.Certificate
	leaf  *x509.Certificate
	stamp [2]fileStamp // cert file, key file
}

// fileStamp identifies a file's content cheaply: size and modification
// time, as make does.
type fileStamp struct {
	size int64
	mod  time.Time
}

// stampOf stats name.
func stampOf(name string) (fileStamp, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{size: fi.Size(), mod: fi.ModTime()}, nil
}

// loadStatic reads a PEM certificate chain and its key.
func loadStatic(certFile, keyFile string) (*static, error) {
	var s static
	var err error
	// Stamps first: a file replaced between the stat and the read is seen
	// as changed again by the next Watch tick, never missed.
	for i, f := range []string{certFile, keyFile} {
		if s.stamp[i], err = stampOf(f); err != nil {
			return nil, fmt.Errorf("certs: %w", err)
		}
	}
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("certs: load %s: %w", certFile, err)
	}
	s.cert, s.leaf = &c, c.Leaf
	return &s, nil
}

// Watch reloads the static files when their size or modification time
// changes, checking every interval (a stat of two files: cheap), until ctx
// is done. Renaming new files into place (as certbot and most deploy
// tools do) is safest: a certificate and key read halfway through a
// rewrite do not match, the reload fails and is tried again on the next
// change. Without static files it returns at once.
func (m *Manager) Watch(ctx context.Context, interval time.Duration) {
	if m.cfg.CertFile == "" {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var failed [2]fileStamp // the stamps a reload last failed on
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var now [2]fileStamp
		var err error
		for i, f := range []string{m.cfg.CertFile, m.cfg.KeyFile} {
			if now[i], err = stampOf(f); err != nil {
				break
			}
		}
		cur := m.static.Load()
		if err != nil || (cur != nil && now == cur.stamp) || now == failed {
			continue
		}
		if m.Reload() != nil {
			failed = now
		}
	}
}
