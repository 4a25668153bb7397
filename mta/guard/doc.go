// Package guard keeps one client from starving the others on sluice's
// SMTP listeners (issue #18): connection accounting at accept, the PROXY
// protocol, and AUTH failure throttling.
//
//   - [Listen] wraps a net.Listener. Each accepted connection is counted
//     against a total cap, a cap on connections that have not
//     authenticated yet (pre-auth: the total minus a reserve, so tenants
//     already authenticated keep capacity while strangers flood), and
//     per-client-address caps (IPv4 by address, IPv6 by a prefix, /64 by
//     default, since one host owns a whole /64). Over a cap the client
//     gets a 421 reply (RFC 5321 §3.8: a server may refuse at connection
//     time with 421) and is closed before go-smtp sees it. The pre-auth
//     phase has an absolute end, a short timeout after accept (STARTTLS
//     included), and a cap on its commands: a stranger sending NOOP
//     cannot keep its slot. The session marks its connection
//     authenticated with [Authenticated] (it finds the *Conn under a
//     *tls.Conn). A listener whose clients never authenticate (the
//     inbound MX) caps the command lines between two accepted messages
//     instead (MaxCommands, [LimitCommands], [Progress]). Over either
//     command cap the client gets 421 4.7.0, in clear and under STARTTLS
//     (sluice's go-smtp writes the guard's reply), and is closed.
//   - Connections from configured proxy networks must start with a PROXY
//     protocol header (package proxyproto, v1 and v2); the caps, the
//     trusted networks and RemoteAddr then apply to the client it names
//     (LOCAL and UNKNOWN name none: an unknown client, never the proxy).
//     From anywhere else the bytes are left to the SMTP server, which
//     refuses "PROXY" as an unknown command: nobody can forge an address.
//   - [Throttle] slows and then refuses password guessing per client
//     address and per (username, address) pair, never per username alone
//     (that would let anyone lock a tenant out), hangs up after a number of
//     failures in one session, and caps concurrent password verifications
//     (bcrypt) with a bounded wait, keeping part of them for addresses with
//     no failures. Its decisions depend only on the address and the
//     username string, never on whether the username exists; but a pair
//     that logged in recently from the address is only delayed by the
//     address's lock, and credentials the caller already knows right
//     ([Session.BeginKnown]) are neither delayed nor refused, so a spray
//     from a shared NAT address does not lock out the tenants behind it.
//
// Nothing here imports Prometheus: metrics are funcs, and gauges read
// [Listener.Stats].
package guard
