package main

import (
	"io"
	"log/slog"

	"github.com/emersion/go-smtp"
	"github.com/valyala/fasthttp"

	"sluice/configs"
	"sluice/mta/submit"
)

// newInboundServer is the inbound MX for returns (bounces, complaints).
// Until the returns work lands it accepts connections and refuses every
// recipient: no relay, nothing lost because nothing is accepted.
func newInboundServer(cfg *configs.Config, log *slog.Logger) *smtp.Server {
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return refuseAll{}, nil }))
	s.Domain = cfg.Hostname
	s.MaxMessageBytes = 10 << 20
	s.ErrorLog = submit.ServerLog(log)
	return s
}

type refuseAll struct{}

var errNoReturnsYet = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "No bounce domains configured here"}

func (refuseAll) Reset()                               {}
func (refuseAll) Logout() error                        { return nil }
func (refuseAll) Mail(string, *smtp.MailOptions) error { return nil }
func (refuseAll) Rcpt(string, *smtp.RcptOptions) error { return errNoReturnsYet }
func (refuseAll) Data(io.Reader) error                 { return errNoReturnsYet }

// newEdgeServer is the tracking edge. Until the tracking work lands it
// serves /healthz and 404s everything else.
func newEdgeServer() *fasthttp.Server {
	return &fasthttp.Server{
		Name: "sluice",
		Handler: func(ctx *fasthttp.RequestCtx) {
			if string(ctx.Path()) == "/healthz" {
				ctx.SetContentType("text/plain; charset=utf-8")
				ctx.SetBodyString("ok\n")
				return
			}
			ctx.Error("not found\n", fasthttp.StatusNotFound)
		},
		NoDefaultServerHeader: true,
	}
}
