package mx

import (
	"context"
	"errors"
	"net"
)

// Results of a resolution as Config.Observe names them: a bounded set,
// fit for a metric label.
const (
	ResultOK       = "ok"       // records (a null MX included)
	ResultNXDomain = "nxdomain" // the name does not exist
	ResultNoData   = "nodata"   // no records of the type
	ResultServFail = "servfail" // SERVFAIL, REFUSED… from every server
	ResultTimeout  = "timeout"  // no answer in time
	ResultError    = "error"    // anything else (bad response, network)
)

// observeResult names the result of a resolution that returned a (nil on
// error) and err.
func observeResult(a *answer, err error) string {
	var ne net.Error
	switch {
	case err == nil && a != nil && errors.Is(a.err, ErrNoSuchDomain):
		return ResultNXDomain
	case err == nil && a != nil && errors.Is(a.err, errNoData):
		return ResultNoData
	case err == nil:
		return ResultOK
	case errors.Is(err, ErrServerFailure):
		return ResultServFail
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ResultTimeout
	}
	return ResultError
}
