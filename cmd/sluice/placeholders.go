package main

import (
	"github.com/valyala/fasthttp"
)

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
