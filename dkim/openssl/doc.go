// Package openssl signs with RSA keys through the system's OpenSSL 3
// libcrypto, loaded at run time with dlopen.
//
// Why: RSA-2048 signing is the dominant cost of DKIM. Go's crypto/rsa
// (constant-time, portable big-number code) takes about 0.75 ms per
// signature on the CI machines, while OpenSSL 3, with its AVX-512 and
// AVX2 code paths, takes about 0.26 ms on the same core. On a 2-core
// machine that is the difference between ~2,400 and ~7,000 signatures a
// second, which decides how fast a DKIM-signing MTA can accept mail.
// OpenSSL's RSA is what OpenDKIM and Postfix sign and encrypt with; its
// private-key operations are constant-time and blinded.
//
// Nothing links against libcrypto at build time: the library is opened
// the first time a signer is made (libcrypto.so.3), so a binary built here
// runs where OpenSSL is absent and then reports [ErrUnavailable]. Without
// cgo (CGO_ENABLED=0) or off Linux the package builds but every signer
// reports ErrUnavailable, and callers keep Go's implementation.
//
// A signer made by [NewRSASigner] checks itself once: it signs a fixed
// digest through OpenSSL and through crypto/rsa and refuses to exist
// unless the two signatures are identical (PKCS #1 v1.5 signatures are
// deterministic), so a mismatched library can never put a wrong signature
// on mail.
package openssl
