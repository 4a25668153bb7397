"""Writes corpus8: NAME.eml and NAME.json, and README.md's file table.

corpus8 was written blind by the returns engineer of session 8
(bounces8), before the rule tables were read and before any rule was
changed for it, from memory of how each provider words its replies today.
It aims at what corpora 1 to 7 held least: the synchronous SMTP replies of
the big mailbox providers as they read now (Gmail, Outlook.com/Exchange
Online, Yahoo/AOL, iCloud, Comcast, Orange, GMX/Web.de, Mail.ru, Yandex,
QQ, Zoho, Proton, Fastmail), quota against disabled against closed for
good, 4xx rate limits, DMARC/SPF/DKIM refusals, reverse-DNS refusals,
size refusals, relay refusals, recipient-domain DNS failures (NXDOMAIN,
no MX, null MX), greylisting, and look-alikes (auto-replies quoting error
codes, helpdesk tickets, newsletters about delivery failures). Every golden
result is written by hand from what the notice means under the class
contract, never from the classifier's output. Run `python3 gen8.py` here
after editing. Byte helpers come from ../corpus2/lib.py.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "corpus2"))
from lib import (H, MF, PB, RL, SB, ST, R, message, part, rc)  # noqa: E402

import lib  # noqa: E402

DATE = "Mon, 07 Dec 2026 23:02:17 +0000"

W, MSGS, add, top, dsn, plain = lib.setup(HERE, DATE)

WAVE2, w2 = W.wave2, W.w2


import notices  # noqa: E402 (corpus2/notices.py: the builders corpora 7 and 8 share)

K = notices.kit(W, 8, DATE)
PF_HEAD, PF_FROM, EXIM_HEAD, EXCH_HDRS = K.PF_HEAD, K.PF_FROM, K.EXIM_HEAD, K.EXCH_HDRS
pf, pfx, exim, ndr, rdsn, report, exch, auto, human = K.pf, K.pfx, K.exim, K.ndr, K.rdsn, K.report, K.exch, K.auto, K.human


# ============================================================ Gmail
G = "gmail-smtp-in.l.google.com"
pf("gmail-550-5-1-1-nosuchuser-2025", "Gmail (2025 wording)", G, "ann.nobody@gmail8.example",
   "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
   "550-5.1.1 double-checking the recipient's email address for typos or\n"
   "550-5.1.1 unnecessary spaces. For more information, go to\n"
   "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 5b1f17b1804b1-43b2f1a2c3dsi4567895e9.123 - gsmtp",
   "5.1.1", H, "user_unknown", "user_unknown", version="2025")
pf("gmail-452-4-2-2-over-quota", "Gmail (recipient over storage)", G, "bob.full@gmail8.example",
   "452-4.2.2 The recipient's inbox is out of storage space. Please direct the\n"
   "452-4.2.2 recipient to\n"
   "452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp d9443c01a7336-2ee4a1b2c3dsi12345.67 - gsmtp",
   "4.2.2", MF, "mailbox_full", "mailbox_full", version="2025")
pf("gmail-552-5-2-2-over-quota-perm", "Gmail (inbox out of storage, permanent)", G, "cy.full@gmail8.example",
   "552-5.2.2 The recipient's inbox is out of storage space and inactive. Please\n"
   "552-5.2.2 direct the recipient to\n"
   "552 5.2.2  https://support.google.com/mail/?p=OverQuotaPerm 2adb3069b0e04-53e1a2b3c4dsi123.45 - gsmtp",
   "5.2.2", MF, "mailbox_full", "mailbox_full", version="2025")
pf("gmail-421-4-7-28-rate-ip", "Gmail (4.7.28 unsolicited rate)", G, "dee@gmail8.example",
   "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating\n"
   "421-4.7.28 from your IP address [192.0.2.10]. To protect our users from spam,\n"
   "421-4.7.28 mail sent from your IP address has been temporarily rate limited.\n"
   "421-4.7.28 For more information, go to\n"
   "421 4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError 41be03b00d2f7-7fd1a2b3c4si12 - gsmtp",
   "4.7.28", RL, "rate_limited", "rate", cmd="end of DATA", version="2025")
pf("gmail-550-5-7-26-dmarc-2024", "Gmail (5.7.26 DMARC, 2024)", G, "eve@gmail8.example",
   "550-5.7.26 Unauthenticated email from brand.example is not accepted due to\n"
   "550-5.7.26 domain's DMARC policy. Please contact the administrator of\n"
   "550-5.7.26 brand.example domain if this was a legitimate mail. To learn about\n"
   "550-5.7.26 the DMARC initiative, go to\n"
   "550 5.7.26  https://support.google.com/mail/?p=DmarcRejection 5b1f17b1804b1-4361a2si1.2 - gsmtp",
   "5.7.26", PB, "auth_failure", "policy_auth", cmd="end of DATA", version="2025")
pf("gmail-550-5-7-25-no-ptr", "Gmail (5.7.25 no PTR)", G, "fay@gmail8.example",
   "550-5.7.25 [192.0.2.10] The IP address sending this message does not have a\n"
   "550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not\n"
   "550-5.7.25 point to the sending IP. As a policy, Gmail does not accept messages\n"
   "550-5.7.25 from IPs with missing PTR records. For more information, go to\n"
   "550 5.7.25  https://support.google.com/mail/answer/81126#ip-practices d2e1a72fcca58-72a1b2si3.4 - gsmtp",
   "5.7.25", PB, "blocked_ip", "policy_ip", version="2025")
pf("gmail-552-5-2-3-size", "Gmail (5.2.3 size)", G, "gus@gmail8.example",
   "552-5.2.3 Your message exceeded Google's message size limits. For more\n"
   "552-5.2.3 information, go to\n"
   "552 5.2.3  https://support.google.com/mail/?p=MaxSizeError 00721157ae682-2f1a2b3si5.6 - gsmtp",
   "5.2.3", SB, "message_too_large", "size", cmd="end of DATA", version="2025")
pf("gmail-421-4-7-0-unauthenticated-gave-up", "Gmail (4.7.0 unauthenticated, gave up)", G, "hal@gmail8.example",
   "421-4.7.0 This mail has been rate limited because it is unauthenticated.\n"
   "421-4.7.0 Gmail requires all senders to authenticate with either SPF or DKIM.\n"
   "421-4.7.0  Authentication results:\n421-4.7.0  DKIM = did not pass\n"
   "421-4.7.0  SPF [brand.example] with ip: [192.0.2.10] = did not pass\n"
   "421 4.7.0  For instructions on setting up authentication, go to https://support.google.com/mail/answer/81126#authentication - gsmtp",
   "4.7.0", PB, "auth_failure", "policy_auth", cmd="end of DATA", version="2025")
pf("gmail-550-5-7-1-spam-content", "Gmail (5.7.1 likely unsolicited)", G, "ida@gmail8.example",
   "550-5.7.1 [192.0.2.10] Gmail has detected that this message is likely\n"
   "550-5.7.1 unsolicited mail. To reduce the amount of spam sent to Gmail, this\n"
   "550-5.7.1 message has been blocked. For more information, go to\n"
   "550 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError a1si2.3 - gsmtp",
   "5.7.1", SB, "blocked_content", "content", cmd="end of DATA", version="2025")
pf("gmail-550-5-7-1-ip-reputation", "Gmail (5.7.1 IP reputation)", G, "jon@gmail8.example",
   "550-5.7.1 [192.0.2.10      12] Our system has detected that this message is\n"
   "550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\n"
   "550-5.7.1 this message has been blocked. Please visit\n"
   "550-5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError\n"
   "550 5.7.1  for more information. a1si3.4 - gsmtp",
   "5.7.1", SB, "blocked_content", "content", cmd="end of DATA", version="2025")
pf("gmail-workspace-5-2-1-disabled", "Google Workspace (user suspended)", "aspmx.l.google.com", "kim@workspace8.example",
   "550-5.2.1 The email account that you tried to reach is disabled. For more\n"
   "550-5.2.1 information, go to\n"
   "550 5.2.1  https://support.google.com/mail/?p=DisabledUser b2si4.5 - gsmtp",
   "5.2.1", ST, "mailbox_disabled", "account_disabled", version="2025")
pf("gmail-450-4-2-1-user-receiving-fast", "Gmail (4.2.1 receiving too fast, gave up)", G, "lou@gmail8.example",
   "450-4.2.1 The user you are trying to contact is receiving mail at a rate that\n"
   "450-4.2.1 prevents additional messages from being delivered. Please resend your\n"
   "450-4.2.1 message at a later time. If the user is able to receive mail at that\n"
   "450-4.2.1 time, your message will be delivered. For more information, go to\n"
   "450 4.2.1  https://support.google.com/mail/?p=ReceivingRate c3si5.6 - gsmtp",
   "4.2.1", RL, "rate_limited", "rate", version="2025")
pf("gmail-550-5-7-1-relay-not-permitted", "Google Workspace (relay not permitted)", "smtp-relay.gmail.com", "max@partner8.example",
   "550-5.7.1 Invalid credentials for relay [192.0.2.10]. The IP address you've\n"
   "550-5.7.1 registered in your Workspace SMTP Relay service doesn't match the domain of\n"
   "550-5.7.1 the account this email is being sent from. If you are trying to relay\n"
   "550 5.7.1 mail from a domain that isn't registered under your Workspace account - gsmtp",
   "5.7.1", PB, "relay_denied", "relay_denied", cmd="MAIL FROM", version="2025")

# ============================================================ Outlook.com / Exchange Online
O = "hotmail8-com.olc.protection.outlook.com"
pf("outlook-550-5-5-0-mailbox-unavailable-s2017", "Outlook.com (5.5.0 mailbox unavailable)", O, "nat.gone@hotmail8.example",
   "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [DB1PEPF000509F5.eurprd03.prod.outlook.com 2026-12-07T23:01:11.123Z 08DD1A2B3C4D5E6F]",
   "5.5.0", H, "user_unknown", "user_unknown", version="2025")
pf("outlook-451-4-7-650-ip-reputation", "Outlook.com (4.7.650 IP reputation, gave up)", O, "oli@hotmail8.example",
   "451 4.7.650 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775) [Name=Protocol Filter Agent][AGT=PFA][MxId=11BA1AB2C3D4E5F6] [AM3PEPF0000A791.eurprd04.prod.outlook.com 2026-12-07T22:51:00.000Z]",
   "4.7.650", RL, "rate_limited", "rate", version="2025")
pf("outlook-451-4-7-500-server-busy", "Outlook.com (4.7.500 server busy, gave up)", O, "pam@hotmail8.example",
   "451 4.7.500 Server busy. Please try again later from [192.0.2.10]. (S77714) [Name=Protocol Filter Agent][AGT=PFA][MxId=11BB] [VI1EUR04FT012.eop-eur04.prod.protection.outlook.com]",
   "4.7.500", RL, "rate_limited", "rate", version="2025")
pf("outlook-550-5-7-1-s3140-blocklist", "Outlook.com (S3140 block list)", O, "quin@outlook8.example",
   "550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [AM4PEPF00025F96.EURPRD83.prod.outlook.com 2026-12-07T22:01:02.345Z 08DD1A2B3C4D5E70]",
   "5.7.1", PB, "blocked_ip", "policy_ip", version="2025")
pf("outlook-550-5-7-509-dmarc-reject", "Outlook.com (5.7.509 DMARC reject)", O, "ray@outlook8.example",
   "550 5.7.509 Access denied, sending domain BRAND.EXAMPLE does not pass DMARC verification and has a DMARC policy of reject. [AM2PEPF0001C70F.eurprd05.prod.outlook.com 2026-12-07T21:02:03.456Z 08DD1A2B3C4D5E71]",
   "5.7.509", PB, "auth_failure", "policy_auth", cmd="end of DATA", version="2025")
pf("outlook-550-5-7-515-auth-requirements", "Outlook.com (5.7.515 high-volume sender requirements)", O, "sue@outlook8.example",
   "550 5.7.515 Access denied, sending domain [BRAND.EXAMPLE] doesn't meet the required authentication level. The sender's domain in the 5322.From address doesn't meet the authentication requirements defined for the sender. To learn more, see https://go.microsoft.com/fwlink/?linkid=2293524 [DU2PEPF00028D0B.eurprd03.prod.outlook.com]",
   "5.7.515", PB, "auth_failure", "policy_auth", cmd="end of DATA", version="2025")
pf("exo-550-5-4-1-dbeb-access-denied", "Exchange Online (5.4.1 directory-based edge blocking)", "contoso8-com.mail.protection.outlook.com",
   "tom.left@contoso8.example",
   "550 5.4.1 Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [BN2PEPF000044A9.namprd04.prod.outlook.com 2026-12-07T22:12:13.567Z 08DD1A2B3C4D5E72]",
   "5.4.1", H, "user_unknown", "user_unknown", version="2025")
pf("exo-550-5-7-606-banned-ip", "Exchange Online (5.7.606 banned sending IP)", "fabrikam8-com.mail.protection.outlook.com",
   "uma@fabrikam8.example",
   "550 5.7.606 Access denied, banned sending IP [192.0.2.10]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430) [SN1NAM02FT0061.eop-nam02.prod.protection.outlook.com]",
   "5.7.606", PB, "blocked_ip", "policy_ip", version="2025")
pf("exo-550-5-7-708-traffic-not-accepted", "Exchange Online (5.7.708 traffic not accepted from this IP)", "tailspin8-com.mail.protection.outlook.com",
   "val@tailspin8.example",
   "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(7230) [DM6NAM12FT045.eop-nam12.prod.protection.outlook.com]",
   "5.7.708", PB, "blocked_ip", "policy_ip", version="2025")
pf("exo-550-5-7-64-tenant-relay-denied", "Exchange Online (5.7.64 TenantAttribution)", "wingtip8-com.mail.protection.outlook.com",
   "wes@elsewhere8.example",
   "550 5.7.64 TenantAttribution; Relay Access Denied [SN1NAM02FT0031.eop-nam02.prod.protection.outlook.com 2026-12-07T22:20:00.000Z 08DD]",
   "5.7.64", PB, "relay_denied", "relay_denied", version="2025")
pf("exo-552-5-2-2-mailbox-full", "Exchange Online (5.2.2 STOREDRV quota)", "northwind8-com.mail.protection.outlook.com",
   "xia@northwind8.example",
   "552 5.2.2 STOREDRV.Deliver; mailbox full. The following information should help identify the cause: \"MapiExceptionShutoffQuotaExceeded:16.18969:...\"",
   "5.2.2", MF, "mailbox_full", "mailbox_full", cmd="end of DATA", version="2025")
pf("exo-550-5-1-10-recipient-not-found", "Exchange Online (5.1.10 RESOLVER.ADR.RecipientNotFound)", "adatum8-com.mail.protection.outlook.com",
   "yan@adatum8.example",
   "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient yan@adatum8.example not found by SMTP address lookup",
   "5.1.10", H, "user_unknown", "user_unknown", version="2025")
pf("exo-550-5-2-3-recip-size-limit", "Exchange Online (5.2.3 RecipSizeLimit)", "litware8-com.mail.protection.outlook.com",
   "zoe@litware8.example",
   "550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient",
   "5.2.3", SB, "message_too_large", "size", cmd="end of DATA", version="2025")
pf("exo-550-5-4-310-dns-domain-not-exist", "Exchange Online (5.4.310 DNS domain does not exist)", "relay.brand8-tenant.mail.protection.outlook.com",
   "abe@nonexist8.example",
   "550 5.4.310 DNS domain nonexist8.example does not exist [Message=InfoDomainNonexistent] [LastAttemptedServerName=nonexist8.example] [DM6NAM11FT021.eop-nam11.prod.protection.outlook.com]",
   "5.4.310", H, "domain_not_found", "domain", version="2025")
pf("exo-451-4-7-500-699-asr", "Exchange Online (4.7.58x recipient rate, gave up)", "contoso8-com.mail.protection.outlook.com",
   "bea@contoso8.example",
   "451 4.7.587 Recipient rate limit exceeded. Try again later. [Hostname=BY5PR04MB6565.namprd04.prod.outlook.com]",
   "4.7.587", RL, "rate_limited", "rate", version="2025")

# ============================================================ Yahoo / AOL
Y = "mta7.am0.yahoodns.net"
pf("yahoo-554-dd-no-account", "Yahoo (dd no account)", Y, "cal.none@yahoo8.example",
   "554 delivery error: dd This user doesn't have a yahoo.com account (cal.none@yahoo8.example) [0] - mta4012.mail.gq1.yahoo.com",
   "5.0.0", H, "user_unknown", "user_unknown", cmd="end of DATA", version="2025")
pf("yahoo-554-dd-mailbox-disabled-554-30", "Yahoo (dd mailbox disabled 554.30)", Y, "dan.off@yahoo8.example",
   "554 delivery error: dd Sorry your message to dan.off@yahoo8.example cannot be delivered. This mailbox is disabled (554.30). - mta4210.mail.bf1.yahoo.com",
   "5.0.0", ST, "mailbox_disabled", "account_disabled", cmd="end of DATA", version="2025")
pf("aol-554-dd-no-aol-account", "AOL (hosted on Yahoo)", "mx-aol.mail.gm0.yahoodns.net", "ed.gone@aol8.example",
   "554 delivery error: dd This user doesn't have a aol.com account (ed.gone@aol8.example) [-5] - mta4111.aol.mail.bf1.yahoo.com",
   "5.0.0", H, "user_unknown", "user_unknown", cmd="end of DATA", version="2025")
pf("yahoo-552-1-mailbox-not-found", "Yahoo (552 1 mailbox not found)", Y, "flo@yahoo8.example",
   "552 1 Requested mail action aborted, mailbox not found",
   "5.0.0", H, "user_unknown", "user_unknown", version="2025")
pf("yahoo-421-tss04-gave-up", "Yahoo (TSS04 deferral, gave up)", Y, "gia@yahoo8.example",
   "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
   "4.7.0", RL, "rate_limited", "rate", cmd="MAIL FROM", version="2025")
pf("yahoo-553-tss09-permanent", "Yahoo (TSS09 permanently deferred)", Y, "hob@yahoo8.example",
   "553 5.7.2 [TSS09] All messages from 192.0.2.10 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
   "5.7.2", PB, "blocked_ip", "policy_ip", cmd="MAIL FROM", version="2025")
pf("yahoo-550-5-7-9-dmarc-2024", "Yahoo (5.7.9 DMARC policy)", Y, "ivy@yahoo8.example",
   "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.",
   "5.7.9", PB, "auth_failure", "policy_auth", cmd="end of DATA", version="2025")
pf("yahoo-554-5-7-9-dmarc-reject", "Yahoo (DMARC reject)", Y, "joe@yahoo8.example",
   "554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
   "5.7.9", PB, "policy", "policy", cmd="end of DATA", version="2025")
pf("yahoo-452-mailbox-full-gave-up", "Yahoo (over quota, gave up)", Y, "kay@yahoo8.example",
   "452 4.2.2 Mailbox full for kay@yahoo8.example - mta4310.mail.gq1.yahoo.com",
   "4.2.2", MF, "mailbox_full", "mailbox_full", version="2025")

# ============================================================ iCloud
I = "mx01.mail.icloud.com"
pf("icloud-550-5-1-1-user-does-not-exist", "iCloud (user does not exist)", I, "lea.none@icloud8.example",
   "550 5.1.1 <lea.none@icloud8.example>: user does not exist",
   "5.1.1", H, "user_unknown", "user_unknown", version="2025")
pf("icloud-552-5-2-2-over-quota", "iCloud (over quota)", I, "mo@icloud8.example",
   "552 5.2.2 <mo@icloud8.example>: user is over quota (UserSearch)",
   "5.2.2", MF, "mailbox_full", "mailbox_full", version="2025")
pf("icloud-554-5-7-1-cs01-policy", "iCloud (CS01 local policy)", I, "ned@icloud8.example",
   "554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
   "5.7.1", PB, "policy", "policy", cmd="end of DATA", version="2025")
pf("icloud-550-5-7-0-proofpoint-dnsbl", "iCloud (blocked, Proofpoint DNSBL)", I, "ora@me8.example",
   "550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.10",
   "5.7.0", PB, "blocked_ip", "policy_ip", cmd="MAIL FROM", version="2025")
pf("icloud-554-5-7-1-hm08", "iCloud (HM08 local policy)", I, "pia@icloud8.example",
   "554 5.7.1 [HM08] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
   "5.7.1", PB, "policy", "policy", cmd="end of DATA", version="2025")
pf("icloud-550-5-7-1-mailbox-disabled", "iCloud (mailbox disabled)", I, "quy@mac8.example",
   "550 5.2.1 <quy@mac8.example>: user account is disabled",
   "5.2.1", ST, "mailbox_disabled", "account_disabled", version="2025")

# ============================================================ Comcast
C = "mx1a1.comcast8.example"
pf("comcast-551-5-1-1-not-our-customer", "Comcast (not our customer)", C, "ron@comcast8.example",
   "551 5.1.1 <ron@comcast8.example> Not our Customer",
   "5.1.1", H, "user_unknown", "user_unknown", version="2025")
pf("comcast-421-rl000001-rate", "Comcast (RL000001, gave up)", C, "sal@comcast8.example",
   "421 4.2.0 resimta-po-34v.sys.comcast.net resimta-po-34v.sys.comcast.net 192.0.2.10 Throttled - try again later. Please see http://postmaster.comcast.net/smtp-error-codes.php#RL000001",
   "4.2.0", RL, "rate_limited", "rate", cmd="MAIL FROM", version="2025")
pf("comcast-554-bl000010-spamhaus", "Comcast (BL000010 Spamhaus)", C, "tim@comcast8.example",
   "554 resimta-ch2-12v.sys.comcast.net comcast 192.0.2.10 found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000010",
   "5.0.0", PB, "blocked_ip", "policy_ip", cmd="CONNECT", version="2025")
pf("comcast-552-mailbox-full", "Comcast (mailbox full)", C, "uli@comcast8.example",
   "552 5.2.2 <uli@comcast8.example> Mailbox full. Please see http://postmaster.comcast.net/smtp-error-codes.php#MB000002",
   "5.2.2", MF, "mailbox_full", "mailbox_full", version="2025")

# ============================================================ Orange / Free / SFR
OR = "smtp-in.orange8.example"
pf("orange-501-ofr004-104-invalid-recipient", "Orange (OFR004_104)", OR, "vic.x@orange8.example",
   "501 5.1.3 Adresse d'au moins un destinataire invalide. Invalid recipient. OFR004_104 [104]",
   "5.1.3", H, "user_unknown", "user_unknown", lang="fr", version="2025")
pf("orange-452-ofr004-102-overquota", "Orange (OFR004_102 overquota)", OR, "wen@orange8.example",
   "452 4.2.2 Boite du destinataire pleine. Recipient overquota. OFR004_102 [102]",
   "4.2.2", MF, "mailbox_full", "mailbox_full", lang="fr", version="2025")
pf("orange-421-ofr005-too-many-connections", "Orange (OFR005 too many connections, gave up)", OR, "xav@wanadoo8.example",
   "421 mwinf5c33 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR005_104 [104]",
   "4.0.0", RL, "rate_limited", "rate", lang="fr", cmd="CONNECT", version="2025")
pf("orange-550-ofr-ip-blocked", "Orange (IP refused)", OR, "yve@orange8.example",
   "550 5.7.1 Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR006_102 192.0.2.10 [102]",
   "5.7.1", PB, "blocked_ip", "policy_ip", lang="fr", cmd="CONNECT", version="2025")
pf("free-fr-550-boite-inexistante", "Free.fr", "mx1.free8.example", "zaz@free8.example",
   "550 5.1.1 <zaz@free8.example>: Recipient address rejected: Boite inexistante - Mailbox does not exist",
   "5.1.1", H, "user_unknown", "user_unknown", lang="fr", version="2025")
pf("sfr-552-quota-depasse", "SFR", "mx.sfr8.example", "alb@sfr8.example",
   "552 5.2.2 Quota de la boite aux lettres depasse / mailbox quota exceeded",
   "5.2.2", MF, "mailbox_full", "mailbox_full", lang="fr", version="2025")

# ============================================================ GMX / Web.de / T-Online
pf("gmx-550-mailbox-unavailable-sender-dns", "GMX (our sender domain's DNS)", "mx00.emig.gmx8.example", "bea@gmx8.example",
   "550-Requested action not taken: mailbox unavailable\n550 invalid DNS MX or A/AAAA resource record",
   "5.0.0", PB, "blocked_sender", "policy_sender", cmd="MAIL FROM", version="2025")
pf("gmx-554-reject-policy-r0601", "GMX (policy restrictions)", "mx01.emig.gmx8.example", "cem@gmx8.example",
   "554-Transaction failed\n554-Reject due to policy restrictions.\n554 For explanation visit https://postmaster.gmx.net/en/case?c=r0601&i=ip&v=192.0.2.10&r=1ABCDE-1a2b3c",
   "5.0.0", PB, "policy", "policy", cmd="end of DATA", version="2025")
pf("webde-554-ip-blacklisted", "Web.de (IP on block list)", "mx-ha03.web8.example", "dor@web8.example",
   "554-IP address is black listed.\n554 For explanation visit https://postmaster.web.de/en/error-messages?ip=192.0.2.10&c=bl",
   "5.0.0", PB, "blocked_ip", "policy_ip", cmd="CONNECT", version="2025")
pf("webde-452-mailbox-full", "Web.de (mailbox full)", "mx-ha03.web8.example", "elk@web8.example",
   "452 4.2.2 Requested mail action aborted: exceeded storage allocation / Postfach voll",
   "4.2.2", MF, "mailbox_full", "mailbox_full", lang="de", version="2025")
pf("gmx-550-mailbox-unavailable-user", "GMX (unknown user)", "mx00.emig.gmx8.example", "fin.weg@gmx8.example",
   "550 Requested action not taken: mailbox unavailable",
   "5.0.0", H, "user_unknown", "user_unknown", version="2025")
pf("tonline-554-ip-rejected", "T-Online (IP rejected)", "mx00.t-online8.example", "gre@t-online8.example",
   "554 IP=192.0.2.10 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)",
   "5.0.0", PB, "blocked_ip", "policy_ip", cmd="CONNECT", version="2025")
pf("tonline-550-5-1-1-unknown", "T-Online (user unknown)", "mx00.t-online8.example", "hei@t-online8.example",
   "550 5.1.1 <hei@t-online8.example>: Recipient address rejected: User unknown",
   "5.1.1", H, "user_unknown", "user_unknown", version="2025")

# ============================================================ Mail.ru / Yandex / Rambler
pf("mailru-550-user-not-found", "Mail.ru (user not found)", "mxs.mail8.example", "igor.net@mail8.example",
   "550 Message was not accepted -- invalid mailbox.  Local mailbox igor.net@mail8.example is unavailable: user not found",
   "5.0.0", H, "user_unknown", "user_unknown", version="2025")
pf("mailru-550-account-blocked", "Mail.ru (account blocked)", "mxs.mail8.example", "jana@mail8.example",
   "550 Message was not accepted -- invalid mailbox.  Local mailbox jana@mail8.example is unavailable: account is blocked",
   "5.0.0", ST, "mailbox_disabled", "account_disabled", version="2025")
pf("mailru-550-spam-rejected", "Mail.ru (spam message rejected)", "mxs.mail8.example", "kira@mail8.example",
   "550 spam message rejected. Please visit https://help.mail.ru/notspam-support/id?c=AbCdEf123 or report details to abuse@corp.mail.ru. Error code: 3F2A1B.",
   "5.0.0", SB, "blocked_content", "content", cmd="end of DATA", version="2025")
pf("mailru-452-mailbox-full", "Mail.ru (mailbox full)", "mxs.mail8.example", "lev@bk8.example",
   "452 4.2.2 Mailbox is full / Ящик переполнен",
   "4.2.2", MF, "mailbox_full", "mailbox_full", lang="ru", version="2025")
pf("yandex-550-no-such-user", "Yandex (no such user)", "mx.yandex8.example", "mila@yandex8.example",
   "550 5.7.1 No such user!",
   "5.7.1", H, "user_unknown", "user_unknown", version="2025")
pf("yandex-452-mailbox-size-limit", "Yandex (mailbox size limit)", "mx.yandex8.example", "nik@yandex8.example",
   "452 4.2.2 Mailbox size limit exceeded",
   "4.2.2", MF, "mailbox_full", "mailbox_full", version="2025")
pf("yandex-554-spam-suspicion", "Yandex (spam)", "mx.yandex8.example", "ola@yandex8.example",
   "554 5.7.1 [2] Message rejected under suspicion of SPAM; https://ya.cc/1IrBc 1733612345-AbCdEf1",
   "5.7.1", SB, "blocked_content", "content", cmd="end of DATA", version="2025")
pf("yandex-550-5-7-1-policy-rejection-target", "Yandex (policy rejection on target address)", "mx.yandex8.example", "pav@yandex8.example",
   "550 5.7.1 Policy rejection on Target Address",
   "5.7.1", PB, "policy", "policy", version="2025")
pf("yandex-451-4-7-1-ratelimit", "Yandex (rate, gave up)", "mx.yandex8.example", "rim@yandex8.example",
   "451 4.7.1 Sorry, the service is currently unavailable. Please come back later. 1733612345-ratelimit",
   "4.7.1", RL, "rate_limited", "rate", version="2025")

# ============================================================ QQ / NetEase / Chinese providers
pf("qq-550-mailbox-not-found-access-denied", "QQ Mail (mailbox not found)", "mx3.qq8.example", "12345678@qq8.example",
   "550 Mailbox not found or access denied",
   "5.0.0", H, "user_unknown", "user_unknown", version="2025")
pf("qq-550-ip-frequency-limited", "QQ Mail (IP frequency)", "mx3.qq8.example", "22334455@qq8.example",
   "550 Ip frequency limited [Ip=192.0.2.10]",
   "5.0.0", RL, "rate_limited", "rate", cmd="MAIL FROM", version="2025")
pf("qq-550-mail-content-denied", "QQ Mail (content denied)", "mx3.qq8.example", "33445566@qq8.example",
   "550 Mail content denied. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000726",
   "5.0.0", SB, "blocked_content", "content", cmd="end of DATA", version="2025")
pf("qq-552-mailbox-full", "QQ Mail (quota)", "mx3.qq8.example", "44556677@qq8.example",
   "552 Quota exceeded or service disabled.",
   "5.0.0", MF, "mailbox_full", "mailbox_full", version="2025")
pf("netease-550-user-not-found", "NetEase 163 (user not found)", "163mx02.mxmail.netease8.example", "li.na@163mail8.example",
   "550 User not found: li.na@163mail8.example",
   "5.0.0", H, "user_unknown", "user_unknown", version="2025")
pf("netease-554-dt-spm", "NetEase 126 (DT:SPM)", "126mx01.mxmail.netease8.example", "wu.bo@126mail8.example",
   "554 DT:SPM 126 smtp7,DsmowAB3abc=--.12345S2 1733612345,please see http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.10&hostid=smtp7&time=1733612345",
   "5.0.0", SB, "blocked_content", "content", cmd="end of DATA", version="2025")

# ============================================================ Zoho / Proton / Fastmail / others
pf("zoho-550-5-1-1-user-does-not-exist", "Zoho Mail", "mx.zoho8.example", "sam@zohocorp8.example",
   "550 5.1.1 User does not exist - <sam@zohocorp8.example>",
   "5.1.1", H, "user_unknown", "user_unknown", version="2025")
pf("zoho-554-5-7-1-dmarc", "Zoho Mail (DMARC)", "mx.zoho8.example", "tara@zohocorp8.example",
   "554 5.7.7 Email rejected per DMARC policy for brand.example",
   "5.7.7", PB, "auth_failure", "policy_auth", cmd="end of DATA", version="2025")
pf("zoho-552-5-2-2-mailbox-full", "Zoho Mail (mailbox full)", "mx.zoho8.example", "udo@zohocorp8.example",
   "552 5.2.2 Mailbox size limit exceeded for user udo@zohocorp8.example",
   "5.2.2", MF, "mailbox_full", "mailbox_full", version="2025")
pf("proton-550-address-does-not-exist", "Proton Mail", "mail.protonmail8.example", "vee@proton8.example",
   "550 5.1.1 <vee@proton8.example>: Recipient address rejected: Address does not exist",
   "5.1.1", H, "user_unknown", "user_unknown", version="2025")
pf("proton-552-mailbox-full", "Proton Mail (mailbox full)", "mail.protonmail8.example", "wyn@proton8.example",
   "552 5.2.2 <wyn@proton8.example>: Recipient address rejected: Mailbox is full",
   "5.2.2", MF, "mailbox_full", "mailbox_full", version="2025")
pf("proton-550-5-7-1-address-disabled", "Proton Mail (address disabled)", "mail.protonmail8.example", "xem@proton8.example",
   "550 5.7.1 <xem@proton8.example>: Recipient address rejected: Address disabled",
   "5.7.1", ST, "mailbox_disabled", "account_disabled", version="2025")
pf("fastmail-550-5-1-1-mailbox-does-not-exist", "Fastmail", "in1-smtp.messagingengine8.example", "yas@fastmail8.example",
   "550 5.1.1 <yas@fastmail8.example>: Recipient address rejected: User unknown in virtual mailbox table",
   "5.1.1", H, "user_unknown", "user_unknown", version="2025")
pf("fastmail-552-over-quota", "Fastmail (over quota)", "in1-smtp.messagingengine8.example", "zed@fastmail8.example",
   "552 5.2.2 <zed@fastmail8.example>: Over quota",
   "5.2.2", MF, "mailbox_full", "mailbox_full", version="2025")
pf("fastmail-550-account-closed", "Fastmail (account closed)", "in1-smtp.messagingengine8.example", "amy@fastmail8.example",
   "550 5.2.1 <amy@fastmail8.example>: This account has been closed and is no longer accepting mail",
   "5.2.1", H, "mailbox_disabled", "account_closed", version="2025")
pf("gmail-550-5-2-1-deleted-account", "Google Workspace (account deleted)", "aspmx.l.google.com", "ben@workspace8.example",
   "550-5.1.1 The email account that you tried to reach has been deleted by the\n550-5.1.1 administrator. For more information, go to\n"
   "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser c4si6.7 - gsmtp",
   "5.1.1", H, "user_unknown", "user_unknown", version="2025")

# ============================================================ recipient domain DNS
pfx("postfix-nxdomain-host-not-found", "Postfix (NXDOMAIN)", "cat@no-such-domain8.example",
    "Host or domain name not found. Name service error for\n    name=no-such-domain8.example type=AAAA: Host not found",
    "5.4.4", "X-Postfix; Host or domain name not found. Name service error for name=no-such-domain8.example type=AAAA: Host not found",
    H, "domain_not_found", "domain")
pfx("postfix-null-mx-rfc7505", "Postfix (null MX)", "dan@parked8.example",
    "Domain parked8.example does not accept mail (nullMX)",
    "5.1.10", "X-Postfix; Domain parked8.example does not accept mail (nullMX)",
    H, "domain_not_found", "domain")
pfx("postfix-mx-servfail-gave-up", "Postfix (MX lookup SERVFAIL, gave up)", "eli@brokendns8.example",
    "Host or domain name not found. Name service error for\n    name=brokendns8.example type=MX: Host not found, try again",
    "4.4.3", "X-Postfix; Host or domain name not found. Name service error for name=brokendns8.example type=MX: Host not found, try again",
    ST, "dns_error", "dns_temporary")
pfx("postfix-mx-points-to-nonexistent", "Postfix (MX host has no address)", "fox@badmx8.example",
    "Host or domain name not found. Name service error for\n    name=mail.badmx8.example type=A: Host not found",
    "5.4.4", "X-Postfix; Host or domain name not found. Name service error for name=mail.badmx8.example type=A: Host not found",
    H, "domain_not_found", "domain")
exim("exim-unrouteable-address", "Exim (unrouteable address)", "mta.relay8.example",
     "  gil@typo-domain8.example\n    Unrouteable address\n", "gil@typo-domain8.example",
     [R("gil@typo-domain8.example", "", H, "domain_not_found", "domain")])
exim("exim-all-mx-nonexistent", "Exim (all MX point to non-existent hosts)", "mta.relay8.example",
     "  hal@deadmx8.example\n    all relevant MX records point to non-existent hosts\n", "hal@deadmx8.example",
     [R("hal@deadmx8.example", "", H, "domain_not_found", "domain")])
exim("exim-null-mx", "Exim (null MX, 4.97)", "mta.relay8.example",
     "  ian@nullmx8.example\n    an MX or SRV record indicated no SMTP service\n", "ian@nullmx8.example",
     [R("ian@nullmx8.example", "", H, "domain_not_found", "domain")], version="4.97")
rdsn("sendgrid-style-dns-nxdomain", "a sending relay (NXDOMAIN)", "2025", "en", "MAILER-DAEMON@out.relay8.example",
     "Delivery Status Notification (Failure)",
     "We were unable to deliver your message to jay@gone-company8.example.\n\n"
     "Reason: the recipient domain gone-company8.example does not exist (DNS lookup returned NXDOMAIN).\n",
     [rc("jay@gone-company8.example", "failed", "5.1.2", "smtp; 550 5.1.2 Domain gone-company8.example not found (NXDOMAIN)")],
     "out.relay8.example", [R("jay@gone-company8.example", "5.1.2", H, "domain_not_found", "domain")])

# ============================================================ greylisting
pf("postfix-delay-greylist-451-4-7-1", "Postfix (greylisted, delay warning)", "mx.greyhost8.example", "kai@greyhost8.example",
   "451 4.7.1 <kai@greyhost8.example>: Recipient address rejected: Greylisted for 300 seconds (see http://isg.ee.ethz.ch/tools/postgrey/help/greyhost8.example.html)",
   "4.7.1", ST, "greylisted", "greylist", action="delayed", subject="Delayed Mail (still being retried)")
pf("postfix-delay-greylist-mailcow-rspamd", "Postfix (rspamd greylist, delay warning)", "mx.mailcow8.example", "lin@mailcow8.example",
   "451 4.7.1 Try again later",
   "4.7.1", RL, "rate_limited", "rate", action="delayed", subject="Delayed Mail (still being retried)")
pf("postfix-delay-greylist-exim-style", "Postfix (remote Exim greylist, delay warning)", "mx.eximgrey8.example", "mae@eximgrey8.example",
   "451-4.7.1 Temporary rejection: greylisted. Please try again in a few minutes.\n451 4.7.1 (greylist)",
   "4.7.1", ST, "greylisted", "greylist", action="delayed", subject="Delayed Mail (still being retried)")
pf("postfix-delay-4-7-1-deferred-policy", "Postfix (remote deferred, delay warning)", "mx.slow8.example", "ned@slow8.example",
   "450 4.2.0 <ned@slow8.example>: Recipient address rejected: Please retry later, you are being greylisted",
   "4.2.0", ST, "greylisted", "greylist", action="delayed", subject="Delayed Mail (still being retried)")

# ============================================================ relay refusals
pf("postfix-554-relay-access-denied-2", "Postfix (remote relay access denied)", "mx.oldhost8.example", "ora@moved8.example",
   "554 5.7.1 <ora@moved8.example>: Relay access denied",
   "5.7.1", PB, "relay_denied", "relay_denied")
pf("sendmail-550-relaying-denied-auth", "Sendmail (relaying denied, auth required)", "mail.legacy8.example", "pat@legacy8-other.example",
   "550 5.7.1 <pat@legacy8-other.example>... Relaying denied. Proper authentication required.",
   "5.7.1", PB, "relay_denied", "relay_denied")
pf("exim-550-relay-not-permitted", "Exim (remote relay not permitted)", "mx.exim8.example", "qed@nowhere8.example",
   "550 relay not permitted",
   "5.0.0", PB, "relay_denied", "relay_denied")
pf("mdaemon-550-not-local-relay", "MDaemon (not a local user, relaying denied)", "mail.mdaemon8.example", "rae@other8.example",
   "550 5.7.1 Unable to relay for rae@other8.example",
   "5.7.1", PB, "relay_denied", "relay_denied")

# ============================================================ reverse DNS / PTR
pf("postfix-550-cannot-find-hostname", "Postfix (reject_unknown_client_hostname)", "mx.strict8.example", "sid@strict8.example",
   "550 5.7.1 Client host rejected: cannot find your hostname, [192.0.2.10]",
   "5.7.1", PB, "blocked_ip", "policy_ip")
pf("postfix-450-reverse-hostname-gave-up", "Postfix (reject_unknown_reverse_client_hostname, gave up)", "mx.strict8.example", "tia@strict8.example",
   "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.10]",
   "4.7.1", PB, "blocked_ip", "policy_ip")
pf("exim-550-reverse-dns-mismatch", "Exim (reverse DNS mismatch)", "mx.picky8.example", "ugo@picky8.example",
   "550 Reverse DNS lookup failed for host 192.0.2.10 (forward confirmed reverse DNS required)",
   "5.0.0", PB, "blocked_ip", "policy_ip", cmd="MAIL FROM")
pf("sendmail-550-ptr-generic", "Sendmail (generic PTR refused)", "mail.isp8.example", "vin@isp8.example",
   "550 5.7.1 Mail from 192.0.2.10 refused: your IP has no valid PTR record or a generic one; see http://isp8.example/ptr.html",
   "5.7.1", PB, "blocked_ip", "policy_ip", cmd="MAIL FROM")

# ============================================================ size
pf("postfix-552-5-3-4-size-fixed-max", "Postfix (remote size limit)", "mx.smallbox8.example", "wil@smallbox8.example",
   "552 5.3.4 Message size exceeds fixed limit",
   "5.3.4", SB, "message_too_large", "size", cmd="end of DATA")
pf("exchange-552-5-3-4-too-big-for-system", "Exchange (too big for system)", "mail.corp8.example", "xan@corp8.example",
   "552 5.3.4 Message size exceeds fixed maximum message size",
   "5.3.4", SB, "message_too_large", "size", cmd="MAIL FROM")
pf("yahoo-554-message-size-exceeds", "Yahoo (message too large)", Y, "yul@yahoo8.example",
   "554 5.3.4 Message size exceeds limit (41943040)",
   "5.3.4", SB, "message_too_large", "size", cmd="end of DATA", version="2025")
pf("mailru-552-message-too-big", "Mail.ru (message too big)", "mxs.mail8.example", "zina@mail8.example",
   "552 message size exceeds maximum message size",
   "5.0.0", SB, "message_too_large", "size", cmd="end of DATA", version="2025")

# ============================================================ SPF / DKIM / DMARC elsewhere
pf("mimecast-550-dmarc-reject", "Mimecast (DMARC reject)", "eu-smtp-inbound-2.mimecast8.example", "ada@mimeclient8.example",
   "550 DMARC Sender Invalid - envelope rejected - https://community.mimecast.com/docs/DOC-1369#550 [AbCdEfGhIjK.uk123]",
   "5.0.0", PB, "auth_failure", "policy_auth", cmd="RCPT TO")
pf("postfix-550-5-7-1-spf-fail", "Postfix policyd-spf (SPF fail)", "mx.spfcheck8.example", "bo@spfcheck8.example",
   "550 5.7.23 <bo@spfcheck8.example>: Recipient address rejected: Message rejected due to: SPF fail - not authorized. Please see http://www.openspf.net/Why?s=mfrom;id=news@brand.example;ip=192.0.2.10;r=<UNKNOWN>",
   "5.7.23", PB, "auth_failure", "policy_auth")
pf("rspamd-550-dmarc-reject", "rspamd (DMARC reject)", "mx.rspamd8.example", "cid@rspamd8.example",
   "550 5.7.1 Rejected due to DMARC policy for brand.example (reject)",
   "5.7.1", PB, "auth_failure", "policy_auth", cmd="end of DATA")
pf("barracuda-550-dkim-fail", "Barracuda (DKIM failed)", "d12345a.ess.barracudanetworks8.example", "dot@client8.example",
   "550 permanent failure for one or more recipients (dot@client8.example:blocked by DKIM signature verification failure)",
   "5.0.0", PB, "auth_failure", "policy_auth", cmd="end of DATA")

# ============================================================ provider notices in their own formats
rdsn("gmail-dsn-html-nosuchuser-2025", "Gmail (its own DSN, 2025)", "2025", "en",
     "Mail Delivery Subsystem <mailer-daemon@googlemail.com>", "Delivery Status Notification (Failure)",
     "** Address not found **\n\nYour message wasn't delivered to eda.typo@gmail8.example because the address couldn't be found, "
     "or is unable to receive mail.\n\nLearn more here: https://support.google.com/mail/?p=NoSuchUser\n\n"
     "The response from the remote server was:\n550 5.1.1 The email account that you tried to reach does not exist. "
     "Please try double-checking the recipient's email address for typos or unnecessary spaces. "
     "For more information, go to https://support.google.com/mail/?p=NoSuchUser d1si2.3 - gsmtp\n",
     [rc("eda.typo@gmail8.example", "failed", "5.1.1",
         "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser d1si2.3 - gsmtp",
         "dns; gmail-smtp-in.l.google.com")],
     "googlemail.com", [R("eda.typo@gmail8.example", "5.1.1", H, "user_unknown", "user_unknown")])
rdsn("gmail-dsn-delay-4-7-28", "Gmail (its own delay DSN, rate limited)", "2025", "en",
     "Mail Delivery Subsystem <mailer-daemon@googlemail.com>", "Delivery Status Notification (Delay)",
     "** Message not delivered yet **\n\nThere was a temporary problem delivering your message to fro@yahoo8.example. "
     "Gmail will retry for 46 more hours. You'll be notified if the delivery fails permanently.\n\n"
     "The response from the remote server was:\n421 4.7.0 [TSS04] Messages from 209.85.220.41 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1\n",
     [rc("fro@yahoo8.example", "delayed", "4.7.0", "smtp; 421 4.7.0 [TSS04] Messages from 209.85.220.41 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1",
         "dns; mta5.am0.yahoodns.net")],
     "googlemail.com", [R("fro@yahoo8.example", "4.7.0", RL, "rate_limited", "rate")])
ndr("yahoo-plain-sorry-unable-to-deliver", "Yahoo (its own failure notice)", "2025", "en",
    "MAILER-DAEMON@yahoo8.example", "Failure Notice",
    "Sorry, we were unable to deliver your message to the following address.\n\n<gus.x@example-isp8.example>:\n"
    "550: 5.1.1 <gus.x@example-isp8.example>: Recipient address rejected: User unknown in local recipient table\n\n"
    "--- Below this line is a copy of the message.\n", "gus.x@example-isp8.example",
    [R("gus.x@example-isp8.example", "5.1.1", H, "user_unknown", "user_unknown")], copy="inline")
ndr("exo-ndr-couldnt-be-delivered-5-1-1", "Exchange Online (2025 NDR text)", "2025", "en",
    "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@brand8-tenant.example>",
    "Undeliverable: Spring sale: 30% off everything",
    "Your message to hans.weg@fabrikam8.example couldn't be delivered.\n\n"
    "hans.weg wasn't found at fabrikam8.example.\n\nbrand    Office 365    hans.weg\nAction Required                 Recipient\n\n"
    "Unknown To address\n\nHow to Fix It\nThe address may be misspelled or may not exist. Try one or more of the following:\n"
    "  * Send the message again following these steps: ...\n\n"
    "Diagnostic information for administrators:\n\nGenerating server: DM6PR04MB1234.namprd04.prod.outlook.com\n\n"
    "hans.weg@fabrikam8.example\nRemote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient hans.weg@fabrikam8.example not found by SMTP address lookup'\n",
    "hans.weg@fabrikam8.example", [R("hans.weg@fabrikam8.example", "5.1.10", H, "user_unknown", "user_unknown")])
ndr("exo-ndr-4-4-316-connection-refused-expired", "Exchange Online (4.4.316 expired)", "2025", "en",
    "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@brand8-tenant.example>",
    "Undeliverable: Spring sale: 30% off everything",
    "Delivery has failed to these recipients or groups:\n\nina@downhost8.example\n"
    "The recipient's email system isn't accepting messages now. Please try resending your message later.\n\n"
    "Diagnostic information for administrators:\n\nGenerating server: SN6PR04MB4321.namprd04.prod.outlook.com\n\n"
    "ina@downhost8.example\nRemote server returned '550 4.4.316 Message expired, connection refused(Socket error code 10061)'\n",
    "ina@downhost8.example", [R("ina@downhost8.example", "4.4.316", ST, "expired", "expired")])
exim("exim-two-recipients-quota-and-unknown", "Exim (two recipients, quota and unknown)", "mta.relay8.example",
     "  jo@bigisp8.example\n    host mx.bigisp8.example [203.0.113.8]\n"
     "    SMTP error from remote mail server after RCPT TO:<jo@bigisp8.example>:\n    552 5.2.2 Mailbox quota exceeded\n"
     "  kit@bigisp8.example\n    host mx.bigisp8.example [203.0.113.8]\n"
     "    SMTP error from remote mail server after RCPT TO:<kit@bigisp8.example>:\n    550 5.1.1 <kit@bigisp8.example>: No such mailbox here\n",
     "jo@bigisp8.example, kit@bigisp8.example",
     [R("jo@bigisp8.example", "5.2.2", MF, "mailbox_full", "multi"), R("kit@bigisp8.example", "5.1.1", H, "user_unknown", "multi")])

# ============================================================ look-alikes: auto-replies
OOO = [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]
auto("ooo-quotes-550-new-address", "Outlook auto-reply (mentions a 550)", "en", "Lena Park <lena.park@client8.example>",
     "Automatic reply: Spring sale: 30% off everything",
     "Hello,\n\nI have moved to a new company. Mail to this address will soon bounce with a\n"
     "\"550 5.1.1 user unknown\" error, so please update your records: lena@newco8.example\n\nThanks,\nLena\n", extra=OOO)
auto("ooo-no-headers-undeliverable-words", "auto-reply without RFC 3834 headers", "en", "Tom Berg <tom.berg@shop8.example>",
     "Out of Office: Spring sale: 30% off everything",
     "I am out of the office until 14 December with limited access to email. If your message is\n"
     "undeliverable or urgent, please contact my colleague at sales@shop8.example.\n")
auto("helpdesk-ticket-delivery-failure", "helpdesk auto-acknowledgement (Zendesk-style)", "en",
     "Support <support@vendor8.example>", "[Request received] Re: Delivery failure on our newsletter",
     "Hi there,\n\nYour request (#48213) \"Delivery failure on our newsletter\" has been received and is being\n"
     "reviewed by our support staff. You mentioned a 550 5.7.1 rejection; our team will look at the logs.\n\n"
     "To add additional comments, reply to this email.\n\nVendor8 Support\n",
     extra=[("Auto-Submitted", "auto-generated"), ("X-Mailer", "Zendesk Mailer"), ("Precedence", "bulk")])
auto("freshdesk-ticket-created", "helpdesk auto-acknowledgement (Freshdesk-style)", "en",
     "Helpdesk <help@saas8.example>", "Ticket #90311 created: Undeliverable mail",
     "Dear customer,\n\nThank you for contacting us. A ticket has been created for your request \"Undeliverable mail\".\n"
     "Reference: #90311. We usually respond within one business day.\n\nRegards,\nSaaS8 Helpdesk\n",
     extra=[("Auto-Submitted", "auto-replied"), ("X-Freshdesk-Ticket", "90311")])
auto("ooo-german-mailbox-full-words", "auto-reply (German, mentions a full mailbox)", "de", "Jürgen Maier <j.maier@firma8.example>",
     "Abwesenheitsnotiz: Spring sale: 30% off everything",
     "Guten Tag,\n\nich bin bis zum 4. Januar nicht im Büro. Mein Postfach ist voll und wird nicht gelesen;\n"
     "Ihre Nachricht wird nicht weitergeleitet. In dringenden Fällen wenden Sie sich an info@firma8.example.\n\n"
     "Mit freundlichen Grüßen\nJürgen Maier\n", extra=OOO)
auto("ooo-french-adresse-plus-valide", "auto-reply (French, address no longer used)", "fr", "Claire Dubois <c.dubois@agence8.example>",
     "Réponse automatique : Spring sale: 30% off everything",
     "Bonjour,\n\nCette adresse n'est plus consultée depuis le 1er décembre. Merci d'écrire désormais à\n"
     "contact@agence8.example.\n\nCordialement,\nClaire Dubois\n", extra=OOO)
auto("auto-reply-address-no-longer-monitored", "auto-reply (address retired, still delivered)", "en",
     "Accounts <accounts@oldbrand8.example>", "This mailbox is no longer monitored",
     "Thank you for your email. This mailbox is no longer monitored and your message will not be read.\n"
     "Please resend it to finance@newbrand8.example.\n", extra=[("Auto-Submitted", "auto-replied")])
auto("challenge-response-verify", "challenge-response (sender verification)", "en",
     "Spam Arrest <verify@spamarrest8.example>", "Please verify your email address",
     "The message you sent to pat@home8.example is being held because your address is not yet on the\n"
     "recipient's approved sender list. Your message has not been delivered yet. To deliver it, click:\n"
     "https://spamarrest8.example/verify?id=AbC123\n", extra=[("Auto-Submitted", "auto-replied")])

# ============================================================ look-alikes: people and newsletters
human("person-it-admin-quotes-550-5-7-26", "a person (IT admin asking about our DMARC)", "en",
      "Raj Patel <raj.patel@client8.example>", "Your emails to us are bouncing",
      "Hi,\n\nOur users report that your newsletters are not arriving. Our gateway logs show:\n\n"
      "  550 5.7.26 Unauthenticated email from brand.example is not accepted due to domain's DMARC policy\n\n"
      "Could you check your DKIM setup? The addresses are fine and we still want the mail.\n\nRaj Patel\nIT, Client8\n")
human("person-reply-delivery-failure-subject", "a person's reply (subject mentions delivery failure)", "en",
      "Mia Chen <mia@smallbiz8.example>", "Re: Delivery failure notice?",
      "Hello,\n\nI got a 'Mail delivery failed' message when I replied to your offer. Is the address\n"
      "news@brand.example not monitored? I would like to order the blue lamp.\n\nMia\n")
human("newsletter-about-bounces", "a newsletter about email deliverability", "en",
      "Deliverability Weekly <news@deliverweekly8.example>", "This week: why your mail bounces (550 5.1.1 explained)",
      "DELIVERABILITY WEEKLY - Issue 212\n\n1. Hard vs soft bounces: what \"550 5.1.1 User unknown\" and \"452 4.2.2 Mailbox full\"\n"
      "   really mean, and when to suppress.\n2. Gmail's 4.7.28 rate limits and how to warm up.\n"
      "3. Delivery Status Notifications (RFC 3464) in 5 minutes.\n\nUnsubscribe: https://deliverweekly8.example/u/123\n",
      to="Brand News <news@brand.example>", extra=[("List-Unsubscribe", "<https://deliverweekly8.example/u/123>"),
                                                  ("Precedence", "bulk")])
human("person-forwarded-ndr-question", "a person pasting an NDR into a question", "en",
      "Olga Ivanova <olga@partner8.example>", "Fw: Undeliverable: invoice 4471",
      "Hi team,\n\nWhen we write to billing@brand.example we get this back, can you fix it?\n\n"
      "-----Original Message-----\nFrom: postmaster@brand.example\nSubject: Undeliverable: invoice 4471\n\n"
      "Delivery has failed to these recipients or groups:\nbilling@brand.example\n"
      "The email address you entered couldn't be found.\nRemote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound'\n\nOlga\n")
human("person-spanish-correo-rebotado", "a person (Spanish, mail bounced)", "es",
      "Lucía Gómez <lucia@tienda8.example>", "Correo rebotado",
      "Hola,\n\nintenté responder a su correo pero me llegó un aviso de \"buzón lleno\". ¿Tienen otra dirección?\n\n"
      "Saludos,\nLucía\n")
human("vendor-status-page-delivery-incident", "a provider's incident notice about delivery delays", "en",
      "Status <status@esp8.example>", "[Resolved] Delayed email delivery to Microsoft domains",
      "Incident report\n\nBetween 14:02 and 15:40 UTC some messages to Outlook.com and Hotmail were deferred with\n"
      "\"451 4.7.500 Server busy\". All queued mail has since been delivered. No action is needed.\n\n"
      "ESP8 status team\n", to="Brand Ops <ops@brand.example>", extra=[("Precedence", "bulk")])


README_HEAD = """# corpus8: returned mail written blind, with hand-written golden results

%(n)d messages, %(rows)d expected recipient results, written by the returns
engineer of session 8 (bounces8) blind, before the rule tables were read
or any rule changed for them (the measurements are in corpus8_test.go).
They aim at what corpora 1 to 7 held least: the synchronous replies of the
big mailbox providers as they are worded today, reported by a Postfix
relay or in the provider's own notice (Gmail and Google Workspace with
their multi-line 550-5.1.1 and support links, Outlook.com and Exchange
Online with S-codes and AS() codes, Yahoo/AOL "dd" and TSS codes, iCloud
CS01/HM08, Comcast RL/BL codes, Orange OFR codes, Free, SFR, GMX, Web.de,
T-Online, Mail.ru, Yandex, QQ, NetEase, Zoho, Proton, Fastmail); full
against disabled against closed-for-good mailboxes; 4xx rate limits
(Gmail 4.7.28, Outlook 4.7.500-699, Yahoo TSS04, Comcast RL000001, QQ);
DMARC/SPF/DKIM refusals (5.7.26, 5.7.509, 5.7.515, Mimecast, rspamd,
Barracuda); reverse-DNS refusals; size refusals; relay refusals;
recipient-domain DNS failures (NXDOMAIN, no MX address, null MX, SERVFAIL,
Exchange Online 5.4.310); greylisting delays; and look-alikes
(auto-replies quoting error codes, helpdesk tickets, a challenge, people
quoting or forwarding bounces, a newsletter and an incident notice about
delivery failures). `gen8.py` writes both (byte helpers from
`../corpus2/lib.py`); to change a message, edit it and run
`python3 gen8.py`.

The JSON and the judgement calls are those of corpus2 to corpus7 (see
their READMEs). Further calls made here: a provider's "mailbox
unavailable" / "Mailbox not found or access denied" / "Access denied"
at RCPT (Outlook.com S2017, GMX, QQ, Exchange Online directory-based edge
blocking 5.4.1) is an unknown user, as corpus5 called it; GMX's
"invalid DNS MX or A/AAAA resource record" is about our sender domain
(blocked_sender); a mailbox "closed and no longer accepting mail" or
"deleted by the administrator" is dead, "disabled"/"blocked" is soft;
a rate limit reported after retries gave up stays rate_limited; a
reverse-DNS refusal is blocked_ip even as a 4xx that gave up; a
"Quota exceeded or service disabled" reply is read as full (the first
cause named); Yahoo's bare "554 5.7.9 Message not accepted for policy
reasons" is policy, Yandex's "Policy rejection on Target Address" too.

Three truths were revised on review, after the blind run, because they
contradicted calls corpora 2 to 7 made (a delay whose reply names a rate
limit is rate_limited, as corpus5's yahoo-tss04-delayed; "451 4.7.1 Try
again later" is the try-later rule's rate limit, as bounces7 revised too):
gmail-dsn-delay-4-7-28, postfix-delay-greylist-mailcow-rspamd and
yandex-451-4-7-1-ratelimit were written soft_temporary and are
rate_limited. The blind score in corpus8_test.go counts them as written.

| file | MTA / provider imitated | version | language | kind | expected classes |
|---|---|---|---|---|---|
"""


W.readme(README_HEAD)
print(len(MSGS), "messages", sum(len(g) for *_, g in MSGS), "results")
