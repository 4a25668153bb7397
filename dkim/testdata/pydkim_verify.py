"""Verify every DKIM-Signature of some messages with python3-dkim.

Used by the Go tests as an independent verifier. Keys come from a JSON
file mapping "selector._domainkey.domain" to a TXT value, not from DNS.

Usage: /usr/bin/python3 pydkim_verify.py ZONE.json MSG...
Prints one JSON object per message: {"ok": [bool per signature], "err": [...]}.
"""
import json
import sys

import dkim

# RFC 8463: python3-dkim verifies ed25519-sha256 only with PyNaCl.
try:
    import nacl.signing  # noqa: F401
except ImportError:
    print("python3-nacl missing: ed25519 cannot be verified", file=sys.stderr)
    sys.exit(3)

with open(sys.argv[1]) as f:
    zone = json.load(f)


def dnsfunc(name, timeout=5):
    v = zone.get(name.decode().rstrip(".").lower())
    return v.encode() if v is not None else None


for path in sys.argv[2:]:
    with open(path, "rb") as f:
        msg = f.read()
    oks, errs = [], []
    try:
        n = sum(1 for k, _ in dkim.DKIM(msg).headers if k.lower() == b"dkim-signature")
    except Exception as e:  # unparsable message: report one failure
        print(json.dumps({"ok": [False], "err": [repr(e)]}))
        continue
    for i in range(n):
        try:
            ok = bool(dkim.DKIM(msg, minkey=1024).verify(idx=i, dnsfunc=dnsfunc))
            oks.append(ok)
            errs.append("" if ok else "signature did not verify")
        except Exception as e:
            oks.append(False)
            errs.append(repr(e))
    print(json.dumps({"ok": oks, "err": errs}))
