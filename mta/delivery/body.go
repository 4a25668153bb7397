package delivery

import (
	"sync"

	"sluice/queue"
)

// bodyReader is a Store that reads a body into the caller's buffer
// (*queue.Store's BodyTo): the engine then reads every body into a
// pooled buffer instead of a fresh copy per message, a copy the size of
// the message that was garbage as soon as it was sent.
type bodyReader interface {
	BodyTo(id queue.ID, dst []byte) ([]byte, error)
}

// maxPooledBody bounds the buffers kept for reuse: a rare huge message
// does not pin its size in every pooled buffer.
const maxPooledBody = 1 << 20

// bodies reuses body buffers between transactions.
type bodies struct {
	pool sync.Pool // of *[]byte
}

// body returns message id's bytes: in a pooled buffer when the store
// can fill one (give it back with putBody once the transaction is sent;
// outbound keeps no reference to it), else the store's own copy (p nil).
func (e *Engine) body(id queue.ID) (b []byte, p *[]byte, err error) {
	br, ok := e.cfg.Store.(bodyReader)
	if !ok {
		b, err = e.cfg.Store.Body(id)
		return b, nil, err
	}
	p, _ = e.bodies.pool.Get().(*[]byte)
	if p == nil {
		p = new([]byte)
	}
	b, err = br.BodyTo(id, *p)
	if err != nil {
		e.putBody(p, nil)
		return nil, nil, err
	}
	return b, p, nil
}

// putBody gives back the buffer of b, which body returned with p.
func (e *Engine) putBody(p *[]byte, b []byte) {
	if p == nil || cap(b) > maxPooledBody {
		return
	}
	if b != nil {
		*p = b[:0]
	}
	e.bodies.pool.Put(p)
}
