//go:build cgo && linux

package openssl

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

// Opaque libcrypto types; only pointers cross this boundary, so no
// OpenSSL headers are needed to build.
typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;
typedef struct evp_md_st EVP_MD;

static EVP_PKEY *(*p_d2i_PrivateKey)(int, EVP_PKEY **, const unsigned char **, long);
static void (*p_EVP_PKEY_free)(EVP_PKEY *);
static EVP_PKEY_CTX *(*p_EVP_PKEY_CTX_new)(EVP_PKEY *, void *);
static void (*p_EVP_PKEY_CTX_free)(EVP_PKEY_CTX *);
static int (*p_EVP_PKEY_sign_init)(EVP_PKEY_CTX *);
static int (*p_EVP_PKEY_CTX_set_rsa_padding)(EVP_PKEY_CTX *, int);
static int (*p_EVP_PKEY_CTX_set_signature_md)(EVP_PKEY_CTX *, const EVP_MD *);
static const EVP_MD *(*p_EVP_sha256)(void);
static int (*p_EVP_PKEY_sign)(EVP_PKEY_CTX *, unsigned char *, size_t *, const unsigned char *, size_t);
static unsigned long (*p_ERR_get_error)(void);
static void (*p_ERR_clear_error)(void);
static void (*p_ERR_error_string_n)(unsigned long, char *, size_t);
static const char *(*p_OpenSSL_version)(int);

#define SLUICE_EVP_PKEY_RSA 6          // NID_rsaEncryption
#define SLUICE_RSA_PKCS1_PADDING 1

// sluice_ossl_open loads libcrypto.so.3 and resolves every symbol used;
// it returns NULL or a static description of what is missing.
static const char *sluice_ossl_open(void) {
	void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		return "dlopen libcrypto.so.3 failed";
	}
#define SYM(name) if ((*(void **)(&p_##name) = dlsym(h, #name)) == NULL) return "libcrypto.so.3 lacks " #name;
	SYM(d2i_PrivateKey)
	SYM(EVP_PKEY_free)
	SYM(EVP_PKEY_CTX_new)
	SYM(EVP_PKEY_CTX_free)
	SYM(EVP_PKEY_sign_init)
	SYM(EVP_PKEY_CTX_set_rsa_padding)
	SYM(EVP_PKEY_CTX_set_signature_md)
	SYM(EVP_sha256)
	SYM(EVP_PKEY_sign)
	SYM(ERR_get_error)
	SYM(ERR_clear_error)
	SYM(ERR_error_string_n)
	SYM(OpenSSL_version)
#undef SYM
	return NULL;
}

static const char *sluice_ossl_version(void) { return p_OpenSSL_version(0); } // OPENSSL_VERSION

static EVP_PKEY *sluice_ossl_load(const unsigned char *der, long n, unsigned long *err) {
	p_ERR_clear_error();
	EVP_PKEY *k = p_d2i_PrivateKey(SLUICE_EVP_PKEY_RSA, NULL, &der, n);
	if (k == NULL) {
		*err = p_ERR_get_error();
	}
	return k;
}

static void sluice_ossl_free(EVP_PKEY *k) { p_EVP_PKEY_free(k); }

// sluice_ossl_sign writes the PKCS #1 v1.5 signature of a SHA-256 digest
// to sig (cap bytes) and returns its length, or 0 with *err set to the
// first OpenSSL error code.
static size_t sluice_ossl_sign(EVP_PKEY *k, const unsigned char *digest, size_t dlen,
                               unsigned char *sig, size_t cap, unsigned long *err) {
	size_t n = cap;
	int ok = 0;
	p_ERR_clear_error();
	EVP_PKEY_CTX *ctx = p_EVP_PKEY_CTX_new(k, NULL);
	if (ctx != NULL &&
	    p_EVP_PKEY_sign_init(ctx) > 0 &&
	    p_EVP_PKEY_CTX_set_rsa_padding(ctx, SLUICE_RSA_PKCS1_PADDING) > 0 &&
	    p_EVP_PKEY_CTX_set_signature_md(ctx, p_EVP_sha256()) > 0 &&
	    p_EVP_PKEY_sign(ctx, sig, &n, digest, dlen) > 0) {
		ok = 1;
	}
	if (ctx != NULL) {
		p_EVP_PKEY_CTX_free(ctx);
	}
	if (!ok) {
		*err = p_ERR_get_error();
		return 0;
	}
	return n;
}

static void sluice_ossl_errstr(unsigned long e, char *buf, size_t n) { p_ERR_error_string_n(e, buf, n); }
*/
import "C"

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// open loads libcrypto once per process.
var open = sync.OnceValue(func() error {
	if msg := C.sluice_ossl_open(); msg != nil {
		return fmt.Errorf("%w: %s", ErrUnavailable, C.GoString(msg))
	}
	return nil
})

func version() (string, error) {
	if err := open(); err != nil {
		return "", err
	}
	return C.GoString(C.sluice_ossl_version()), nil
}

// pkey owns an EVP_PKEY. EVP_PKEY objects may be used for signing from
// several threads at once; each signature gets its own EVP_PKEY_CTX.
type pkey struct {
	p *C.EVP_PKEY
}

func loadKey(key *rsa.PrivateKey) (*pkey, error) {
	if err := open(); err != nil {
		return nil, err
	}
	der := x509.MarshalPKCS1PrivateKey(key)
	var code C.ulong
	p := C.sluice_ossl_load((*C.uchar)(unsafe.Pointer(&der[0])), C.long(len(der)), &code)
	clear(der)
	if p == nil {
		return nil, fmt.Errorf("openssl: load RSA key: %s", errString(code))
	}
	k := &pkey{p: p}
	runtime.AddCleanup(k, func(p *C.EVP_PKEY) { C.sluice_ossl_free(p) }, p)
	return k, nil
}

func (k *pkey) signSHA256(digest []byte, size int) ([]byte, error) {
	sig := make([]byte, size)
	var code C.ulong
	n := C.sluice_ossl_sign(k.p, (*C.uchar)(unsafe.Pointer(&digest[0])), C.size_t(len(digest)),
		(*C.uchar)(unsafe.Pointer(&sig[0])), C.size_t(len(sig)), &code)
	runtime.KeepAlive(k)
	if n == 0 {
		return nil, fmt.Errorf("openssl: sign: %s", errString(code))
	}
	return sig[:n], nil
}

func errString(code C.ulong) string {
	if code == 0 {
		return "unknown error"
	}
	var buf [256]C.char
	C.sluice_ossl_errstr(code, &buf[0], C.size_t(len(buf)))
	return C.GoString(&buf[0])
}
