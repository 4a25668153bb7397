"""The notice builders corpora 7 and 8 share: Postfix, Exim and Exchange
notices, hand-made multipart/reports, auto-replies and people's letters,
each corpus's hosts and boundaries numbered by its own corpus number, so
that both generators write byte for byte what they wrote when each kept
its own copy."""

from types import SimpleNamespace

import lib
from lib import AR, OT, R, enc_body, ew, ids, message, multipart, original, part, rc, text_part


def kit(w, n, date):
    """The builders of corpus n, adding to writer w; date is the Date of
    auto-replies and letters."""
    add, top, dsn, plain = w.add, w.top, w.dsn, w.plain
    RELAY = "smtp-out.relay%d.example" % n

    PF_HEAD = lib.postfix_head(RELAY)
    PF_FROM = "MAILER-DAEMON@" + RELAY + " (Mail Delivery System)"


    def pf(name, family, remote, addr, reply, status, cls, reason, kind, lang="en", cmd="RCPT TO", gstatus=None,
           ip="198.51.100.70", action="failed", subject="Undelivered Mail Returned to Sender", head=PF_HEAD,
           diagtype="smtp", version="3.8"):
        """A Postfix DSN reporting the remote host's reply."""
        r, human = lib.postfix_said(head, addr, remote, ip, reply, cmd, status, action, diagtype)
        add(name, dsn(name, PF_FROM, subject, human, [r], RELAY, charset="utf-8", cte="8bit"
                      if any(ord(c) > 127 for c in human) else "7bit"),
            [R(addr, gstatus if gstatus is not None else status, cls, reason, kind)], family, version, lang)


    def pfx(name, family, addr, text, status, diag, cls, reason, kind, action="failed", gstatus=None, version="3.8",
            subject="Undelivered Mail Returned to Sender", head=PF_HEAD):
        """A Postfix DSN about a failure Postfix itself saw (X-Postfix diagnostics, DNS, TLS)."""
        r = rc(addr, action, status, diag)
        add(name, dsn(name, PF_FROM, subject, head + "<%s>: %s\n" % (addr, text), [r], RELAY),
            [R(addr, gstatus if gstatus is not None else status, cls, reason, kind)], family, version, "en")


    EXIM_HEAD = ("This message was created automatically by mail delivery software.\n\n"
                 "A message that you sent could not be delivered to one or more of its\n"
                 "recipients. This is a permanent error. The following address(es) failed:\n\n")


    def exim(name, family, host, body, orig_to, golden, version="4.96", subject="Mail delivery failed: returning message to sender",
             head=EXIM_HEAD, lang="en", charset="us-ascii", cte="7bit", failed=True):
        extra = [("Auto-Submitted", "auto-replied")]
        if failed:
            extra.insert(0, ("X-Failed-Recipients", orig_to))
        add(name, plain(name, "Mail Delivery System <Mailer-Daemon@%s>" % host, subject, head + body, orig_to,
                        sep="\n------ This is a copy of the message, including all the headers. ------\n\n",
                        extra=extra, charset=charset, cte=cte),
            golden, family, version, lang)


    def ndr(name, family, version, lang, frm, subject, text, addr, golden, copy="rfc822", charset="us-ascii", cte="7bit",
            extra=(), sep="\n\n", ctype="text/plain"):
        """A non-standard notice: text, then the returned copy attached (rfc822),
        inline, or absent ("none")."""
        add(name, plain(name, frm, subject, text, addr, copy=copy, charset=charset, cte=cte, extra=extra, sep=sep,
                        ctype=ctype), golden, family, version, lang)


    def rdsn(name, family, version, lang, frm, subject, human, rcpts, reporting, golden, **kw):
        add(name, dsn(name, frm, subject, human, rcpts, reporting, **kw), golden, family, version, lang)


    def report(name, frm, subject, human, status_body, copy_part, extra=(), human_cs="us-ascii", human_cte="7bit",
               status_ct="message/delivery-status", report_params=" report-type=delivery-status;", alt_html=None):
        """A multipart/report assembled by hand."""
        b = "rep%d_" % n + ids(name)[0]
        first = text_part(human, human_cs, human_cte)
        if alt_html:
            _, alt = multipart("alternative", [first, text_part(alt_html, human_cs, human_cte, html=True)], "alt%d_" % n + ids(name)[0])
            first = 'Content-Type: multipart/alternative; boundary="alt%d_%s"\n\n%s' % (n, ids(name)[0], alt)
        parts = [first, part(status_ct, status_body)]
        if copy_part:
            parts.append(copy_part)
        ct, body = multipart("report", parts, b, params=report_params)
        return message(top(name, frm, subject, extra), ct, body)


    EXCH_HDRS = [("Thread-Topic", "Spring sale: 30% off everything"), ("X-MS-Exchange-Message-Is-Ndr", ""),
                 ("Content-Language", "en-US"), ("X-MS-Exchange-Organization-SCL", "-1"),
                 ("X-MS-TNEF-Correlator", ""), ("X-MS-Exchange-Organization-AuthSource", "EX01.corp7.example")]


    def exch(name, version, lang, domain, addr, lead, user_text, remote, status, golden, subject="Undeliverable: ",
             server="EX01", html=True, action="failed", charset="utf-8"):
        """An Exchange 2013-2019 on-premises NDR: a human text (and its HTML
        twin), Exchange's delivery-status part, the copy attached."""
        gen = server + "." + domain
        text = ("%s\n\n%s\n%s\n\n\n\n\n\nDiagnostic information for administrators:\n\nGenerating server: %s\n\n"
                "%s\nRemote Server returned '%s'\n\nOriginal message headers:\n\nReceived: from mta1.brand.example (192.0.2.10) by %s\n"
                " (10.1.2.3) with Microsoft SMTP Server id 15.1.2507.35; Mon, 7 Dec 2026 22:09:12 +0000\n") % (
            lead, addr, user_text, gen, addr, remote, gen)
        fields = ("Reporting-MTA: dns;%s\nReceived-From-MTA: dns;mta1.brand.example\nArrival-Date: Mon, 7 Dec 2026 22:09:12 +0000\n\n"
                  "Original-Recipient: rfc822;%s\nFinal-Recipient: rfc822;%s\nAction: %s\nStatus: %s\nDiagnostic-Code: smtp;%s\n") % (
            gen, addr, addr, action, status, remote)
        htm = None
        if html:
            htm = "<html><body><p><b><font color=\"#000066\">%s</font></b></p><p>%s</p></body></html>" % (
                user_text.replace("\n", "<br>"), addr)
        raw = report(name, "postmaster@%s" % domain, subject + "Spring sale: 30% off everything", text,
                     fields.encode("utf-8").decode("latin-1"), part("message/rfc822", original(name, addr)),
                     extra=EXCH_HDRS, human_cs=charset, human_cte="quoted-printable" if charset != "us-ascii" else "7bit",
                     alt_html=htm)
        add(name, raw, golden, "Exchange " + version + " (on-premises)", version, lang)


    def auto(name, family, lang, frm, subject, text, extra=(), golden=None, charset="utf-8", cte="quoted-printable",
             to=None, ctype="text/plain"):
        if "<" in frm and any(ord(ch) > 127 for ch in frm):
            disp, addr = frm.split("<", 1)
            frm = ew(disp.strip()) + " <" + addr
        hdrs = [("Date", date), ("From", frm), ("To", to or "Brand News <news@brand.example>"),
                ("Subject", ew(subject)), ("Message-ID", "<%s.auto@responder%d.example>" % (ids(name)[0][:10], n)),
                ] + list(extra)
        hdrs.append(("Content-Transfer-Encoding", cte))
        add(name, message(hdrs, ctype + "; charset=" + charset, enc_body(text, charset, cte)),
            golden or [R("", "", AR, "auto_reply", "auto_reply", has_ids=False)], family, "n/a", lang)


    def human(name, family, lang, frm, subject, text, to="Brand Support <support@brand.example>", extra=(), charset="utf-8",
              attach=None):
        """A person's mail: never a return, whatever it quotes."""
        if "<" in frm and any(ord(ch) > 127 for ch in frm):
            disp, addr = frm.split("<", 1)
            frm = ew(disp.strip()) + " <" + addr
        hdrs = [("Date", date), ("From", frm), ("To", to), ("Subject", ew(subject)),
                ("Message-ID", "<%s.person@mail%d.example>" % (ids(name)[0][:10], n))] + list(extra)
        if attach:
            ct, body = multipart("mixed", [text_part(text, charset, "quoted-printable"), attach], "mix%d_" % n + ids(name)[0])
            add(name, message(hdrs, ct, body), [R("", "", OT, "unclassified", "not_bounce", has_ids=False)], family, "n/a", lang)
            return
        hdrs.append(("Content-Transfer-Encoding", "quoted-printable"))
        add(name, message(hdrs, "text/plain; charset=" + charset, enc_body(text, charset, "quoted-printable")),
            [R("", "", OT, "unclassified", "not_bounce", has_ids=False)], family, "n/a", lang)

    return SimpleNamespace(PF_HEAD=PF_HEAD, PF_FROM=PF_FROM, pf=pf, pfx=pfx, EXIM_HEAD=EXIM_HEAD, exim=exim, ndr=ndr, rdsn=rdsn, report=report, EXCH_HDRS=EXCH_HDRS, exch=exch, auto=auto, human=human)
