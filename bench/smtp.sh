#!/usr/bin/env bash
# Measures SMTP intake of mayfly dev against its peers with the same load
# from Postfix's smtp-source, and prints one table: messages per second and
# peak RSS per server and load, then Mayfly's ratios to each peer.
#
# Servers, each started fresh for every load on loopback, with its data
# under one directory (BENCH_DIR) so that all write to the same file system:
#   mayfly    mayfly dev of this checkout: every message encrypted and
#             fsynced before 250, all into one inbox
#   smtp-sink Postfix's smtp-sink, which discards mail: the ceiling of the
#             load tool and loopback
#   mailpit   github.com/axllent/mailpit, SQLite storage
#   inbucket  github.com/inbucket/inbucket/v3, file storage
#
# Mailpit and Inbucket are found in PEER_BIN (default /tmp/mayfly-peers/bin);
# build them outside the repository with
#   GOBIN=/tmp/mayfly-peers/bin go install github.com/axllent/mailpit@v1.33.1
#   GOBIN=/tmp/mayfly-peers/bin go install github.com/inbucket/inbucket/v3/cmd/inbucket@v3.2.0
# A peer that is missing or fails to start gets a row saying so.
#
# Environment: SMALL_COUNT (10000 messages of 4 KiB over 20 sessions),
# LARGE_COUNT (200 messages of 1 MiB over 2 sessions), SERVERS (the list
# above), BENCH_PORT_BASE (23000), BENCH_DIR (a new /tmp/mayfly-bench.*),
# PPROF_LISTEN (serve mayfly's profiler there).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SMALL_COUNT=${SMALL_COUNT:-10000}
LARGE_COUNT=${LARGE_COUNT:-200}
SERVERS=${SERVERS:-"mayfly smtp-sink mailpit inbucket"}
PEER_BIN=${PEER_BIN:-/tmp/mayfly-peers/bin}
SMTP_SOURCE=${SMTP_SOURCE:-$(command -v smtp-source || echo /usr/sbin/smtp-source)}
SMTP_SINK=${SMTP_SINK:-$(command -v smtp-sink || echo /usr/sbin/smtp-sink)}
BASE=${BENCH_PORT_BASE:-23000}
PEER_SMTP=127.0.0.1:$((BASE + 26))
PEER_HTTP=127.0.0.1:$((BASE + 82))

# Each load: name, sessions, message bytes, message count.
LOADS=("4KiB 20 4096 $SMALL_COUNT" "1MiB 2 1048576 $LARGE_COUNT")

# start_peer starts one server for one run and sets RUN_PID, RUN_SMTP and
# RCPT, the recipient to send to. It fails when the server is missing or
# does not come up.
start_peer() {
	local server=$1 run=$2
	case $server in
	mayfly)
		start_mayfly "$run" || return 1
		RUN_PID=$MAYFLY_PID RUN_SMTP=$MAYFLY_SMTP
		local reply
		reply=$(create_inbox) || return 1
		TOKEN=$(jq -r .token <<<"$reply")
		RCPT=$(jq -r .address <<<"$reply")
		;;
	smtp-sink)
		[ -x "$SMTP_SINK" ] || { echo "smtp-sink not found (apt-get install postfix)" >&2; return 1; }
		port_free "$PEER_SMTP" || return 1
		# smtp-sink exits when started as root without -u.
		start_server "$BENCH_DIR/$run.log" "$SMTP_SINK" -u nobody "$PEER_SMTP" 256
		RUN_PID=$SERVER_PID RUN_SMTP=$PEER_SMTP RCPT=bench@sink.test
		wait_port "$RUN_SMTP"
		;;
	mailpit)
		[ -x "$PEER_BIN/mailpit" ] || { echo "mailpit not built in $PEER_BIN" >&2; return 1; }
		port_free "$PEER_SMTP" && port_free "$PEER_HTTP" || return 1
		make_data_dir "$run"
		# --max 0 keeps every message, as the other servers do.
		start_server "$BENCH_DIR/$run.log" "$PEER_BIN/mailpit" --quiet \
			--disable-version-check --max 0 --database "$BENCH_DIR/$run/mailpit.db" \
			--smtp "$PEER_SMTP" --listen "$PEER_HTTP"
		RUN_PID=$SERVER_PID RUN_SMTP=$PEER_SMTP RCPT=bench@mailpit.test
		wait_port "$RUN_SMTP"
		;;
	inbucket)
		[ -x "$PEER_BIN/inbucket" ] || { echo "inbucket not built in $PEER_BIN" >&2; return 1; }
		port_free "$PEER_SMTP" && port_free "$PEER_HTTP" || return 1
		make_data_dir "$run"
		# A mailbox cap of 0 keeps every message, as the other servers do.
		start_server "$BENCH_DIR/$run.log" env INBUCKET_LOGLEVEL=warn \
			INBUCKET_SMTP_ADDR="$PEER_SMTP" INBUCKET_WEB_ADDR="$PEER_HTTP" \
			INBUCKET_POP3_ADDR=127.0.0.1:$((BASE + 10)) \
			INBUCKET_STORAGE_TYPE=file INBUCKET_STORAGE_PARAMS="path:$BENCH_DIR/$run" \
			INBUCKET_STORAGE_MAILBOXMSGCAP=0 INBUCKET_SMTP_MAXMESSAGEBYTES=$((4 << 20)) \
			"$PEER_BIN/inbucket"
		RUN_PID=$SERVER_PID RUN_SMTP=$PEER_SMTP RCPT=bench@inbucket.test
		wait_port "$RUN_SMTP"
		;;
	*)
		echo "unknown server $server" >&2
		return 1
		;;
	esac
}

# run_load sends one load and prints "seconds errors": the wall time of
# smtp-source and how many lines it wrote to stderr (each a failed
# transaction or session).
run_load() {
	local sessions=$1 size=$2 count=$3 err=$BENCH_DIR/source.err start end
	start=$(date +%s.%N)
	"$SMTP_SOURCE" -s "$sessions" -l "$size" -m "$count" \
		-f bench@sender.example.test -t "$RCPT" "$RUN_SMTP" 2>"$err" || true
	end=$(date +%s.%N)
	echo "$(echo "$end - $start" | bc -l) $(wc -l <"$err")"
}

# stored_count prints how many messages the server stores, or "-" where the
# script cannot ask.
stored_count() {
	local server=$1
	case $server in
	mayfly)
		curl -sf -H "Authorization: Bearer $TOKEN" "http://$MAYFLY_HTTP/api/v1/inbox" | jq -r .message_count
		;;
	mailpit)
		curl -sf "http://$PEER_HTTP/api/v1/messages?limit=1" | jq -r .total
		;;
	inbucket)
		curl -sf "http://$PEER_HTTP/api/v1/mailbox/bench" | jq length
		;;
	*) echo - ;;
	esac
}

main() {
	bench_init
	build_mayfly
	echo "data under $BENCH_DIR ($(df --output=source "$BENCH_DIR" | tail -n 1))"
	local results=$BENCH_DIR/results.tsv
	: >"$results"

	local server load name sessions size count run secs errors stored
	for load in "${LOADS[@]}"; do
		read -r name sessions size count <<<"$load"
		for server in $SERVERS; do
			run=$server-$name
			if ! start_peer "$server" "$run" 2>"$BENCH_DIR/$run.err"; then
				printf '%s\t%s\t%s\tnot run: %s (log: %s)\n' "$server" "$name" "$count" \
					"$(tail -n 1 "$BENCH_DIR/$run.err")" "$BENCH_DIR/$run.log" >>"$results"
				[ -n "${SERVER_PID:-}" ] && stop_server "$SERVER_PID"
				continue
			fi
			read -r secs errors < <(run_load "$sessions" "$size" "$count")
			stored=$(stored_count "$server")
			printf '%s\t%s\t%s\t%.2f\t%.0f\t%s\t%s\t%s\n' "$server" "$name" "$count" "$secs" \
				"$(echo "$count / $secs" | bc -l)" "$(peak_rss_mb "$RUN_PID")" "$stored" "$errors" >>"$results"
			stop_server "$RUN_PID"
			SERVER_PID=
			# Keep the log for later reading, but not hundreds of MB of mail.
			rm -rf "${BENCH_DIR:?}/$run"
		done
	done
	print_table "$results"
}

# print_table prints the results and, for each load, Mayfly's throughput
# and peak RSS as ratios to each peer's.
print_table() {
	echo
	printf '%-10s %-5s %8s %9s %8s %13s %7s %11s\n' server load messages seconds msgs/s "peak RSS MB" stored "smtp errors"
	awk -F'\t' 'NF == 4 { printf "%-10s %-5s %8s %s\n", $1, $2, $3, $4; next }
		{ printf "%-10s %-5s %8s %9s %8s %13s %7s %11s\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$1"
	echo
	echo "Mayfly's ratios to each peer (msgs/s ratio above 1: Mayfly faster; RSS ratio above 1: Mayfly larger):"
	awk -F'\t' 'NF == 8 { rate[$1 "/" $2] = $5; rss[$1 "/" $2] = $6; loads[$2] = 1; servers[$1] = 1 }
		END {
			for (l in loads) for (s in servers) {
				if (s == "mayfly" || !(("mayfly/" l) in rate) || !((s "/" l) in rate)) continue
				printf "  %-5s vs %-10s msgs/s %5.2f   peak RSS %5.2f\n", l, s,
					rate["mayfly/" l] / rate[s "/" l], rss["mayfly/" l] / rss[s "/" l]
			}
		}' "$1" | sort
}

main "$@"
