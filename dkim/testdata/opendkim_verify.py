"""Verify DKIM signatures with OpenDKIM's opendkim-testmsg.

opendkim-testmsg looks keys up in DNS and has no option to read them from a
file, so the Go tests run this script inside a private user, mount and
network namespace (unshare -rmn) whose /etc/resolv.conf points to 127.0.0.1,
where this script answers TXT queries from a JSON zone. Nothing outside the
namespace is touched.

Usage: /usr/bin/python3 opendkim_verify.py ZONE.json MSG...
Each message must carry exactly one DKIM-Signature (opendkim-testmsg reports
one result per message). Prints one JSON object per message:
{"ok": [bool], "err": [stderr]}.
"""
import json
import socket
import struct
import subprocess
import sys
import threading

with open(sys.argv[1]) as f:
    zone = json.load(f)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 53))


def answer(q):
    """Build the response to DNS query q (RFC 1035 §4.1)."""
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    qtype, _ = struct.unpack(">HH", q[i + 1:i + 5])
    question = q[12:i + 5]
    value = zone.get(".".join(labels).lower())
    if value is None:
        return q[:2] + struct.pack(">HHHHH", 0x8183, 1, 0, 0, 0) + question
    if qtype != 16:  # TXT
        return q[:2] + struct.pack(">HHHHH", 0x8180, 1, 0, 0, 0) + question
    data, rdata = value.encode(), b""
    while data:
        rdata += bytes([len(data[:255])]) + data[:255]
        data = data[255:]
    rr = b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, len(rdata)) + rdata
    return q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0) + question + rr


def serve():
    while True:
        q, addr = sock.recvfrom(4096)
        try:
            sock.sendto(answer(q), addr)
        except Exception as e:  # malformed query: ignore it
            print("dns:", e, file=sys.stderr)


threading.Thread(target=serve, daemon=True).start()

for path in sys.argv[2:]:
    with open(path, "rb") as f:
        p = subprocess.run(["/usr/sbin/opendkim-testmsg"], stdin=f, capture_output=True, timeout=60)
    err = p.stderr.decode("utf-8", "replace").strip()
    print(json.dumps({"ok": [p.returncode == 0 and err == ""], "err": [err]}))
