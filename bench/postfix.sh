# bench/postfix.sh: a private Postfix instance for the benchmarks that
# compare sluice with Postfix (sourced by bench/run.sh and
# bench/sitting.sh, not run). Needs root; the caller defines log and WORK.

# install_postfix: installs Postfix from Debian ("No configuration") when
# postfix, smtp-source or smtp-sink is missing.
install_postfix() {
	if [[ -x /usr/sbin/postfix && -x /usr/sbin/smtp-source && -x /usr/sbin/smtp-sink ]]; then
		return 0
	fi
	log "installing Postfix from Debian"
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y postfix >"$WORK/apt.log" 2>&1; then
		apt-get update >>"$WORK/apt.log" 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y postfix >>"$WORK/apt.log" 2>&1
	fi
	# "No configuration" must not leave a system instance running; ours
	# are private ones.
}

# postfix_down ETC stop|abort: stops the Postfix instance of config dir
# ETC and waits (10 s at most) for its master to be gone, then SIGKILLs it.
postfix_down() {
	local etc=$1 how=$2 mpid qdir i
	qdir=$(postconf -c "$etc" -h queue_directory 2>/dev/null || true)
	mpid=$(tr -d ' \n' <"$qdir/pid/master.pid" 2>/dev/null || true)
	postfix -c "$etc" "$how" >/dev/null 2>&1 || true
	[[ $mpid =~ ^[0-9]+$ ]] || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$mpid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$mpid" 2>/dev/null || true
}

# postfix_up DIR PORT SINK_PORT: writes a private instance's config under
# DIR (etc, queue, data), smtpd on 127.0.0.1:PORT relaying everything to
# 127.0.0.1:SINK_PORT, starts it and waits for smtpd to listen. Postfix's
# defaults otherwise: fsync of every queue file is on. 1 on failure, with
# the reason on stderr.
postfix_up() {
	local d=$1 port=$2 sink=$3
	mkdir -p "$d/etc" "$d/queue" "$d/data"
	chown postfix "$d/data"
	chmod 700 "$d/data"
	cat >"$d/etc/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$sink
alias_maps =
alias_database =
maillog_file = $d/maillog
EOC
	# Postfix's stock master.cf (chroot off, the upstream default; Debian's
	# chroot would need copies of /etc files in the queue directory), with
	# smtpd on our port.
	cat >"$d/etc/master.cf" <<EOC
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOC
	if ! postfix -c "$d/etc" start >"$d/start.log" 2>&1; then
		echo "postfix did not start: $(tail -n5 "$d/start.log" "$d/maillog" 2>/dev/null)" >&2
		return 1
	fi
	if ! wait_listen "$port" "$(head -n1 "$d/queue/pid/master.pid" | tr -d ' ')" 20; then
		echo "postfix smtpd not listening on $port" >&2
		return 1
	fi
}
