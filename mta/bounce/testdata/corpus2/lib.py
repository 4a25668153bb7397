"""Helpers for gen.py and gen3.py to gen7.py: encodings, the returned
original, MIME builders, the class names and the fixture writer.

Everything here writes bytes the way mail software does: charsets through
Python's codecs, quoted-printable and base64 bodies, RFC 2047 encoded words.
Nothing here classifies anything; the golden labels are written by hand in
each generator.
"""

import base64
import hashlib
import json
import os
import quopri

VERP_DOMAIN = "bounces.brand.example"

# The classes of issue 14's contract, as corpora 3 to 7 write them.
H, MF, ST = "hard_invalid_recipient", "soft_mailbox_full", "soft_temporary"
PB, SB, RL = "policy_blocked", "spam_blocked", "rate_limited"
CO, AR, OT = "complaint", "auto_reply", "other"


def ids(name):
    """A deterministic queue id (16 hex) and VERP local part for a file."""
    h = hashlib.sha256(name.encode()).digest()
    qid = h[:8].hex()
    tok = base64.urlsafe_b64encode(h[8:24]).decode().rstrip("=")
    return qid, "b." + tok


def codec(charset):
    """Python's codec name for a MIME charset label: every charset the
    corpus generators write (corpora 2 to 7)."""
    return {
        "euc-jp": "euc_jp",
        "iso-2022-jp": "iso2022_jp",
        "shift_jis": "shift_jis",
        "gb2312": "gb2312",
        "gbk": "gbk",
        "gb18030": "gb18030",
        "big5": "big5",
        "euc-kr": "euc_kr",
        "ks_c_5601-1987": "euc_kr",
        "koi8-r": "koi8_r",
        "windows-1251": "cp1251",
        "windows-1250": "cp1250",
        "windows-1252": "cp1252",
        "windows-1254": "cp1254",
        "windows-1255": "cp1255",
        "windows-1253": "cp1253",
        "windows-1256": "cp1256",
        "windows-1257": "cp1257",
        "windows-1258": "cp1258",
        "windows-874": "cp874",
        "tis-620": "tis_620",
        "koi8-u": "koi8_u",
        "iso-8859-1": "latin_1",
        "iso-8859-2": "iso8859_2",
        "iso-8859-5": "iso8859_5",
        "iso-8859-6": "iso8859_6",
        "iso-8859-7": "iso8859_7",
        "iso-8859-8": "iso8859_8",
        "iso-8859-9": "iso8859_9",
        "iso-8859-15": "iso8859_15",
        "iso-8859-16": "iso8859_16",
        "us-ascii": "ascii",
        "utf-8": "utf-8",
    }[charset.lower()]


def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


def enc_body(text, charset="us-ascii", cte="7bit"):
    """Encodes text in charset and then in the transfer encoding; returns str
    (ASCII for qp/base64, latin-1 mapped bytes for 8bit)."""
    raw = text.encode(codec(charset))
    if cte == "base64":
        b = base64.b64encode(raw).decode()
        return "\n".join(b[i:i + 76] for i in range(0, len(b), 76)) + "\n"
    if cte == "quoted-printable":
        return quopri.encodestring(raw).decode("ascii")
    return raw.decode("latin-1")


def ew(text, charset="utf-8", q=False):
    """RFC 2047 encoded words, split so each stays short."""
    if all(ord(c) < 128 for c in text):
        return text
    out, chunk = [], ""
    for ch in text:
        chunk += ch
        if len(chunk.encode(codec(charset))) >= 30:
            out.append(chunk)
            chunk = ""
    if chunk:
        out.append(chunk)
    words = []
    for c in out:
        b = c.encode(codec(charset))
        if q:
            s = "".join(
                chr(x) if (48 <= x <= 57 or 65 <= x <= 90 or 97 <= x <= 122) else ("_" if x == 32 else "=%02X" % x)
                for x in b)
            words.append("=?%s?Q?%s?=" % (charset, s))
        else:
            words.append("=?%s?B?%s?=" % (charset, base64.b64encode(b).decode()))
    return "\n ".join(words)


SUBJECT = "Spring sale: 30% off everything"


def original(name, rcpt, subject=SUBJECT, sender="Brand News <news@brand.example>",
             body=None, headers_only=False, extra=""):
    """The message sluice sent: VERP Return-Path, X-Sluice-ID, our Message-ID."""
    qid, verp = ids(name)
    h = (
        "Return-Path: <%s@%s>\n"
        "Received: from mta1.brand.example (mta1.brand.example [192.0.2.10])\n"
        "\tby mx.receiver.example with ESMTPS id 4XyZ%s\n"
        "\tfor <%s>; Mon, 16 Nov 2026 09:14:07 +0000 (UTC)\n"
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=brand.example; s=s1;\n"
        "\th=from:to:subject:date:message-id:list-unsubscribe;\n"
        "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
        "\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSwganVzdCB0ZXN0IGRhdGE=\n"
        "From: %s\n"
        "To: %s\n"
        "Subject: %s\n"
        "Date: Mon, 16 Nov 2026 09:14:05 +0000\n"
        "Message-ID: <%s.7c1e55aa@mta1.brand.example>\n"
        "X-Sluice-ID: %s\n"
        "List-Unsubscribe: <https://t.brand.example/u/Qm9vVW5z%s>, <mailto:u.Qm9vVW5z%s@%s>\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
        "%s"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 7bit\n"
    ) % (verp, VERP_DOMAIN, qid[:6], rcpt, sender, rcpt, subject, qid, qid,
         qid[:6], qid[:6], VERP_DOMAIN, extra)
    if headers_only:
        return h
    if body is None:
        body = ("Hello,\n\nOur spring sale starts today: 30%% off everything until Sunday.\n"
                "Shop now: https://t.brand.example/c/Xy12Ab%s\n\n"
                "If you no longer want these emails, unsubscribe:\n"
                "https://t.brand.example/u/Qm9vVW5z%s\n") % (qid[:4], qid[:6])
    return h + "\n" + body


def part(ctype, body, charset=None, cte=None, extra=""):
    """One MIME body part; body is already-encoded text when cte is given
    through enc_body, otherwise plain ASCII."""
    h = "Content-Type: " + ctype
    if charset:
        h += "; charset=" + (charset if charset.islower() or "-" in charset else charset)
    h += "\n"
    if cte:
        h += "Content-Transfer-Encoding: " + cte + "\n"
    h += extra
    return h + "\n" + body


def text_part(text, charset="us-ascii", cte="7bit", desc=None, html=False):
    extra = ("Content-Description: %s\n" % desc) if desc else ""
    return part("text/html" if html else "text/plain", enc_body(text, charset, cte), charset, cte, extra)


def multipart(subtype, parts, boundary, params="", preamble="This is a MIME-encapsulated message.\n"):
    """Returns (content-type header value, body)."""
    ct = 'multipart/%s;%s\n\tboundary="%s"' % (subtype, params, boundary)
    out = preamble + "\n"
    for p in parts:
        if not p.endswith("\n"):
            p += "\n"
        out += "--%s\n%s\n" % (boundary, p)
    out += "--%s--\n" % boundary
    return ct, out


def dsn_fields(reporting, rcpts, arrival="Mon, 16 Nov 2026 09:14:09 +0000", extra_msg=""):
    """message/delivery-status body (RFC 3464 §2.2, §2.3). rcpts: list of
    dicts with keys addr, action, status, diag (optional), remote
    (optional), orig (optional), extra (optional)."""
    s = "Reporting-MTA: dns; %s\n%sArrival-Date: %s\n" % (reporting, extra_msg, arrival)
    for r in rcpts:
        s += "\n"
        if r.get("orig", True):
            s += "Original-Recipient: rfc822;%s\n" % r["addr"]
        s += "Final-Recipient: rfc822; %s\n" % r["addr"]
        s += "Action: %s\n" % r["action"]
        s += "Status: %s\n" % r["status"]
        if r.get("remote"):
            s += "Remote-MTA: dns; %s\n" % r["remote"]
        if r.get("diag"):
            s += "Diagnostic-Code: %s\n" % r["diag"]
        if r.get("last"):
            s += "Last-Attempt-Date: %s\n" % r["last"]
        if r.get("will"):
            s += "Will-Retry-Until: %s\n" % r["will"]
        s += r.get("extra", "")
    return s


def headers(d):
    """Header block from a list of (name, value) pairs."""
    return "".join("%s: %s\n" % (k, v) for k, v in d)


def message(hdrs, ctype, body):
    return headers(hdrs + [("MIME-Version", "1.0"), ("Content-Type", ctype)]) + "\n" + body

# ---------------------------------------------- corpora 3 to 7: the writer
# What gen3.py to gen7.py share: golden rows (R, rc), a Writer that writes
# one corpus's .eml/.json pairs and README.md table into its directory,
# dated date, and the text of Postfix's bounce template.


def postfix_head(host):
    """The opening of Postfix's bounce(5) notice as host sends it."""
    return ("This is the mail system at host %s.\n\n"
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients. It's attached below.\n\n"
            "For further assistance, please send mail to postmaster.\n\n"
            "If you do so, please include this problem report. You can\n"
            "delete your own text from the attached returned message.\n\n"
            "                   The mail system\n\n") % host


def R(rcpt, status, cls, reason, kind, has_ids=True, ft=None):
    return dict(recipient=rcpt, status=status, cls=cls, reason=reason, kind=kind, ids=has_ids, ft=ft)


def rc(addr, action="failed", status="5.0.0", diag=None, remote=None, orig=True, **kw):
    d = dict(addr=addr, action=action, status=status, orig=orig)
    if diag:
        d["diag"] = diag
    if remote:
        d["remote"] = remote
    d.update(kw)
    return d


def postfix_said(head, addr, remote, ip, reply, cmd, status, action="failed", diagtype="smtp"):
    """The recipient row (for dsn_fields) and human text of a Postfix DSN
    reporting remote's reply: folded into the text after head, flattened
    into the Diagnostic-Code (8-bit UTF-8 raw, as Postfix writes it)."""
    flat = reply.replace("\n", " ").encode("utf-8").decode("latin-1")
    r = rc(addr, action, status, diagtype + "; " + flat, "dns; " + remote)
    human = head + "<%s>: host %s[%s] said: %s (in reply to %s command)\n" % (
        addr, remote, ip, reply.replace("\n", "\n    "), cmd)
    return r, human


class Writer:
    """Writes a corpus's fixtures into here; msgs lists what was added and
    wave2 the names marked as written in a corpus's second wave."""

    def __init__(self, here, date):
        self.here, self.date, self.msgs, self.wave2 = here, date, [], []

    def w2(self, name):
        """Marks name as a wave-2 message (README.md's table says so)."""
        self.wave2.append(name)
        return name

    def readme(self, head):
        """Writes README.md: head (formatted with n, rows, w1 and w2, the
        message, result, wave-1 and wave-2 counts) and a row a message."""
        rows = sum(len(g) for *_, g in self.msgs)
        with open(os.path.join(self.here, "README.md"), "w") as f:
            f.write(head % dict(n=len(self.msgs), rows=rows, w1=len(self.msgs) - len(self.wave2), w2=len(self.wave2)))
            for name, fam, ver, lang, golden in self.msgs:
                if name in self.wave2:
                    fam += " (wave 2)"
                f.write("| %s | %s | %s | %s | %s | %s |\n" % (name, fam, ver, lang, ", ".join(sorted({g["kind"] for g in golden})),
                                                            ", ".join(g["cls"] for g in golden)))

    def add(self, name, raw, golden, family, version, lang, crlf_lines=True):
        qid, verp = ids(name)
        rows = []
        for g in golden:
            row = {"recipient": g["recipient"], "status": g["status"], "class": g["cls"],
                   "hard": g["cls"] == "hard_invalid_recipient", "reason": g["reason"]}
            if g["ids"]:
                row["message_id"] = qid
                row["verp"] = verp
            if g["ft"]:
                row["feedback_type"] = g["ft"]
            row["kind"] = g["kind"]
            rows.append(row)
        self.msgs.append((name, family, version, lang, golden))
        with open(os.path.join(self.here, name + ".eml"), "wb") as f:
            f.write((crlf(raw) if crlf_lines else raw).encode("latin-1"))
        with open(os.path.join(self.here, name + ".json"), "w") as f:
            json.dump(rows, f, indent=2, ensure_ascii=False)
            f.write("\n")

    def top(self, name, frm, subject, extra=(), to=None, charset="utf-8"):
        _, verp = ids(name)
        return [("Return-Path", "<>"), ("Date", self.date), ("From", frm),
                ("To", to or "%s@%s" % (verp, VERP_DOMAIN)), ("Subject", ew(subject, charset)),
                ("Message-ID", "<%s.ndr@%s>" % (ids(name)[0][:10], frm.split("@")[-1].strip(">) ").split(" ")[0]))] + list(extra)

    def dsn(self, name, frm, subject, human, rcpts, reporting, orig_to=None, headers_only=False, extra=(),
            charset="us-ascii", cte="7bit", status_ct="message/delivery-status", status_cte=None,
            report_params=" report-type=delivery-status;", orig_cte=None, extra_msg=""):
        orig_to = orig_to or rcpts[0]["addr"]
        fields = dsn_fields(reporting, rcpts, extra_msg=extra_msg)
        if status_cte == "base64":
            fields = enc_body(fields, "us-ascii", "base64")
        parts = [text_part(human, charset, cte, desc="Notification"),
                 part(status_ct, fields, cte=status_cte, extra="Content-Description: Delivery report\n")]
        if headers_only:
            parts.append(part("text/rfc822-headers", original(name, orig_to, headers_only=True)))
        elif orig_cte == "base64":
            parts.append(part("message/rfc822", enc_body(original(name, orig_to), "us-ascii", "base64"), cte="base64"))
        else:
            parts.append(part("message/rfc822", original(name, orig_to)))
        ct, body = multipart("report", parts, "rep_" + ids(name)[0], params=report_params)
        return message(self.top(name, frm, subject, extra), ct, body)

    def plain(self, name, frm, subject, text, orig_to, copy="inline", sep="", charset="us-ascii", cte="7bit",
              extra=(), ctype="text/plain", label=True, subj_charset="utf-8"):
        cs = ("; charset=%s" % charset) if label else ""
        if copy == "inline":
            body = enc_body(text + sep, charset, cte) + (enc_body(original(name, orig_to), "us-ascii", "7bit") if cte != "base64" else "")
            return message(self.top(name, frm, subject, list(extra) + [("Content-Transfer-Encoding", cte)], charset=subj_charset), ctype + cs, body)
        if copy == "rfc822":
            tp = part(ctype, enc_body(text, charset, cte), charset if label else None, cte)
            ct, body = multipart("mixed", [tp, part("message/rfc822", original(name, orig_to))], "mix_" + ids(name)[0])
            return message(self.top(name, frm, subject, extra, charset=subj_charset), ct, body)
        return message(self.top(name, frm, subject, list(extra) + [("Content-Transfer-Encoding", cte)], charset=subj_charset),
                       ctype + cs, enc_body(text, charset, cte))


def setup(here, date):
    """A Writer for the corpus in here dated date, with the pieces every
    generator binds: (writer, msgs, add, top, dsn, plain)."""
    w = Writer(here, date)
    return w, w.msgs, w.add, w.top, w.dsn, w.plain
