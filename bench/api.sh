#!/usr/bin/env bash
# Measures the public API of mayfly dev: inbox creation, listing an inbox
# and reading a message, each at 1, 16 and 64 concurrent clients, with
# bench/cmd/apiload on loopback. The rate limits are off
# (MAYFLY_EDGE_RATE_CREATE=0 and MAYFLY_EDGE_RATE_API=0, the environment
# form of edge.rate_create and edge.rate_api), so the figures measure the
# service and not the limiter. Prints the RSS of mayfly dev at start,
# apiload's table, then the peak and current RSS of mayfly dev and how many
# inboxes it created. OPS=create CLIENTS=16 DURATION=25s fills it with
# over 100,000 idle inboxes on the 2-core machine of docs/benchmarks.md.
#
# Environment: CLIENTS (1,16,64), DURATION (10s per operation and client
# count), OPS (create,list,read), BENCH_PORT_BASE (23000), BENCH_DIR (a
# new /tmp/mayfly-bench.*), PPROF_LISTEN (serve mayfly's profiler there).
# RATE: requests per second to start whatever the replies' speed, with
# CLIENTS bounding those in flight. The default, 0, has each client send
# its next request when the reply arrives.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CLIENTS=${CLIENTS:-1,16,64}
DURATION=${DURATION:-10s}
OPS=${OPS:-create,list,read}
RATE=${RATE:-0}

# check_input rejects CLIENTS, OPS and RATE values that apiload would
# reject, before anything is built or started.
check_input() {
	if ! [[ $CLIENTS =~ ^\ *[1-9][0-9]*\ *(,\ *[1-9][0-9]*\ *)*$ ]]; then
		echo "invalid CLIENTS=$CLIENTS: want positive integers separated by commas, such as 1,16,64" >&2
		exit 2
	fi
	local op
	for op in ${OPS//,/ }; do
		case $op in
		create | list | read) ;;
		*)
			echo "invalid operation $op in OPS=$OPS: want create, list or read, separated by commas" >&2
			exit 2
			;;
		esac
	done
	if ! [[ $RATE =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
		echo "invalid RATE=$RATE: want 0 (each client sends its next request on the reply) or requests per second, such as 4000" >&2
		exit 2
	fi
}

main() {
	check_input
	bench_init
	build_mayfly
	(cd "$(dirname "$0")/.." && go build -o "$BENCH_DIR/apiload" ./bench/cmd/apiload)

	export MAYFLY_EDGE_RATE_CREATE=0 MAYFLY_EDGE_RATE_API=0
	start_mayfly mayfly-api
	echo "mayfly dev at start: RSS $(rss_mb "$MAYFLY_PID") MB"
	"$BENCH_DIR/apiload" -url "http://$MAYFLY_HTTP" -smtp "$MAYFLY_SMTP" \
		-clients "$CLIENTS" -duration "$DURATION" -ops "$OPS" -rate "$RATE"

	echo
	echo "mayfly dev at the end: peak RSS $(peak_rss_mb "$MAYFLY_PID") MB, RSS $(rss_mb "$MAYFLY_PID") MB," \
		"$(curl -sf "http://127.0.0.1:$((${BENCH_PORT_BASE:-23000} + 81))/metrics" |
			awk '/^mayfly_edge_inboxes_created_total/ { n += $2 } END { printf "%d", n }') inboxes created"
	stop_server "$MAYFLY_PID"
	rm -rf "${BENCH_DIR:?}/mayfly-api"
}

main "$@"
