"""Writes corpus4: NAME.eml and NAME.json, and README.md's file table.

corpus4 was written blind by the bounces engineer (session 5) for the
families, encodings and structures the earlier corpora held least of:
odd MIME (a delivery-status part labelled text/plain or base64-encoded, a
report whose boundary lost its fold, no MIME at all, HTML under a
text/plain label, a TNEF-only Exchange notice), charsets without a label
or under Microsoft's names, mixed actions in one DSN (failed, delayed,
relayed, expanded), gateways and providers by their own wording, list
unsubscribe mail, challenges and auto-replies that use bounce words.
Every golden result is written by hand from what the notice means under
the class contract, never from the classifier's output. Run
`python3 gen4.py` here after editing. Byte-level helpers come from
../corpus2/lib.py.
"""

import base64
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "corpus2"))
from lib import (AR, CO, H, MF, OT, PB, RL, SB, ST, R, VERP_DOMAIN,  # noqa: E402
                 enc_body, ew, ids, message, multipart, original, part, rc, text_part)
import lib  # noqa: E402

DATE = "Mon, 07 Dec 2026 08:41:12 +0000"


W, MSGS, add, top, dsn, plain = lib.setup(HERE, DATE)


# ====================================================== DSN structure quirks
SM_FROM = "Mail Delivery Subsystem <MAILER-DAEMON@relay.univ4.example>"
n = "sendmail-8-15-dsn-failed-delayed-relayed"
rs = [rc("amir@gone-user.example", "failed", "5.1.1", "SMTP; 550 5.1.1 <amir@gone-user.example>... User unknown", "dns; mx.gone-user.example"),
      rc("bea@slowpoke.example", "delayed", "4.4.1", "SMTP; 421 4.4.1 Connection timed out", "dns; mx.slowpoke.example",
         will="Sat, 12 Dec 2026 08:40:00 GMT"),
      rc("chen@no-dsn.example", "relayed", "2.0.0", "SMTP; 250 2.0.0 Ok queued as 8F2A1", "dns; mx.no-dsn.example")]
add(n, dsn(n, SM_FROM, "Returned mail: see transcript for details",
           "The original message was received at Mon, 7 Dec 2026 08:20:11 GMT\nfrom mta1.brand.example [192.0.2.10]\n\n"
           "   ----- The following addresses had permanent fatal errors -----\n<amir@gone-user.example>\n    (reason: 550 5.1.1 <amir@gone-user.example>... User unknown)\n\n"
           "   ----- The following addresses had transient non-fatal errors -----\n<bea@slowpoke.example>\n\n"
           "   ----- The following addresses had successful delivery notifications -----\n<chen@no-dsn.example>  (relayed to non-DSN-aware mailer)\n\n"
           "   ----- Transcript of session follows -----\n... while talking to mx.gone-user.example.:\n>>> RCPT To:<amir@gone-user.example>\n<<< 550 5.1.1 <amir@gone-user.example>... User unknown\n",
           rs, "relay.univ4.example"),
    [R("amir@gone-user.example", "5.1.1", H, "user_unknown", "multi"), R("bea@slowpoke.example", "4.4.1", ST, "delayed", "multi"),
     R("chen@no-dsn.example", "2.0.0", OT, "success", "multi")], "Sendmail", "8.15.2", "en")

n = "postfix-3-7-expanded-alias"
add(n, dsn(n, "MAILER-DAEMON@lists.partner4.example (Mail Delivery System)", "Successful Mail Delivery Report",
           "This is the mail system at host lists.partner4.example.\n\nYour message was successfully delivered to the destination(s)\nlisted below. If the message was delivered to mailbox you will\nreceive no further notifications. Otherwise you may still receive\nnotifications of mail delivery errors from other systems.\n\n                   The mail system\n\n<team@partner4.example>: delivered to command: /usr/local/bin/expand-team\n",
           [rc("team@partner4.example", "expanded", "2.0.0", "X-Postfix; alias expanded", None)], "lists.partner4.example", headers_only=True),
    [R("team@partner4.example", "2.0.0", OT, "success", "not_bounce")], "Postfix", "3.7", "en")

n = "exim-4-97-dsn-report-quota"
add(n, dsn(n, "Mail Delivery System <Mailer-Daemon@mx.hostfarm4.example>", "Mail delivery failed: returning message to sender",
           "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  dora@fullhost.example\n    host mx.fullhost.example [198.51.100.31]\n    SMTP error from remote mail server after end of data:\n    552 5.2.2 Mailbox quota exceeded for this recipient\n",
           [rc("dora@fullhost.example", "failed", "5.0.0", "smtp; 552 5.2.2 Mailbox quota exceeded for this recipient", "dns; mx.fullhost.example", orig=False,
               extra="X-Exim-Diagnostic: X-str; SMTP error from remote mail server after end of data:\n  552 5.2.2 Mailbox quota exceeded for this recipient\n")],
           "mx.hostfarm4.example", extra=[("X-Failed-Recipients", "dora@fullhost.example"), ("Auto-Submitted", "auto-replied")]),
    [R("dora@fullhost.example", "5.0.0", MF, "mailbox_full", "mailbox_full")], "Exim", "4.97", "en")

n = "gateway-dsn-part-labelled-text-plain"
add(n, dsn(n, "postmaster@gw.medco4.example", "Delivery Status Notification (Failure)",
           "This is an automatically generated Delivery Status Notification.\n\nDelivery to the following recipients failed.\n\n       ellen@medco4.example\n",
           [rc("ellen@medco4.example", "failed", "5.1.1", "smtp;550 5.1.1 Requested action not taken: mailbox unavailable (user does not exist)", "dns;mail.medco4.example")],
           "gw.medco4.example", status_ct="text/plain; name=\"details.txt\"", headers_only=True),
    [R("ellen@medco4.example", "5.1.1", H, "user_unknown", "structure")], "Windows SMTP gateway (IIS SMTP style)", "n/a", "en")

n = "dsn-boundary-fold-lost"
raw = dsn(n, "MAILER-DAEMON@mx.oldbox4.example (Mail Delivery System)", "Undelivered Mail Returned to Sender",
          "This is the mail system at host mx.oldbox4.example.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n\n<fritz@oldbox4.example>: host mail.oldbox4.example[198.51.100.40] said: 550\n    5.1.1 <fritz@oldbox4.example>: Recipient address rejected: User unknown in\n    local recipient table (in reply to RCPT TO command)\n",
          [rc("fritz@oldbox4.example", "failed", "5.1.1", "smtp; 550 5.1.1 <fritz@oldbox4.example>: Recipient address rejected: User unknown in local recipient table", "dns; mail.oldbox4.example")],
          "mx.oldbox4.example")
raw = raw.replace(';\n\tboundary="', ';\nboundary="', 1)
add(n, raw, [R("fritz@oldbox4.example", "5.1.1", H, "user_unknown", "structure")], "Postfix relayed through a header-rewriting filter", "2.x", "en")

n = "dsn-base64-status-and-original-uceprotect"
add(n, dsn(n, "Mail Delivery System <MAILER-DAEMON@smtp.isp4.example>", "Undelivered Mail Returned to Sender",
           "Your message could not be delivered.\n\n<gerd@strict-isp4.example>: host mx.strict-isp4.example[198.51.100.41] said: 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using dnsbl-3.uceprotect.net; Your ISP is UCEPROTECT-Level3 listed\n",
           [rc("gerd@strict-isp4.example", "failed", "5.7.1", "smtp; 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using dnsbl-3.uceprotect.net; Your ISP is UCEPROTECT-Level3 listed", "dns; mx.strict-isp4.example")],
           "smtp.isp4.example", status_cte="base64", orig_cte="base64"),
    [R("gerd@strict-isp4.example", "5.7.1", PB, "blocked_ip", "policy_ip")], "mail gateway that base64-encodes every part", "n/a", "en")

n = "dsn-lowercase-folded-dmarc"
st = ("reporting-mta: dns; mx-out.hoster4.example\narrival-date: Mon, 7 Dec 2026 08:30:01 +0000\n\n"
      "final-recipient: RFC822; <Hana.K@Finance4.example>\naction: failed\nstatus: 5.7.1\n"
      "diagnostic-code: smtp; 550-5.7.1 Unauthenticated email from brand.example is not\n"
      "    accepted due to domain's DMARC policy. Please contact the\n"
      "    administrator of brand.example domain if this was a legitimate mail.\n"
      "remote-mta: dns; mx.finance4.example\n")
ct, body = multipart("report", [text_part("Delivery to <Hana.K@Finance4.example> failed permanently. See the attached report.\n"),
                                part("message/delivery-status", st),
                                part("text/rfc822-headers", original(n, "Hana.K@Finance4.example", headers_only=True))],
                     "rep_" + ids(n)[0], params=" report-type=delivery-status;")
add(n, message(top(n, "MAILER-DAEMON <postmaster@mx-out.hoster4.example>", "failure notice"), ct, body),
    [R("hana.k@finance4.example", "5.7.1", PB, "auth_failure", "policy_auth")], "Haraka", "3.0", "en")

n = "sendmail-8-8-no-mime-user-unknown"
raw = ("Return-Path: <>\nReceived: from localhost (localhost)\n\tby mail.oldcampus4.example (8.8.8/8.8.8) id KAA01234;\n\tMon, 7 Dec 2026 10:02:11 +0100\n"
       "Date: Mon, 7 Dec 2026 10:02:11 +0100\nFrom: Mail Delivery Subsystem <MAILER-DAEMON@mail.oldcampus4.example>\n"
       "Message-Id: <200612070902.KAA01234@mail.oldcampus4.example>\nTo: %s@%s\nSubject: Returned mail: User unknown\n\n"
       "The original message was received at Mon, 7 Dec 2026 10:02:09 +0100\nfrom mta1.brand.example [192.0.2.10]\n\n"
       "   ----- The following addresses had permanent fatal errors -----\nivo@oldcampus4.example\n\n"
       "   ----- Transcript of session follows -----\n550 ivo@oldcampus4.example... User unknown\n\n"
       "   ----- Original message follows -----\n" % (ids(n)[1], VERP_DOMAIN)) + original(n, "ivo@oldcampus4.example")
add(n, raw, [R("ivo@oldcampus4.example", "", H, "user_unknown", "structure")], "Sendmail (no MIME)", "8.8.8", "en")

n = "html-under-text-plain-label"
html = ("<html><body><p><b>Your message to jana@edu4.example couldn't be delivered.</b></p>"
        "<p>jana wasn't found at edu4.example.</p><p>Diagnostic information for administrators:</p>"
        "<p>Generating server: AM0PR04MB1234.eurprd04.prod.outlook.com</p><p>jana@edu4.example<br>"
        "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient jana@edu4.example not found by SMTP address lookup'</p></body></html>\n")
add(n, plain(n, "postmaster@edu4.example", "Undeliverable: Spring sale: 30% off everything", html, "jana@edu4.example", copy="rfc822",
             charset="utf-8", cte="quoted-printable"),
    [R("jana@edu4.example", "5.1.10", H, "user_unknown", "structure")], "Exchange Online NDR re-wrapped by a list gateway", "2025", "en")


# TNEF (MS-OXTNEF): the notice's text only inside winmail.dat.
def tnef(body_text, subject):
    def attr(level, aid, data):
        return struct.pack("<BII", level, aid, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    def prop_unicode(pid, s):
        b = (s + "\0").encode("utf-16-le")
        pad = b"\0" * ((4 - len(b) % 4) % 4)
        return struct.pack("<HHII", 0x001F, pid, 1, len(b)) + b + pad
    out = struct.pack("<IH", 0x223E9F78, 0x1234)
    out += attr(1, 0x00089006, b"\x01\x00\x00\x00")  # attTnefVersion... (kept simple)
    out += attr(1, 0x00078008, b"REPORT.IPM.Note.NDR\0")  # attMessageClass
    out += attr(1, 0x00018004, subject.encode("latin-1") + b"\0")  # attSubject
    props = prop_unicode(0x0037, subject) + prop_unicode(0x1000, body_text)
    out += attr(1, 0x00069003, struct.pack("<I", 2) + props)  # attMsgProps
    return out


n = "exchange-tnef-only-ndr"
tn = tnef("Delivery has failed to these recipients or groups:\r\n\r\nkarl.b@corp-tnef4.example\r\n"
          "The email address you entered couldn't be found. Please check the recipient's email address and try to resend the message.\r\n\r\n"
          "Diagnostic information for administrators:\r\n\r\nGenerating server: EXCH01.corp-tnef4.example\r\n\r\n"
          "karl.b@corp-tnef4.example\r\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\r\n",
          "Undeliverable: Spring sale: 30% off everything")
b64 = base64.b64encode(tn).decode()
b64 = "\n".join(b64[i:i + 76] for i in range(0, len(b64), 76)) + "\n"
ct, body = multipart("mixed", [part("application/ms-tnef; name=\"winmail.dat\"", b64, cte="base64",
                                    extra="Content-Disposition: attachment; filename=\"winmail.dat\"\n")], "tnef_" + ids(n)[0])
add(n, message(top(n, "System Administrator <postmaster@corp-tnef4.example>", "Undeliverable: Spring sale: 30% off everything",
                   [("X-MS-TNEF-Correlator", "<7C1E55AA@EXCH01>"), ("X-MS-Has-Attach", "")]), ct, body),
    [R("karl.b@corp-tnef4.example", "5.1.1", H, "user_unknown", "tnef", has_ids=False)], "Exchange 2010 through a relay that kept only TNEF", "2010", "en")

# ===================================================== charsets and languages
n = "biglobe-iso2022jp-unlabelled-unknown"
add(n, plain(n, "MAILER-DAEMON@biglobe4.example", "Returned mail: User unknown",
             "このメールは自動的に送信されています。\n\n次の宛先へメールを配信できませんでした。\n\n  taro.y@biglobe4.example\n\n宛先のメールアドレスは存在しません。アドレスをご確認のうえ、再度送信してください。\n",
             "taro.y@biglobe4.example", copy="rfc822", charset="iso-2022-jp", cte="7bit", label=False),
    [R("taro.y@biglobe4.example", "", H, "user_unknown", "charset")], "Japanese ISP (charset label missing)", "n/a", "ja")

n = "hinet-big5-mailbox-full"
add(n, plain(n, "MAILER-DAEMON@ms4.hinet4.example", "郵件無法投遞",
             "很抱歉，您的郵件無法投遞到以下收件者：\n\n  mei@hinet4.example\n\n原因：收件者信箱已滿，無法接收新郵件。\n",
             "mei@hinet4.example", copy="rfc822", charset="big5", cte="base64", subj_charset="big5"),
    [R("mei@hinet4.example", "", MF, "mailbox_full", "charset")], "HiNet (Taiwan)", "n/a", "zh")

n = "daum-ks-c-5601-mailbox-full"
add(n, plain(n, "MAILER-DAEMON@hanmail4.example", "메일 발송 실패 안내",
             "보내신 메일이 다음 수신자에게 전달되지 않았습니다.\n\n  minji@hanmail4.example\n\n사유: 받는 사람의 메일함 용량이 초과되어 메일을 받을 수 없습니다.\n",
             "minji@hanmail4.example", copy="rfc822", charset="ks_c_5601-1987", cte="base64", subj_charset="euc-kr"),
    [R("minji@hanmail4.example", "", MF, "mailbox_full", "charset")], "Daum / Kakao (Korea)", "n/a", "ko")

n = "sohu-gb2312-mailbox-missing"
add(n, plain(n, "postmaster@sohu4.example", "系统退信",
             "抱歉，您的邮件被退回。\n\n收件人 lihua@sohu4.example 的邮箱不存在，请核实后再发送。\n",
             "lihua@sohu4.example", copy="rfc822", charset="gb2312", cte="base64", subj_charset="gb2312"),
    [R("lihua@sohu4.example", "", H, "user_unknown", "charset")], "Sohu", "n/a", "zh")

n = "small-isp-koi8r-quota"
add(n, plain(n, "MAILER-DAEMON@mail.provider4.example", "Недоставленное сообщение",
             "Ваше сообщение не было доставлено следующему получателю:\n\n  oleg@provider4.example\n\nПричина: превышен лимит дискового пространства почтового ящика получателя.\n",
             "oleg@provider4.example", copy="inline", sep="\n--- Исходное сообщение ---\n", charset="koi8-r", cte="8bit", subj_charset="koi8-r"),
    [R("oleg@provider4.example", "", MF, "mailbox_full", "charset")], "Russian regional ISP", "n/a", "ru")

n = "turkish-iso-8859-9-user-unknown"
add(n, plain(n, "Posta Sistemi <mailer-daemon@ttmail4.example>", "İleti teslim edilemedi",
             "Bu ileti otomatik olarak oluşturulmuştur.\n\nİletiniz aşağıdaki alıcıya teslim edilemedi:\n\n  emre@ttmail4.example\n\nSebep: Alıcı adresi bulunamadı. Böyle bir kullanıcı yok.\n",
             "emre@ttmail4.example", copy="rfc822", charset="iso-8859-9", cte="quoted-printable", subj_charset="iso-8859-9"),
    [R("emre@ttmail4.example", "", H, "user_unknown", "language")], "Turkish ISP", "n/a", "tr")

n = "o2-pl-adres-nie-istnieje"
add(n, plain(n, "MAILER-DAEMON@o2-4.example", "Niedostarczona wiadomość",
             "Twoja wiadomość nie mogła zostać dostarczona do następującego adresata:\n\n  kasia@o2-4.example\n\nPodany adres e-mail nie istnieje.\n",
             "kasia@o2-4.example", copy="rfc822", charset="iso-8859-2", cte="quoted-printable", subj_charset="iso-8859-2"),
    [R("kasia@o2-4.example", "", H, "user_unknown", "language")], "o2.pl", "n/a", "pl")

n = "kpn-nl-mailbox-vol"
add(n, plain(n, "KPN Mail <mailer-daemon@kpnmail4.example>", "Onbestelbaar: Spring sale: 30% off everything",
             "Uw bericht kon niet worden afgeleverd bij de volgende ontvanger:\n\n  joost@kpnmail4.example\n\nReden: de mailbox van de ontvanger zit vol. Probeer het later opnieuw.\n",
             "joost@kpnmail4.example", copy="rfc822", charset="iso-8859-1", cte="quoted-printable"),
    [R("joost@kpnmail4.example", "", MF, "mailbox_full", "language")], "KPN", "n/a", "nl")

n = "aruba-it-indirizzo-inesistente"
add(n, plain(n, "Sistema di posta <mailer-daemon@aruba4.example>", "Messaggio non recapitato",
             "Questo è un messaggio generato automaticamente dal sistema di posta.\n\nIl messaggio non è stato recapitato ai seguenti destinatari:\n\n  marco@aruba4.example\n\nMotivo: indirizzo email inesistente.\n",
             "marco@aruba4.example", copy="rfc822", charset="iso-8859-15", cte="quoted-printable", subj_charset="utf-8"),
    [R("marco@aruba4.example", "", H, "user_unknown", "language")], "Aruba.it", "n/a", "it")

n = "telefonica-es-aviso-retraso"
add(n, plain(n, "Sistema de correo <postmaster@telefonica4.example>", "Aviso: mensaje retrasado",
             "Este es un mensaje automático del sistema de correo.\n\nSu mensaje aún no ha podido ser entregado al siguiente destinatario:\n\n  lucia@telefonica4.example\n\nEl servidor de destino no responde. Se seguirá intentando la entrega durante 4 días más.\nNo es necesario que vuelva a enviar el mensaje.\n",
             "lucia@telefonica4.example", copy=None, charset="iso-8859-1", cte="quoted-printable"),
    [R("lucia@telefonica4.example", "", ST, "delayed", "delayed", has_ids=False)], "Telefónica", "n/a", "es")

n = "terra-br-caixa-lotada"
add(n, plain(n, "Terra Mail <mailer-daemon@terra4.example>", "Mensagem não entregue",
             "Não foi possível entregar sua mensagem ao destinatário abaixo:\n\n  rafa@terra4.example\n\nMotivo: a caixa postal do destinatário está lotada.\n",
             "rafa@terra4.example", copy="rfc822", charset="iso-8859-1", cte="8bit"),
    [R("rafa@terra4.example", "", MF, "mailbox_full", "language")], "Terra", "n/a", "pt")

n = "uol-br-conta-nao-existe"
add(n, plain(n, "UOL Mail <mailer-daemon@uol4.example>", "Falha na entrega da mensagem",
             "Sua mensagem não pôde ser entregue para:\n\n  bia.s@uol4.example\n\nA conta de e-mail informada não existe. Verifique o endereço e tente novamente.\n",
             "bia.s@uol4.example", copy="rfc822", charset="utf-8", cte="base64"),
    [R("bia.s@uol4.example", "", H, "user_unknown", "language")], "UOL", "n/a", "pt")

n = "free-fr-trop-de-connexions"
add(n, plain(n, "Mail Delivery System <MAILER-DAEMON@smtp.relais4.example>", "Mail delivery failed: returning message to sender",
             "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  gilles@free.fr\n    host mx1.free.fr [212.27.48.6]\n    SMTP error from remote mail server after RCPT TO:<gilles@free.fr>:\n    421 Trop de connexions, veuillez reessayer plus tard (too many connections)\n",
             "gilles@free.fr", sep="\n------ This is a copy of the message, including all the headers. ------\n\n",
             extra=[("X-Failed-Recipients", "gilles@free.fr")]),
    [R("gilles@free.fr", "", RL, "rate_limited", "rate")], "Free.fr (reported by Exim)", "2025", "fr")

n = "exchange-2003-de-konto-existiert-nicht"
add(n, dsn(n, "Systemadministrator <postmaster@firma2003.example>", "Unzustellbar: Spring sale: 30% off everything",
           "Ihre Nachricht hat einige oder alle Empfänger nicht erreicht.\n\n      Betreff:\tSpring sale: 30% off everything\n      Gesendet am:\t07.12.2026 09:14\n\n"
           "Folgende(r) Empfänger konnte(n) nicht erreicht werden:\n\n      ute@firma2003.example am 07.12.2026 09:20\n"
           "            Das E-Mail-Konto existiert nicht bei der Organisation, an die diese Nachricht gesendet wurde.  Überprüfen Sie die E-Mail-Adresse, oder wenden Sie sich direkt an den Empfänger, um die richtige Adresse zu erfahren.\n"
           "            <mail.firma2003.example #5.1.1>\n",
           [rc("ute@firma2003.example", "failed", "5.1.1", None, None)], "mail.firma2003.example", charset="iso-8859-1", cte="quoted-printable",
           extra_msg="X-MS-Exchange-Organization-Original-Arrival-Time: Mon, 7 Dec 2026 09:14:09 +0100\n"),
    [R("ute@firma2003.example", "5.1.1", H, "user_unknown", "user_unknown")], "Exchange", "2003 SP2", "de")

n = "o365-de-zustellung-verzoegert"
add(n, dsn(n, "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@firma365-4.example>", "Zustellung verzögert: Spring sale: 30% off everything",
           "Die Zustellung an diese Empfänger oder Gruppen verzögert sich:\n\nsven@langsam4.example\n\nBetreff: Spring sale: 30% off everything\n\nDiese Nachricht wurde noch nicht zugestellt. Es wird weiterhin versucht, sie zuzustellen.\n\nDer Server versucht noch 1 Tag, 19 Stunden und 52 Minuten lang, die Nachricht zuzustellen. Sie werden benachrichtigt, wenn die Nachricht bis dahin nicht zugestellt werden kann.\n",
           [rc("sven@langsam4.example", "delayed", "4.4.7", "smtp;400 4.4.7 Message delayed", None)], "AM6PR02MB1234.eurprd02.prod.outlook.com",
           headers_only=True, charset="utf-8", cte="quoted-printable"),
    [R("sven@langsam4.example", "4.4.7", ST, "delayed", "delayed")], "Exchange Online", "2025", "de")

n = "gmx-nemesis-ip-block-listed"
add(n, dsn(n, "MAILER-DAEMON@out.relay4.example (Mail Delivery System)", "Undelivered Mail Returned to Sender",
           "This is the mail system at host out.relay4.example.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<lena.w@gmx.de>: host mx00.emig.gmx.net[212.227.15.9] refused to talk to me:\n    554-gmx.net (mxgmx116) Nemesis ESMTP Service not available 554-No SMTP\n    service 554-IP address is block listed. 554 For explanation visit\n    https://postmaster.gmx.net/en/case?c=bl&i=ip&v=192.0.2.10&r=1MNc8A\n",
           [rc("lena.w@gmx.de", "failed", "5.0.0", "smtp; 554-gmx.net (mxgmx116) Nemesis ESMTP Service not available 554-No SMTP service 554-IP address is block listed. 554 For explanation visit https://postmaster.gmx.net/en/case?c=bl&i=ip&v=192.0.2.10&r=1MNc8A", "dns; mx00.emig.gmx.net")],
           "out.relay4.example"),
    [R("lena.w@gmx.de", "5.0.0", PB, "blocked_ip", "policy_ip")], "GMX (reported by Postfix)", "2025", "en")


# ================================================= providers, by their wording
PF_HEAD = ("This is the mail system at host out.relay4.example.\n\n"
           "I'm sorry to have to inform you that your message could not\n"
           "be delivered to one or more recipients. It's attached below.\n\n"
           "For further assistance, please send mail to postmaster.\n\n"
           "                   The mail system\n\n")


def prov(name, family, remote, addr, reply, status, cls, reason, kind, cmd="RCPT TO", gstatus=None):
    r, human = lib.postfix_said(PF_HEAD, addr, remote, "198.51.100.90", reply, cmd, status)
    add(name, dsn(name, "MAILER-DAEMON@out.relay4.example (Mail Delivery System)", "Undelivered Mail Returned to Sender", human, [r],
                  "out.relay4.example", headers_only=(len(name) % 2 == 0)),
        [R(addr, gstatus if gstatus is not None else status, cls, reason, kind)], family + " (reported by Postfix)", "2025", "en")


prov("yahoo-5-7-9-unauthenticated", "Yahoo", "mta6.am0.yahoodns.net", "kim.l@yahoo.com",
     "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.",
     "5.7.9", PB, "auth_failure", "policy_auth", cmd="end of DATA")
prov("aol-5-7-9-policy-reasons", "AOL", "mx-aol.mail.gm0.yahoodns.net", "walt.p@aol.com",
     "554 5.7.9 Message not accepted for policy reasons.  See https://senders.yahooinc.com/error-codes",
     "5.7.9", PB, "policy", "policy", cmd="end of DATA")
prov("gmail-552-5-2-3-size", "Gmail", "gmail-smtp-in.l.google.com", "otto.r@gmail.com",
     "552-5.2.3 Your message exceeded Google's message size limits. To view our\n552-5.2.3 size guidelines, go to\n552 5.2.3  https://support.google.com/mail/?p=MaxSizeError 5b1f17b1804b1-43d0a1e2c3bsi1234567f.12 - gsmtp",
     "5.2.3", SB, "message_too_large", "size", cmd="end of DATA")
prov("gmail-5-7-25-no-ptr", "Gmail", "gmail-smtp-in.l.google.com", "ana.p@gmail.com",
     "550-5.7.25 [192.0.2.10] The IP address sending this message does not have a\n550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not\n550-5.7.25 point to the sending IP. As a policy, Gmail does not accept messages\n550-5.7.25 from IPs with missing PTR records. For more information, go to\n550 5.7.25  https://support.google.com/mail/answer/81126#ip-practices d2e1a72fcca58-7251234abcdsi123.45 - gsmtp",
     "5.7.25", PB, "blocked_ip", "policy_ip")
prov("gmail-5-7-1-likely-unsolicited", "Gmail", "gmail-smtp-in.l.google.com", "rui.m@gmail.com",
     "550-5.7.1 [192.0.2.10      12] Our system has detected that this message is\n550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\n550-5.7.1 this message has been blocked. For more information, go to\n550 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError a640c23a62f3a-aa1234567si123.4 - gsmtp",
     "5.7.1", SB, "blocked_content", "content", cmd="end of DATA")
prov("comcast-551-not-our-customer", "Comcast", "mx1a1.comcast.net", "dave.h@comcast.net",
     "551 5.1.1 <dave.h@comcast.net> Not our Customer", "5.1.1", H, "user_unknown", "user_unknown")
prov("att-553-dnsbl-rbl", "AT&T", "ff-ip4-mx-vip1.prodigy.net", "gail.t@att.net",
     "553 5.3.0 flpd575 DNSBL:RBL 521< 192.0.2.10 >_is_blocked.For assistance forward this error to abuse_rbl@abuse-att.net",
     "5.3.0", PB, "blocked_ip", "policy_ip", cmd="MAIL FROM")
prov("cox-ipbl-reputation", "Cox", "cxr.mx.a.cloudfilter.net", "jen.b@cox.net",
     "554 5.7.1 cox.net - 192.0.2.10 rejected - IP reputation. AUP#CXBL https://www.cox.com/residential/support/email-error-codes.html",
     "5.7.1", PB, "blocked_ip", "policy_ip", cmd="MAIL FROM")
prov("mailru-spam-message-rejected", "Mail.ru", "mxs.mail.ru", "sasha.k@mail.ru",
     "550 spam message rejected. Please visit https://help.mail.ru/notspam-support/id?c=Ye7vLtK9_wE or report details to abuse@corp.mail.ru. Error code: 6B06D5B1A7A3E8B4. ID: 0000000102D1A9F4.",
     "", SB, "blocked_content", "content", cmd="end of DATA")
prov("yandex-dmarc-reject", "Yandex", "mx.yandex.ru", "dima.v@yandex.ru",
     "550 5.7.1 Email rejected per DMARC policy for brand.example 1733561234-aBcDeFgH1a2b",
     "5.7.1", PB, "auth_failure", "policy_auth", cmd="end of DATA")
prov("qq-552-quota-or-disabled", "QQ Mail", "mx3.qq.com", "88776655@qq.com",
     "552 Quota exceeded or service disabled. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000728",
     "", MF, "mailbox_full", "mailbox_full")
prov("o365-5-4-310-dns-domain-missing", "Exchange Online", "contoso4.mail.protection.outlook.com", "ned@typo-domain4.example",
     "550 5.4.310 DNS domain typo-domain4.example does not exist [Message=InfoDomainNonexistent] [LastAttemptedServerName=typo-domain4.example] [AM4PEPF00027A5F.eurprd04.prod.outlook.com]",
     "5.4.310", H, "domain_not_found", "domain")
prov("o365-5-7-64-tenant-relay-denied", "Exchange Online", "fabrikam4.mail.protection.outlook.com", "ola@fabrikam4.example",
     "550 5.7.64 TenantAttribution; Relay Access Denied [DM6NAM10FT012.eop-nam10.prod.protection.outlook.com]",
     "5.7.64", PB, "relay_denied", "relay_denied")
prov("o365-5-7-133-group-needs-auth", "Exchange Online", "tailspin4.mail.protection.outlook.com", "all-hands@tailspin4.example",
     "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; Delivery restriction check failed because the sender was not authenticated when sending to this group [BN8NAM12FT041.eop-nam12.prod.protection.outlook.com]",
     "5.7.133", PB, "posting_not_allowed", "group_permission")
prov("exchange-2010-routing-size-limit", "Exchange", "mail.bigcorp4.example", "pia@bigcorp4.example",
     "550 5.3.4 ROUTING.SizeLimit; message size exceeds fixed maximum size for route",
     "5.3.4", SB, "message_too_large", "size", cmd="end of DATA")
prov("mimecast-header-blocked-senders", "Mimecast", "eu-smtp-inbound-1.mimecast.com", "quinn@mc-cust4.example",
     "550 Rejected by header based Blocked Senders - Block policy for Header From - https://community.mimecast.com/docs/DOC-1369#550 [b9XyZ1aBcDe2fGh3iJkL4m.uk312]",
     "", PB, "blocked_sender", "policy_sender", cmd="end of DATA")
prov("proofpoint-essentials-spam", "Proofpoint Essentials", "mx1-us1.ppe-hosted.com", "ravi@ppe-cust4.example",
     "550 5.7.1 Message rejected: this message was identified as spam by Proofpoint Essentials",
     "5.7.1", SB, "blocked_content", "content", cmd="end of DATA")
prov("barracuda-ess-blocked-tag", "Barracuda Email Security Service", "d987654b.ess.barracudanetworks.com", "sue.w@bc-cust4.example",
     "550 permanent failure for one or more recipients (sue.w@bc-cust4.example:blocked)",
     "", SB, "blocked_content", "content", cmd="end of DATA")
prov("ironport-poor-reputation", "Cisco Secure Email (IronPort)", "esa3.iron-cust4.example", "tom.k@iron-cust4.example",
     "554 Your access to this mail system has been rejected due to the sending MTA's poor reputation. If you believe that this failure is in error, please contact the intended recipient via alternate means.",
     "", PB, "blocked_ip", "policy_ip", cmd="MAIL FROM")
prov("messagelabs-553-filtered", "Symantec Email Security.cloud", "cluster8.eu.messagelabs.com", "ute.s@ml-cust4.example",
     "553-Message filtered. Refer to the Troubleshooting page at\n553-http://www.symanteccloud.com/troubleshooting for more\n553 information. (#5.7.1)",
     "5.7.1", SB, "blocked_content", "content", cmd="end of DATA")
prov("trendmicro-hes-virus", "Trend Micro Email Security", "in.tmes.trendmicro.eu", "vik@tm-cust4.example",
     "550 5.7.1 Message rejected: a virus or malicious file was detected in the message (TMES)",
     "5.7.1", SB, "virus", "virus", cmd="end of DATA")
prov("godaddy-irbounce-not-found", "GoDaddy / Secureserver", "mx.secureserver.net", "wes@gd-cust4.example",
     "550 5.1.1 <wes@gd-cust4.example> Recipient not found. <http://x.co/irbounce>",
     "5.1.1", H, "user_unknown", "user_unknown")
prov("generic-rate-limit-550", "Zoho Mail", "mx.zoho.eu", "xia@zoho-cust4.example",
     "550 5.4.6 Unusual sending activity detected. Too many messages from your IP address in a short time, rate limit exceeded",
     "5.4.6", RL, "rate_limited", "rate", cmd="end of DATA")

n = "o365-mixed-three-statuses"
rs = [rc("ann@mix365-4.example", "failed", "5.1.10", "smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient ann@mix365-4.example not found by SMTP address lookup", None),
      rc("bob@mix365-4.example", "failed", "5.2.2", "smtp;554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded", None),
      rc("cid@mix365-4.example", "failed", "5.7.509", "smtp;550 5.7.509 Access denied, sending domain brand.example does not pass DMARC verification and has a DMARC policy of reject.", None)]
add(n, dsn(n, "Microsoft Outlook <postmaster@mix365-4.example>", "Undeliverable: Spring sale: 30% off everything",
           "Delivery has failed to these recipients or groups:\n\nann@mix365-4.example\nThe email address you entered couldn't be found.\n\nbob@mix365-4.example\nThe recipient's mailbox is full and can't accept messages now.\n\ncid@mix365-4.example\nYour message wasn't delivered because the recipient's email provider rejected it.\n\n\nDiagnostic information for administrators:\n\nGenerating server: DB8PR04MB7081.eurprd04.prod.outlook.com\n\n"
           "ann@mix365-4.example\nRemote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient ann@mix365-4.example not found by SMTP address lookup'\n\n"
           "bob@mix365-4.example\nRemote Server returned '554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded'\n\n"
           "cid@mix365-4.example\nRemote Server returned '550 5.7.509 Access denied, sending domain brand.example does not pass DMARC verification and has a DMARC policy of reject.'\n",
           rs, "DB8PR04MB7081.eurprd04.prod.outlook.com"),
    [R("ann@mix365-4.example", "5.1.10", H, "user_unknown", "multi"), R("bob@mix365-4.example", "5.2.2", MF, "mailbox_full", "multi"),
     R("cid@mix365-4.example", "5.7.509", PB, "auth_failure", "multi")], "Exchange Online", "2025", "en")

n = "naver-163-mi-dmc-delayed"
add(n, dsn(n, "MAILER-DAEMON@out.relay4.example (Mail Delivery System)", "Delayed Mail (still being retried)",
           "This is the mail system at host out.relay4.example.\n\n####################################################################\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n####################################################################\n\nYour message could not be delivered for more than 4 hour(s).\nIt will be retried until it is 5 day(s) old.\n\n"
           "<zhangwei@163.com>: host 163mx03.mxmail.netease.com[220.181.12.65] said: 451\n    MI:DMC 163mx03,QsCowEA5sF2bR1RnIuWPAQ--.33113S2 1733561234 Too many\n    connections from the same IP (in reply to RCPT TO command)\n",
           [rc("zhangwei@163.com", "delayed", "4.0.0", "smtp; 451 MI:DMC 163mx03,QsCowEA5sF2bR1RnIuWPAQ--.33113S2 1733561234 Too many connections from the same IP", "dns; 163mx03.mxmail.netease.com")],
           "out.relay4.example", headers_only=True),
    # A delay quoting a rate limit is rate_limited, as in corpus2 (naver-ip-frequency, mailru-ratelimit);
    # written blind as soft_temporary, corrected to the corpora's convention.
    [R("zhangwei@163.com", "4.0.0", RL, "rate_limited", "delayed")], "NetEase 163 (reported by Postfix)", "2025", "en")

# ============================================ plain-text MTAs and old systems
Q_HEAD = ("Hi. This is the qmail-send program at mail.qhost4.example.\n"
          "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
          "This is a permanent error; I've given up. Sorry it didn't work out.\n\n")


def qm(name, addr, diag, golden, version="netqmail 1.06"):
    add(name, plain(name, "MAILER-DAEMON@mail.qhost4.example", "failure notice", Q_HEAD + "<%s>:\n%s\n\n" % (addr, diag), addr,
                    sep="--- Below this line is a copy of the message.\n\n"), golden, "qmail", version, "en")


qm("qmail-chkuser-511", "yan@qtoaster4.example",
   "198.51.100.60 does not like recipient.\nRemote host said: 511 sorry, no mailbox here by that name (#5.1.1 - chkuser)\nGiving up on 198.51.100.60.",
   [R("yan@qtoaster4.example", "5.1.1", H, "user_unknown", "user_unknown")])
qm("qmail-delivered-to-loop", "zed@qhost4.example",
   "This message is looping: it already has my Delivered-To line. (#5.4.6)",
   [R("zed@qhost4.example", "5.4.6", ST, "loop", "loop")])
qm("qmail-sender-rejected", "amy@qstrict4.example",
   "Connected to 198.51.100.61 but sender was rejected.\nRemote host said: 553 sorry, your envelope sender domain has been denied (#5.7.1)",
   [R("amy@qstrict4.example", "5.7.1", PB, "blocked_sender", "policy_sender")])

n = "sendmail-8-14-relaying-denied"
add(n, plain(n, SM_FROM, "Returned mail: see transcript for details",
             "The original message was received at Mon, 7 Dec 2026 08:20:11 GMT\nfrom mta1.brand.example [192.0.2.10]\n\n"
             "   ----- The following addresses had permanent fatal errors -----\n<bram@norelay4.example>\n    (reason: 550 5.7.1 <bram@norelay4.example>... Relaying denied. IP name lookup failed [192.0.2.10])\n\n"
             "   ----- Transcript of session follows -----\n... while talking to mx.norelay4.example.:\n>>> RCPT To:<bram@norelay4.example>\n<<< 550 5.7.1 <bram@norelay4.example>... Relaying denied. IP name lookup failed [192.0.2.10]\n550 5.1.1 <bram@norelay4.example>... User unknown\n",
             "bram@norelay4.example", sep="\n   ----- Original message follows -----\n"),
    [R("bram@norelay4.example", "5.7.1", PB, "relay_denied", "relay_denied")], "Sendmail", "8.14.7", "en")

n = "exim-cpanel-no-such-user-here"
add(n, plain(n, "Mail Delivery System <Mailer-Daemon@server42.cpanelhost4.example>", "Mail delivery failed: returning message to sender",
             "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  cleo@smallbiz4.example\n    host smallbiz4.example [198.51.100.62]\n    SMTP error from remote mail server after RCPT TO:<cleo@smallbiz4.example>:\n    550 No Such User Here\n",
             "cleo@smallbiz4.example", sep="\n------ This is a copy of the message, including all the headers. ------\n\n",
             extra=[("X-Failed-Recipients", "cleo@smallbiz4.example"), ("Auto-Submitted", "auto-replied")]),
    [R("cleo@smallbiz4.example", "", H, "user_unknown", "user_unknown")], "Exim (cPanel)", "4.96", "en")

n = "exchange-2003-plain-unable-to-relay"
add(n, plain(n, "System Administrator <postmaster@ex2003-4.example>", "Undeliverable: Spring sale: 30% off everything",
             "Your message did not reach some or all of the intended recipients.\n\n      Subject:\tSpring sale: 30% off everything\n      Sent:\t12/7/2026 9:14 AM\n\n"
             "The following recipient(s) could not be reached:\n\n      dirk@elsewhere4.example on 12/7/2026 9:20 AM\n"
             "            You do not have permission to send to this recipient.  For assistance, contact your system administrator.\n"
             "            <ex2003-4.example #5.7.1 smtp;550 5.7.1 Unable to relay for dirk@elsewhere4.example>\n",
             "dirk@elsewhere4.example", copy="rfc822", charset="us-ascii"),
    [R("dirk@elsewhere4.example", "5.7.1", PB, "relay_denied", "relay_denied")], "Exchange", "2003", "en")

n = "domino-85-de-nicht-aufgefuehrt"
add(n, plain(n, "Mail Router <postmaster@domino4.example>", "Zustellungsfehlerbericht",
             "Ihr Dokument:\tSpring sale: 30% off everything\nwurde nicht zugestellt an:\tegon@domino4.example\nweil:\tBenutzer egon@domino4.example (egon@domino4.example) ist im Domino-Verzeichnis nicht aufgeführt\n",
             "egon@domino4.example", copy="rfc822", charset="iso-8859-1", cte="quoted-printable"),
    [R("egon@domino4.example", "", H, "user_unknown", "user_unknown")], "IBM Lotus Domino", "8.5.3", "de")

n = "groupwise-mailbox-full"
add(n, plain(n, "postmaster@gw4.example", "Message status - undeliverable",
             "The message that you sent was undeliverable to the following:\n\tfrida@gw4.example (mailbox full)\n\nPossibly truncated original message follows:\n",
             "frida@gw4.example", copy="inline"),
    [R("frida@gw4.example", "", MF, "mailbox_full", "mailbox_full")], "Novell GroupWise", "2014 GWIA", "en")

n = "kerio-connect-remote-user-unknown"
add(n, plain(n, "Mail Delivery System <postmaster@kerio4.example>", "Undelivered mail: Spring sale: 30% off everything",
             "Your message did not reach some or all of the intended recipients.\n\n   Sent:\tMon, 7 Dec 2026 09:14:05 +0100\n   Subject:\tSpring sale: 30% off everything\n\n"
             "The following recipient(s) could not be reached:\n\ngreta@remote-k4.example\n   Error Type: SMTP\n   Remote server 198.51.100.63 (mx.remote-k4.example) issued an error.\n"
             "   hop 2: RCPT TO:<greta@remote-k4.example>, 550 5.1.1 <greta@remote-k4.example>: Recipient address rejected: User unknown in virtual mailbox table\n",
             "greta@remote-k4.example", copy="rfc822"),
    [R("greta@remote-k4.example", "5.1.1", H, "user_unknown", "user_unknown")], "Kerio Connect", "10.0", "en")

n = "mdaemon-de-permanent-mailbox-full"
add(n, plain(n, "MDaemon an md4.example <MDaemon@md4.example>", "Permanenter Zustellungsfehler",
             "Die angehängte Nachricht hatte PERMANENTE schwerwiegende Zustellungsfehler!\n\nNach einem oder mehreren erfolglosen Zustellversuchen wurde die angehängte\nNachricht aus der Warteschlange dieses Servers entfernt.\n\nIHRE NACHRICHT WURDE KEINEM IHRER EMPFÄNGER ZUGESTELLT!\n\n--- Sitzungsprotokoll ---\n"
             " Mo 2026-12-07 09:21:44: Versuche SMTP-Verbindung zu [mx.voll4.example]\n Mo 2026-12-07 09:21:45: --> RCPT To:<hans@voll4.example>\n Mo 2026-12-07 09:21:46: <-- 552 5.2.2 <hans@voll4.example>: Mailbox full\n--- Ende des Protokolls ---\n",
             "hans@voll4.example", copy="rfc822", charset="iso-8859-1", cte="quoted-printable"),
    [R("hans@voll4.example", "5.2.2", MF, "mailbox_full", "mailbox_full")], "MDaemon", "23.0", "de")

n = "google-groups-ko-no-permission"
g = "staff@groups4.example"
add(n, plain(n, "Mail Delivery Subsystem <mailer-daemon@googlemail.com>", "Delivery Status Notification (Failure)",
             "** 메일이 배달되지 않았습니다. **\n\n%s 주소로 메일을 보낼 수 없습니다. 그룹이 존재하지 않거나 그룹에 게시할 권한이 없을 수 있습니다.\n\n응답:\n\n550 5.1.1 %s: 그룹에 게시할 권한이 없습니다\n" % (g, g),
             g, copy="rfc822", charset="utf-8", cte="base64"),
    [R(g, "5.1.1", PB, "posting_not_allowed", "group_permission")], "Google Groups", "2025", "ko")

# ======================================== auto-replies, challenges, not bounces
def auto(name, family, lang, frm, subject, text, extra, golden=None, charset="utf-8", cte="quoted-printable", to=None):
    hdrs = [("Date", DATE), ("From", frm), ("To", to or "News <news@brand.example>"),
            ("Subject", ew(subject, "utf-8")), ("Message-ID", "<%s.auto@responder.example>" % ids(name)[0][:10])] + list(extra)
    hdrs.append(("Content-Transfer-Encoding", cte))
    add(name, message(hdrs, "text/plain; charset=" + charset, enc_body(text, charset, cte)),
        golden or [R("", "", AR, "auto_reply", "auto_reply", has_ids=False)], family, "n/a", lang)


auto("autoreply-address-no-longer-in-use", "Outlook rule", "en", "Priya Nair <priya@oldjob4.example>", "Automatic reply: Spring sale: 30% off everything",
     "This email address is no longer in use. Please update your records and write to priya.nair@newjob4.example instead.\n\nMessages sent to this address are not read or forwarded.\n",
     [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All")])
auto("autoreply-ja-fuzai", "Japanese groupware auto-responder", "ja", "Sato <sato@kaisha4.example>", "不在のお知らせ: Spring sale",
     "誠に勝手ながら、12月7日から12月11日まで出張のため不在にしております。\n期間中はメールの確認ができません。ご了承ください。\n",
     [("X-Autoreply", "yes")], charset="iso-2022-jp", cte="7bit")
auto("autoreply-vacation-says-mailbox-full", "Exchange OOF (no Auto-Submitted)", "en", "Mark Otto <mark@firm4.example>", "Automatic reply: Spring sale: 30% off everything",
     "Thank you for your email. I am on annual leave until 4 January and my mailbox may be full when I return; if your message is urgent please contact office@firm4.example.\n",
     [("X-MS-Exchange-Inbox-Rules-Loop", "mark@firm4.example")])
auto("autoreply-fr-absence-no-header", "Webmail responder", "fr", "Claire Martin <claire@cabinet4.example>", "Absence : Spring sale: 30% off everything",
     "Bonjour,\n\nJe suis absente jusqu'au 14 décembre inclus. Pour toute urgence, merci de contacter le secrétariat au 01 23 45 67 89.\n\nCordialement,\nClaire Martin\n",
     [])
auto("challenge-tmda-confirmation", "TMDA", "en", "Leo Park <leo-confirm-1733561234.1a2b3c@tmda4.example>", "Please confirm your message (Spring sale: 30% off everything)",
     "This message was created automatically by mail delivery software (TMDA).\n\nYour message attached below is being held because the address\n<news@brand.example> has not been verified.\n\nTo release your message for delivery, please send an empty message\nto the following address, or use your mailer's \"Reply\" feature.\n\n   leo-confirm-1733561234.1a2b3c@tmda4.example\n\nThis confirmation verifies that your message is legitimate and not\njunk-mail. You should only have to confirm your address once.\n",
     [("Auto-Submitted", "auto-replied"), ("Precedence", "bulk")])
auto("challenge-choicemail", "ChoiceMail", "en", "ChoiceMail <noreply@choicemail4.example>", "Your email to mia@home4.example requires verification",
     "Hello,\n\nI am using ChoiceMail, a program that only lets through email from senders I know. Your message to mia@home4.example is waiting in a holding area.\n\nTo have it delivered, please visit the page below and type the code you see:\n\nhttps://choicemail4.example/register?id=6bd2f1\n\nYou will only need to do this once.\n",
     [("Precedence", "bulk")])
auto("ticket-ack-de-freshdesk", "Freshdesk", "de", "Kundenservice <support@shop4.example>", "Ticket erhalten - Spring sale: 30% off everything",
     "Hallo,\n\nvielen Dank für Ihre Anfrage. Dies ist eine automatische Bestätigung: Ihr Ticket #48213 wurde erstellt und wird von unserem Team bearbeitet. Wir melden uns innerhalb von 24 Stunden.\n\nIhr Kundenservice\n",
     [("Auto-Submitted", "auto-generated")])
auto("human-reply-mentions-delivery-failure", "a customer's reply", "en", "Tom Bell <tom@home5-4.example>", "Re: Spring sale: 30% off everything",
     "Hi,\n\nDo you ship to Austria? Last time my parcel came back with \"delivery failed, address unknown\" from the courier even though the address was right.\n\nThanks,\nTom\n\nOn Mon, 16 Nov 2026 at 09:14, Brand News <news@brand.example> wrote:\n> Our spring sale starts today\n",
     [("In-Reply-To", "<%s.7c1e55aa@mta1.brand.example>" % ids("human-reply-mentions-delivery-failure")[0])],
     golden=[R("", "", OT, "unclassified", "not_bounce", has_ids=False)])

# List-Unsubscribe mailto (RFC 2369) replies: the unsubscriber is the sender.
qid = ids("gmail-mailto-unsubscribe")[0]
n = "gmail-mailto-unsubscribe"
add(n, message([("Date", DATE), ("From", "Nora Quinn <nora.quinn@gmail.com>"), ("To", "u.Qm9vVW5z%s@%s" % (qid[:6], VERP_DOMAIN)),
                ("Subject", "Unsubscribe"), ("Message-ID", "<CAF%s@mail.gmail.com>" % qid), ("Content-Transfer-Encoding", "7bit")],
               "text/plain; charset=\"UTF-8\"", "This message was automatically generated by Gmail.\n"),
    [R("nora.quinn@gmail.com", "", OT, "opt_out", "unsubscribe", has_ids=False)], "Gmail List-Unsubscribe mailto", "2025", "en")
n = "outlook-mailto-unsubscribe-empty"
qid = ids(n)[0]
add(n, message([("Date", DATE), ("From", "Omar <omar.f@outlook.com>"), ("To", "<u.Qm9vVW5z%s@%s>" % (qid[:6], VERP_DOMAIN)),
                ("Subject", "unsubscribe"), ("Message-ID", "<PAXP192MB%s@PAXP192MB.EURP192.PROD.OUTLOOK.COM>" % qid),
                ("Content-Transfer-Encoding", "7bit")], "text/plain; charset=\"us-ascii\"", "\n"),
    [R("omar.f@outlook.com", "", OT, "opt_out", "unsubscribe", has_ids=False)], "Outlook.com List-Unsubscribe mailto", "2025", "en")
n = "person-writes-remove-me"
qid = ids(n)[0]
add(n, message([("Date", DATE), ("From", "Pat Reed <pat.reed@yahoo.com>"), ("To", "u.Qm9vVW5z%s@%s" % (qid[:6], VERP_DOMAIN)),
                ("Subject", "Unsubscribe from Brand News"), ("Message-ID", "<1733.%s@yahoo.com>" % qid),
                ("Content-Transfer-Encoding", "7bit")], "text/plain; charset=us-ascii",
               "Please remove me from your mailing list.\n\nSent from Yahoo Mail for iPhone\n"),
    [R("pat.reed@yahoo.com", "", OT, "opt_out", "unsubscribe", has_ids=False)], "Yahoo Mail user, mailto unsubscribe", "2025", "en")


# ================================================================ feedback
def arf(name, ftype_line, rcpt_line, ua, family, golden, human="This is an email abuse report for an email message received from IP 192.0.2.10.\n",
        fr_cte=None, fr_ct="message/feedback-report", orig_extra="", orig_to=None):
    rep = ("%sUser-Agent: %s\nVersion: 1\nOriginal-Mail-From: <%s@%s>\n%sArrival-Date: Mon, 07 Dec 2026 08:14:05 +0000\nSource-IP: 192.0.2.10\nReported-Domain: brand.example\n"
           % (ftype_line, ua, ids(name)[1], VERP_DOMAIN, rcpt_line))
    if fr_cte == "base64":
        rep = enc_body(rep, "us-ascii", "base64")
    ct, body = multipart("report", [text_part(human), part(fr_ct, rep, cte=fr_cte),
                                    part("message/rfc822", original(name, orig_to or "redacted@fbl4.example", extra=orig_extra))],
                         "arf_" + ids(name)[0], params=" report-type=feedback-report;")
    add(name, message([("Date", DATE), ("From", "FBL <fbl@%s>" % (family.split()[0].lower() + "4.example")), ("To", "fbl@brand.example"),
                       ("Subject", "FW: Spring sale: 30% off everything"), ("Message-ID", "<%s.arf@fbl4.example>" % ids(name)[0][:10])], ct, body),
        golden, family, "2025", "en")


arf("arf-jmrp-xmr-recipient-only", "Feedback-Type: abuse\n", "", "Microsoft Junk Mail Reporting Program", "Microsoft JMRP",
    [R("ivy.l@hotmail.com", "", CO, "abuse", "arf_abuse", ft="abuse")], orig_extra="X-HmXmrOriginalRecipient: <ivy.l@hotmail.com>\n",
    orig_to="ivy.l@hotmail.com")
arf("arf-base64-feedback-report", "Feedback-Type: abuse\n", "Original-Rcpt-To: <jo.b@comcast.net>\n", "Comcast Feedback Loop (V0.01)", "Comcast FBL",
    [R("jo.b@comcast.net", "", CO, "abuse", "arf_abuse", ft="abuse")], fr_cte="base64", orig_to="jo.b@comcast.net")
arf("arf-uppercase-type-yahoo", "Feedback-Type: Abuse\n", "Original-Rcpt-To: kai.m@yahoo.com\n", "Yahoo!-Mail-Feedback/2.0", "Yahoo CFL",
    [R("kai.m@yahoo.com", "", CO, "abuse", "arf_abuse", ft="abuse")], orig_to="kai.m@yahoo.com")
arf("arf-report-part-text-plain", "Feedback-Type: abuse\n", "Original-Rcpt-To: <lou@mail-fbl4.example>\n", "Mail.Ru FBL", "Mail.ru FBL",
    [R("lou@mail-fbl4.example", "", CO, "abuse", "arf_abuse", ft="abuse")], fr_ct="text/plain; charset=us-ascii", orig_to="lou@mail-fbl4.example")

n = "spamcop-report-non-arf"
qid, verp = ids(n)
txt = ("[ SpamCop V5.4.0 ]\nThis message is brief for your comfort.  Please use links below for details.\n\n"
       "Email from 192.0.2.10 / Mon, 7 Dec 2026 08:14:05 +0000\nhttps://www.spamcop.net/sc?id=z7412345678z0a1b2c3d4e5f6a7b8c9d0e1f2a3b4z\n\n"
       "[ Offending message ]\n") + original(n, "x").replace("To: x\n", "To: x\n")
add(n, message([("Date", DATE), ("From", "SpamCop <spamcop@reports.spamcop.example>"), ("To", "abuse@brand.example"),
                ("Subject", "[SpamCop (https://t.brand.example/c/Xy12Ab) id:7412345678]Spring sale: 30% off everything"),
                ("Message-ID", "<rid_7412345678@msgid.spamcop.example>"), ("Content-Transfer-Encoding", "7bit")], "text/plain; charset=us-ascii", txt),
    [R("", "", CO, "abuse", "complaint")], "SpamCop user report", "5.4.0", "en")



# ================================================================ wave 2
# Written blind after wave 1's fixes, to measure how far they generalise.
n = "courier-dsn-failed-and-delayed-full"
add(n, dsn(n, "Courier mail server at mx.courier4.example <@>", "NOTICE: mail delivery status.",
           "This is a delivery status notification from mx.courier4.example,\nrunning the Courier mail server, version 1.1.8.\n\nThe original message was received on Mon, 07 Dec 2026 08:20:11 +0000\nfrom mta1.brand.example [192.0.2.10]\n\n"
           "---------------------------------------------------------------------------\n\n                        UNDELIVERABLE MAIL\n\nYour message to the following recipients cannot be delivered:\n\n<kurt@courier4.example>:\n    mx.courier4.example [198.51.100.70]:\n>>> RCPT TO:<kurt@courier4.example>\n<<< 550 5.1.1 <kurt@courier4.example>: unknown user\n\n"
           "                        DELAYED MAIL\n\nYour message to the following recipients has not been delivered yet:\n\n<lina@courier4.example>:\n    mx.courier4.example [198.51.100.70]:\n<<< 452 4.2.2 <lina@courier4.example>: mailbox is full\n\nDelivery attempts will continue.\n",
           [rc("kurt@courier4.example", "failed", "5.1.1", "smtp; 550 5.1.1 <kurt@courier4.example>: unknown user", "dns; mx.courier4.example"),
            rc("lina@courier4.example", "delayed", "4.2.2", "smtp; 452 4.2.2 <lina@courier4.example>: mailbox is full", "dns; mx.courier4.example")],
           "mx.courier4.example"),
    [R("kurt@courier4.example", "5.1.1", H, "user_unknown", "multi"), R("lina@courier4.example", "4.2.2", MF, "mailbox_full", "multi")], "Courier", "1.1.8", "en")

n = "exchange-2007-fr-auth-required-group"
add(n, dsn(n, "Administrateur système <postmaster@societe2007.example>", "Non remis : Spring sale: 30% off everything",
           "La remise à ces destinataires ou listes de distribution a échoué :\n\ndirection@societe2007.example\nVous n'êtes pas autorisé à envoyer un message à ce destinataire. Pour obtenir de l'aide, contactez votre administrateur système.\n\n\n\nInformations de diagnostic pour les administrateurs :\n\nServeur de génération : EX07.societe2007.example\n\ndirection@societe2007.example\n#550 5.7.1 RESOLVER.RST.AuthRequired; authentication required ##\n",
           [rc("direction@societe2007.example", "failed", "5.7.1", "smtp;550 5.7.1 RESOLVER.RST.AuthRequired; authentication required", None)],
           "EX07.societe2007.example", charset="iso-8859-1", cte="quoted-printable"),
    [R("direction@societe2007.example", "5.7.1", PB, "posting_not_allowed", "group_permission")], "Exchange", "2007 SP3", "fr")

n = "italian-cassetta-postale-piena"
add(n, plain(n, "Mail Delivery System <postmaster@posta-it4.example>", "Notifica di mancato recapito",
             "Il messaggio non è stato recapitato al seguente destinatario:\n\n  giorgio@posta-it4.example\n\nLa cassetta postale del destinatario è piena. Riprovare più tardi.\n",
             "giorgio@posta-it4.example", copy="rfc822", charset="iso-8859-1", cte="quoted-printable"),
    [R("giorgio@posta-it4.example", "", MF, "mailbox_full", "language")], "Italian hoster", "n/a", "it")

prov("gmail-452-out-of-storage-expired", "Gmail", "gmail-smtp-in.l.google.com", "mona.z@gmail.com",
     "452-4.2.2 The recipient's inbox is out of storage space. Please direct the\n452-4.2.2 recipient to\n452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp 98e67ed59e1d1-2ef2d1234si1234.12 - gsmtp",
     "4.2.2", MF, "mailbox_full", "mailbox_full")
prov("proton-address-does-not-exist", "Proton Mail", "mail.protonmail.ch", "neo.p@proton.me",
     "550 5.1.1 Address does not exist", "5.1.1", H, "user_unknown", "user_unknown")
prov("fastmail-account-disabled", "Fastmail", "in1-smtp.messagingengine.com", "opal.f@fastmail.com",
     "550 5.2.1 <opal.f@fastmail.com>: This account is disabled", "5.2.1", ST, "mailbox_disabled", "account_disabled")
prov("exim-spamcop-black-list", "Exim receiver", "mx.spamcop-user4.example", "paul@spamcop-user4.example",
     "550 Rejected because 192.0.2.10 is in a black list at bl.spamcop.net", "", PB, "blocked_ip", "policy_ip", cmd="MAIL FROM")
prov("postfix-recipient-access-denied", "Postfix receiver (check_recipient_access)", "mx.acl4.example", "rita@acl4.example",
     "554 5.7.1 <rita@acl4.example>: Recipient address rejected: Access denied", "5.7.1", PB, "policy", "policy")
prov("gmail-5-7-26-unauthenticated-2024", "Gmail", "gmail-smtp-in.l.google.com", "sara.k@gmail.com",
     "550-5.7.26 This mail has been blocked because the sender is unauthenticated.\n550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.\n550-5.7.26\n550-5.7.26  Authentication results:\n550-5.7.26  DKIM = did not pass\n550-5.7.26  SPF [brand.example] with ip: [192.0.2.10] = did not pass\n550 5.7.26  https://support.google.com/mail/answer/81126#authentication 5b1f17b1804b1-4361234si12.5 - gsmtp",
     "5.7.26", PB, "auth_failure", "policy_auth", cmd="end of DATA")
prov("sendmail-5-1-8-sender-domain", "Sendmail receiver", "mail.checker4.example", "theo@checker4.example",
     "553 5.1.8 <b.x@bounces.brand.example>... Domain of sender address b.x@bounces.brand.example does not exist",
     "5.1.8", PB, "blocked_sender", "policy_sender", cmd="MAIL FROM")

n = "strato-de-postfach-existiert-nicht"
add(n, plain(n, "Mailer-Daemon <MAILER-DAEMON@strato4.example>", "Unzustellbare Nachricht",
             "Dies ist eine automatisch erzeugte Nachricht des Mailsystems.\n\nIhre Nachricht konnte nicht an folgenden Empfänger zugestellt werden:\n\n  udo@strato4.example\n\nFehler: Das Postfach des Empfängers existiert nicht.\n",
             "udo@strato4.example", copy="rfc822", charset="iso-8859-15", cte="quoted-printable"),
    [R("udo@strato4.example", "", H, "user_unknown", "language")], "German hoster", "n/a", "de")

n = "japanese-x-sjis-label-quota"
add(n, plain(n, "MAILER-DAEMON@keitai4.example", "メール配信エラー",
             "以下のアドレスへのメールは配信できませんでした。\n\n  hana@keitai4.example\n\n理由：メールボックスの容量を超えているため受信できません。\n",
             "hana@keitai4.example", copy="rfc822", charset="shift_jis", cte="base64", subj_charset="utf-8").replace("charset=shift_jis", "charset=x-sjis"),
    [R("hana@keitai4.example", "", MF, "mailbox_full", "charset")], "Japanese carrier (x-sjis label)", "n/a", "ja")

n = "gb18030-mailbox-address-missing"
add(n, plain(n, "postmaster@corp-cn4.example", "退信通知",
             "您发送的邮件未能投递到以下收件人：\n\n  zhao@corp-cn4.example\n\n原因：该邮箱地址不存在，请核对后重新发送。\n",
             "zhao@corp-cn4.example", copy="rfc822", charset="gb18030", cte="base64", subj_charset="gb18030"),
    [R("zhao@corp-cn4.example", "", H, "user_unknown", "charset")], "Chinese corporate gateway", "n/a", "zh")

n = "naver-ko-recipient-missing"
add(n, plain(n, "MAILER-DAEMON@naver4.example", "메일 전송 실패",
             "메일을 보낼 수 없습니다.\n\n  sujin@naver4.example\n\n수신자가 존재하지 않습니다. 메일 주소를 확인해 주세요.\n",
             "sujin@naver4.example", copy="rfc822", charset="euc-kr", cte="base64", subj_charset="euc-kr"),
    [R("sujin@naver4.example", "", H, "user_unknown", "charset")], "Korean provider", "n/a", "ko")

n = "mailru-ru-yashchik-zablokirovan"
add(n, plain(n, "Mail Delivery System <mailer-daemon@corp.mail4.example>", "Сообщение не доставлено",
             "Сообщение не было доставлено получателю:\n\n  pavel@mail4.example\n\nПричина: почтовый ящик получателя заблокирован.\n",
             "pavel@mail4.example", copy="rfc822", charset="windows-1251", cte="quoted-printable", subj_charset="utf-8"),
    [R("pavel@mail4.example", "", ST, "mailbox_disabled", "account_disabled")], "Russian provider", "n/a", "ru")

n = "polish-delay-jeszcze-nie-dostarczona"
add(n, plain(n, "Poczta <mailer-daemon@poczta-pl4.example>", "Opóźnienie dostarczenia wiadomości",
             "Wiadomość nie została jeszcze dostarczona do adresata:\n\n  marek@odbiorca-pl4.example\n\nSerwer odbiorcy nie odpowiada. Kolejne próby dostarczenia będą podejmowane przez 4 dni. Nie musisz ponownie wysyłać wiadomości.\n",
             "marek@odbiorca-pl4.example", copy=None, charset="iso-8859-2", cte="quoted-printable", subj_charset="iso-8859-2"),
    [R("marek@odbiorca-pl4.example", "", ST, "delayed", "delayed", has_ids=False)], "Polish provider", "n/a", "pl")

n = "exchange-2013-fr-remise-retardee"
add(n, dsn(n, "Microsoft Outlook <postmaster@societe2013.example>", "Remise retardée : Spring sale: 30% off everything",
           "La remise est retardée pour ces destinataires ou groupes :\n\nyves@lent4.example\n\nObjet : Spring sale: 30% off everything\n\nCe message n'a pas encore été remis. Nous allons continuer d'essayer de le remettre.\n",
           [rc("yves@lent4.example", "delayed", "4.4.7", "smtp;400 4.4.7 Message delayed", None)], "EX13.societe2013.example",
           headers_only=True, charset="utf-8", cte="quoted-printable"),
    [R("yves@lent4.example", "4.4.7", ST, "delayed", "delayed")], "Exchange", "2013 CU23", "fr")

n = "mimecast-451-delayed"
add(n, dsn(n, "MAILER-DAEMON@out.relay4.example (Mail Delivery System)", "Delayed Mail (still being retried)",
           "This is the mail system at host out.relay4.example.\n\n####################################################################\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n####################################################################\n\n"
           "<zoe.m@mc-cust5.example>: host eu-smtp-inbound-2.mimecast.com[195.130.217.1] said:\n    451 Internal resource temporarily unavailable -\n    https://community.mimecast.com/docs/DOC-1369#451 (in reply to RCPT TO command)\n",
           [rc("zoe.m@mc-cust5.example", "delayed", "4.0.0", "smtp; 451 Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451", "dns; eu-smtp-inbound-2.mimecast.com")],
           "out.relay4.example", headers_only=True),
    [R("zoe.m@mc-cust5.example", "4.0.0", ST, "delayed", "delayed")], "Mimecast (reported by Postfix)", "2025", "en")

auto("autoreply-es-respuesta-automatica", "Exchange OOF", "es", "Carmen Ruiz <carmen@empresa-es4.example>", "Respuesta automática: Spring sale: 30% off everything",
     "Gracias por su mensaje. Estaré fuera de la oficina hasta el 9 de diciembre con acceso limitado al correo.\n", [])
auto("autoreply-left-the-company", "Outlook rule", "en", "Dan Hill <dan.hill@corp-left4.example>", "Re: Spring sale: 30% off everything",
     "Dan Hill is no longer with Corp Left. Your email has not been forwarded.\n\nFor sales enquiries please contact sales@corp-left4.example.\n",
     [("X-Auto-Response-Suppress", "All")])
auto("mailman-held-for-moderation", "GNU Mailman", "en", "members-owner@lists4.example", "Your message to Members awaits moderator approval",
     "Your mail to 'Members' with the subject\n\n    Spring sale: 30% off everything\n\nIs being held until the list moderator can review it for approval.\n\nThe reason it is being held:\n\n    Post by non-member to a members-only list\n\nEither the message will get posted to the list, or you will receive\nnotification of the moderator's decision.\n",
     [("Precedence", "bulk"), ("List-Id", "<members.lists4.example>")])

n = "qmail-de-keine-mailbox"
add(n, plain(n, "MAILER-DAEMON@mail.qmail-de4.example", "failure notice",
             "Hallo, hier ist das qmail-send Programm von mail.qmail-de4.example.\nLeider konnte ich Ihre Nachricht nicht an folgende Adresse(n) ausliefern.\nDies ist ein dauerhafter Fehler; ich habe aufgegeben.\n\n<vera@qmail-de4.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n",
             "vera@qmail-de4.example", sep="--- Unterhalb dieser Zeile ist eine Kopie der Nachricht.\n\n", charset="iso-8859-1", cte="8bit"),
    [R("vera@qmail-de4.example", "5.1.1", H, "user_unknown", "user_unknown")], "qmail (German patch)", "1.03", "de")

n = "postfix-lf-only-display-name-recipient"
r = rc("wendy@lf4.example", "failed", "5.1.1", "smtp; 550 5.1.1 <wendy@lf4.example>: Recipient address rejected: User unknown in local recipient table", "dns; mx.lf4.example", orig=False)
raw = dsn(n, "MAILER-DAEMON@out.relay4.example (Mail Delivery System)", "Undelivered Mail Returned to Sender",
          PF_HEAD + "<wendy@lf4.example>: host mx.lf4.example[198.51.100.77] said: 550 5.1.1\n    <wendy@lf4.example>: Recipient address rejected: User unknown in local\n    recipient table (in reply to RCPT TO command)\n",
          [r], "out.relay4.example")
raw = raw.replace("Final-Recipient: rfc822; wendy@lf4.example", 'Final-Recipient: RFC822; "Wendy Lee" <wendy@lf4.example>')
add(n, raw, [R("wendy@lf4.example", "5.1.1", H, "user_unknown", "structure")], "Postfix, stored with LF line ends", "3.6", "en", crlf_lines=False)

n = "forwarded-arf-from-esp-abuse-desk"
inner_name = n
rep = ("Feedback-Type: abuse\nUser-Agent: Yahoo!-Mail-Feedback/2.0\nVersion: 1\nOriginal-Mail-From: <%s@%s>\nOriginal-Rcpt-To: <abby.r@yahoo.com>\nArrival-Date: Mon, 07 Dec 2026 08:14:05 +0000\nSource-IP: 192.0.2.10\n" % (ids(n)[1], VERP_DOMAIN))
ict, ibody = multipart("report", [text_part("This is an email abuse report for an email message received from IP 192.0.2.10.\n"),
                                  part("message/feedback-report", rep),
                                  part("message/rfc822", original(n, "abby.r@yahoo.com"))], "iarf_" + ids(n)[0], params=" report-type=feedback-report;")
inner = message([("Date", DATE), ("From", "Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.com>"), ("To", "abuse@esp4.example"),
                 ("Subject", "Abuse Report"), ("Message-ID", "<arf1@yahoo.example>")], ict, ibody)
ct, body = multipart("mixed", [text_part("Hi,\n\nForwarding this complaint about your sending; please suppress the address.\n\n-- \nESP abuse desk\n"),
                               part("message/rfc822", inner)], "fw_" + ids(n)[0])
add(n, message([("Date", DATE), ("From", "ESP Abuse Desk <abuse@esp4.example>"), ("To", "postmaster@brand.example"),
                ("Subject", "Fwd: Abuse Report"), ("Message-ID", "<fw1@esp4.example>")], ct, body),
    [R("abby.r@yahoo.com", "", CO, "abuse", "arf_abuse", ft="abuse")], "ESP abuse desk forwarding a Yahoo ARF", "2025", "en")

n = "subject-unknown-8bit-encoded-word"
raw = plain(n, "Mail Delivery System <MAILER-DAEMON@mx.odd4.example>", "Mail delivery failed: returning message to sender",
            "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  xena@odd4.example\n    host mx.odd4.example [198.51.100.78]\n    SMTP error from remote mail server after RCPT TO:<xena@odd4.example>:\n    550 5.1.1 <xena@odd4.example>: mailbox unavailable, user does not exist\n",
            "xena@odd4.example", sep="\n------ This is a copy of the message, including all the headers. ------\n\n",
            extra=[("X-Failed-Recipients", "xena@odd4.example")])
raw = raw.replace("Subject: Mail delivery failed: returning message to sender", "Subject: =?unknown-8bit?Q?Mail_delivery_failed=3A_returning_message_to_sender_=E2=80=94?=")
add(n, raw, [R("xena@odd4.example", "5.1.1", H, "user_unknown", "structure")], "Exim behind a header-mangling gateway", "4.96", "en")


# ------------------------------------------------------------------ README
README_HEAD = """# corpus4: returned mail written blind, with hand-written golden results

%(n)d messages, %(rows)d expected recipient results, written by the bounces
engineer in session 5 before any rule was changed for them (the blind
measurement is in corpus4_test.go). They aim at what corpus2 and corpus3
hold least of: odd MIME (a delivery-status part labelled text/plain or
base64-encoded, a report boundary whose fold was lost, mail without MIME,
HTML under a text/plain label, an Exchange notice only in winmail.dat),
charsets without a label or under Microsoft's names, mixed actions in one
DSN (failed, delayed, relayed, expanded), gateways and providers in their
own words, List-Unsubscribe mailto mail, challenges and auto-replies that
use bounce words, and complaint reports in loose formats. `gen4.py`
writes both (byte helpers from `../corpus2/lib.py`); to change a message,
edit it and run `python3 gen4.py`.

The JSON and the judgement calls are corpus2's and corpus3's (see
../corpus2/README.md). Mail to a List-Unsubscribe mailto address is an
unsubscribe (class `other`, reason `opt_out`) whose recipient is its
sender; an auto-reply saying the address is no longer used is still an
auto-reply (the address received it); "552 Quota exceeded or service
disabled" (QQ) is read as mailbox full.

| file | MTA / provider imitated | version | language | kind | expected classes |
|---|---|---|---|---|---|
"""


W.readme(README_HEAD)
print(len(MSGS), "messages")
