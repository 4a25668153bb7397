// Package ceiling is the yardstick of the edge's benchmarks: a fasthttp
// server with the edge's settings whose handler answers the bytes and
// headers of an open (the pixel) or a click (a 302 to a fixed destination)
// with no work at all. The edge's throughput is measured as a share of
// this server's in the same run (tracking's BenchmarkEdgeLoopback and
// tracking/cmd/edgebench). A test in tracking checks that the settings
// still match the edge's.
package ceiling

import (
	"time"

	"github.com/valyala/fasthttp"

	"sluice/tracking/token"
)

// pixel is the edge's 43-byte transparent GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff\x21\xf9\x04\x01\x00\x00\x00\x00" +
	"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b")

// Server returns the bare server: paths starting "/c" redirect to dest,
// everything else gets the pixel.
func Server(dest string) *fasthttp.Server {
	return &fasthttp.Server{
		Name:                         "sluice",
		NoDefaultServerHeader:        true,
		ReadTimeout:                  10 * time.Second,
		WriteTimeout:                 10 * time.Second,
		IdleTimeout:                  time.Minute,
		ReadBufferSize:               token.MaxLen + 4096,
		MaxRequestBodySize:           64 << 10,
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
		Handler: func(ctx *fasthttp.RequestCtx) {
			h := &ctx.Response.Header
			h.Set("Cache-Control", "no-store, no-cache, must-revalidate, private")
			if p := ctx.Path(); len(p) > 1 && p[1] == 'c' {
				h.Set("Location", dest)
				h.Set("Referrer-Policy", "no-referrer")
				ctx.SetStatusCode(fasthttp.StatusFound)
				return
			}
			h.SetContentType("image/gif")
			h.Set("Pragma", "no-cache")
			h.Set("Expires", "0")
			h.Set("X-Content-Type-Options", "nosniff")
			ctx.SetBody(pixel)
		},
	}
}
