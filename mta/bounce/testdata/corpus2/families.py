"""Builders for the notices of each MTA family and provider, written from
how each one formats its returned-mail notices. gen.py supplies the words
of each notice and its hand-written golden result."""

from lib import (VERP_DOMAIN, crlf, dsn_fields, enc_body, ew, headers, ids, message,
                 multipart, original, part, text_part)

DATE = "Mon, 16 Nov 2026 09:14:%02d +0000"


def verp_addr(name):
    return ids(name)[1] + "@" + VERP_DOMAIN


def returned_part(name, rcpt, mode, subject=None, body=None, extra=""):
    kw = {}
    if subject:
        kw["subject"] = subject
    if mode == "full":
        return part("message/rfc822", original(name, rcpt, body=body, extra=extra, **kw))
    if mode == "headers":
        return part("text/rfc822-headers", original(name, rcpt, headers_only=True, extra=extra, **kw))
    return None


def dsn(name, frm, subject, text, rcpts, reporting, charset="us-ascii", cte="7bit",
        returned="full", html=None, top=(), date=None, extra_msg="", first=None,
        ret_body=None, ret_extra="", desc="Notification", subj_cs=None, boundary=None,
        text_extra_parts=()):
    """An RFC 3464 multipart/report: human part, message/delivery-status,
    returned message. rcpts are dicts for dsn_fields."""
    qid, verp = ids(name)
    b = boundary or ("%s.1763284449/%s" % (qid[:10].upper(), reporting))
    parts = []
    if html is not None:
        alt_ct, alt_body = multipart("alternative", [text_part(text, charset, cte),
                                                     text_part(html, charset, cte, html=True)],
                                     "alt-" + qid[:8], preamble="")
        parts.append("Content-Type: " + alt_ct + "\n\n" + alt_body)
    else:
        parts.append(text_part(text, charset, cte, desc=desc))
    parts.extend(text_extra_parts)
    parts.append(part("message/delivery-status", dsn_fields(reporting, rcpts, extra_msg=extra_msg),
                      extra="Content-Description: Delivery report\n"))
    rp = returned_part(name, first or rcpts[0]["addr"], returned, body=ret_body, extra=ret_extra)
    if rp:
        parts.append(rp)
    ct, body = multipart("report", parts, b, params=" report-type=delivery-status;")
    subj = ew(subject, subj_cs) if subj_cs else subject
    hdrs = [("Return-Path", "<>"), ("Delivered-To", verp_addr(name))] + list(top) + [
        ("Date", date or DATE % 40), ("From", frm), ("Subject", subj),
        ("To", verp_addr(name)), ("Auto-Submitted", "auto-replied"),
        ("Message-ID", "<%s.dsn@%s>" % (qid[4:14], reporting))]
    return message(hdrs, ct, body)


def plain(name, frm, subject, text, charset="us-ascii", cte="7bit", attach=None, rcpt=None,
          top=(), date=None, inline=None, subj_cs=None, ret_body=None, mixed_sub="mixed",
          to=None, auto=True):
    """A non-standard bounce: text, optionally followed inline by the
    returned headers/message (inline='headers'|'full') or with an attached
    message (attach='full'|'headers')."""
    qid, verp = ids(name)
    if inline == "full":
        text = text + original(name, rcpt, body=ret_body)
    elif inline == "headers":
        text = text + original(name, rcpt, headers_only=True)
    subj = ew(subject, subj_cs) if subj_cs else subject
    hdrs = [("Return-Path", "<>"), ("Delivered-To", to or verp_addr(name))] + list(top) + [
        ("Date", date or DATE % 41), ("From", frm), ("To", to or verp_addr(name)),
        ("Subject", subj), ("Message-ID", "<%s.ndr@bounce.example>" % qid[2:14])]
    if auto:
        hdrs.append(("Auto-Submitted", "auto-replied"))
    if attach:
        parts = [text_part(text, charset, cte), returned_part(name, rcpt, attach, body=ret_body)]
        ct, body = multipart(mixed_sub, parts, "----=_NDR_%s" % qid[:12])
        return message(hdrs, ct, body)
    return headers(hdrs + [("MIME-Version", "1.0"),
                           ("Content-Type", "text/plain; charset=%s" % charset),
                           ("Content-Transfer-Encoding", cte)]) + "\n" + enc_body(text, charset, cte)


# ---- Postfix -------------------------------------------------------------

PF_FAIL = """This is the mail system at host {host}.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

"""

PF_OLD = """This is the Postfix program at host {host}.

I'm sorry to have to inform you that your message could not be
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to <postmaster>

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

			The Postfix program

"""

PF_DELAY = """This is the mail system at host {host}.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

"""


def postfix(name, host, rcpts, old=False, delay=False, returned="full", **kw):
    """rcpts: dicts with addr, status, text (the per-recipient line after
    '<addr>: '), diag (Diagnostic-Code value or None), remote."""
    tmpl = PF_DELAY if delay else (PF_OLD if old else PF_FAIL)
    text = tmpl.format(host=host)
    fields = []
    for r in rcpts:
        text += "<%s>: %s\n\n" % (r["addr"], r["text"])
        f = dict(addr=r["addr"], action="delayed" if delay else "failed", status=r["status"],
                 remote=r.get("remote"), diag=r.get("diag"))
        if delay:
            f["will"] = "Sat, 21 Nov 2026 09:14:09 +0000 (UTC)"
        fields.append(f)
    subject = "Delayed Mail (still being retried)" if delay else "Undelivered Mail Returned to Sender"
    qid = ids(name)[0]
    return dsn(name, "MAILER-DAEMON@%s (Mail Delivery System)" % host, subject, text, fields, host,
               returned=returned, extra_msg="X-Postfix-Queue-ID: %s\nX-Postfix-Sender: rfc822; %s\n"
               % (qid[:10].upper(), verp_addr(name)), **kw)


# ---- Exim ----------------------------------------------------------------

EXIM4_HEAD = """This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

"""

EXIM3_HEAD = """This message was created automatically by mail delivery software (Exim).

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

"""


def exim(name, host, blocks, v3=False, head=None, returned="full", subject=None, **kw):
    """blocks: list of (addr, indented explanation lines)."""
    text = head or (EXIM3_HEAD if v3 else EXIM4_HEAD)
    for addr, expl in blocks:
        text += "  %s\n" % addr
        for line in expl.strip("\n").split("\n"):
            text += "    %s\n" % line.strip()
    if v3:
        text += "\n------ This is a copy of the message, including all the headers. ------\n"
    else:
        text += "\n------ This is a copy of the message, including all the headers. ------\n\n"
    failed = ", ".join(a for a, _ in blocks)
    return plain(name, "Mail Delivery System <Mailer-Daemon@%s>" % host,
                 subject or ("Mail delivery failed: returning message to sender" if not v3
                             else "Mail delivery failed: returning message to sender"),
                 text, inline=returned, rcpt=blocks[0][0],
                 top=[("X-Failed-Recipients", failed)], **kw)


# ---- Sendmail ------------------------------------------------------------

def sendmail_dsn(name, host, rcpts, transcript, returned="full", queue="5AGK1a9P012345",
                 delay=False, **kw):
    """Sendmail 8.x DSN: text with the transcript, delivery-status, message."""
    if delay:
        text = ("The original message was received at Mon, 16 Nov 2026 05:14:07 -0500\n"
                "from mta1.brand.example [192.0.2.10]\n\n"
                "   ----- Transcript of session follows -----\n%s\n"
                "Warning: message still undelivered after 4 hours\n"
                "Will keep trying until message is 5 days old\n" % transcript)
        subject = "Warning: could not send message for past 4 hours"
    else:
        text = ("The original message was received at Mon, 16 Nov 2026 05:14:07 -0500\n"
                "from mta1.brand.example [192.0.2.10]\n\n"
                "   ----- The following addresses had permanent fatal errors -----\n")
        for r in rcpts:
            text += "<%s>\n    (reason: %s)\n" % (r["addr"], r["reason"])
        text += "\n   ----- Transcript of session follows -----\n" + transcript
        subject = "Returned mail: see transcript for details"
    fields = [dict(addr=r["addr"], action="delayed" if delay else "failed", status=r["status"],
                   remote=r.get("remote"), diag=r.get("diag"),
                   last="Mon, 16 Nov 2026 05:14:09 -0500") for r in rcpts]
    return dsn(name, "Mail Delivery Subsystem <MAILER-DAEMON@%s>" % host, subject, text, fields,
               host, returned=returned, boundary="%s.1763288049/%s" % (queue, host),
               extra_msg="Received-From-MTA: DNS; mta1.brand.example\n", **kw)


def sendmail_classic(name, host, rcpt, reason, transcript, **kw):
    """Sendmail before DSNs (8.6/8.7): plain text, message appended."""
    text = ("The original message was received at Mon, 16 Nov 2026 05:14:07 -0500\n"
            "from mta1.brand.example [192.0.2.10]\n\n"
            "   ----- The following addresses had permanent fatal errors -----\n"
            "%s\n\n   ----- Transcript of session follows -----\n%s\n"
            "   ----- Original message follows -----\n\n") % (reason, transcript)
    return plain(name, "Mail Delivery Subsystem <MAILER-DAEMON@%s>" % host,
                 "Returned mail: User unknown" if "unknown" in transcript.lower()
                 else "Returned mail: see transcript for details", text, inline="full", rcpt=rcpt, **kw)


# ---- qmail ---------------------------------------------------------------

def qmail(name, host, blocks, **kw):
    """QSBMF (qmail-send bounce message format)."""
    text = ("Hi. This is the qmail-send program at %s.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n") % host
    for addr, expl in blocks:
        text += "<%s>:\n%s\n\n" % (addr, expl.strip("\n"))
    text += "--- Below this line is a copy of the message.\n\n"
    return plain(name, "MAILER-DAEMON@%s" % host, "failure notice", text, inline="full",
                 rcpt=blocks[0][0], **kw)


# ---- Exchange / Office 365 -----------------------------------------------

def exchange(name, server, rcpts, lang_head, lang_diag, lang_gen, subject_word, subj_cs="utf-8",
             charset="utf-8", cte="quoted-printable", returned="headers", html=True, **kw):
    """Exchange 2007-2019 NDR: plain and HTML, delivery-status, returned
    headers. rcpts: dicts addr, status, expl (localised), smtp (the
    '#550 5.1.1 ...' line), remote (optional)."""
    text = lang_head + "\n\n"
    for r in rcpts:
        text += "%s\n%s\n\n" % (r["addr"], r["expl"])
    text += "\n\n\n\n%s\n\n%s %s\n\n" % (lang_diag, lang_gen, server)
    for r in rcpts:
        text += "%s\n%s\n%s\n\n" % (r["addr"], r.get("remote", ""), r["smtp"])
    htmlt = None
    if html:
        htmlt = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=%s\"></head><body>\n" % charset
        htmlt += "<p><b><font color=\"#000066\" size=\"3\" face=\"Arial\">%s</font></b></p>\n" % lang_head
        for r in rcpts:
            htmlt += "<font color=\"#000000\" size=\"2\" face=\"Tahoma\"><p><a href=\"mailto:%s\">%s</a><br>\n%s</p>\n</font>" % (r["addr"], r["addr"], r["expl"])
        htmlt += "<br><br><br><font color=\"#808080\" size=\"2\" face=\"Tahoma\"><p>%s</p><p>%s %s</p>\n" % (lang_diag, lang_gen, server)
        for r in rcpts:
            htmlt += "<p>%s<br>%s<br>%s</p>\n" % (r["addr"], r.get("remote", ""), r["smtp"])
        htmlt += "</font></body></html>\n"
    fields = [dict(addr=r["addr"], action="failed", status=r["status"],
                   remote=r.get("remote") or None,
                   diag="smtp;" + r["smtp"].strip("#").replace(" ##", "").strip()) for r in rcpts]
    return dsn(name, "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@%s>"
               % server.split(".", 1)[1], subject_word + " " + "Spring sale: 30% off everything",
               text, fields, server, charset=charset, cte=cte, html=htmlt, returned=returned,
               subj_cs=subj_cs, **kw)


# ---- ARF (RFC 5965) --------------------------------------------------------

def arf(name, frm, subject, text, ftype, rcpt, ua="SomeProvider-FBL/1.0", extra="",
        attach="full", redacted=False, body_extra=""):
    qid, verp = ids(name)
    fields = ("Feedback-Type: %s\nUser-Agent: %s\nVersion: 1\n"
              "Original-Mail-From: <%s>\n" % (ftype, ua, verp_addr(name)))
    if rcpt:
        fields += "Original-Rcpt-To: <%s>\n" % rcpt
    fields += ("Arrival-Date: Mon, 16 Nov 2026 09:14:07 +0000\nSource-IP: 192.0.2.10\n"
               "Reported-Domain: brand.example\n" + extra)
    parts = [text_part(text), part("message/feedback-report", fields)]
    if attach == "full":
        parts.append(part("message/rfc822", original(name, rcpt or "redacted@redacted.example")))
    elif attach == "headers":
        parts.append(part("text/rfc822-headers", original(name, rcpt or "redacted@redacted.example",
                                                         headers_only=True)))
    ct, body = multipart("report", parts, "arf_%s" % qid[:10], params=" report-type=feedback-report;")
    hdrs = [("Return-Path", "<>"), ("From", frm), ("To", "fbl@brand.example"), ("Subject", subject),
            ("Date", DATE % 50), ("Message-ID", "<%s.fbl@%s>" % (qid[:12], frm.split("@")[-1].strip(">")))]
    return message(hdrs, ct, body)
