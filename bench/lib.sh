# Shared helpers of the bench scripts: a work directory, servers started in
# the background on loopback and stopped by their process id, and peak RSS
# from /proc. Source it; it defines functions only.

# bench_init creates the work directory that contains every data directory,
# so that all servers write to the same file system.
bench_init() {
	BENCH_DIR=${BENCH_DIR:-$(mktemp -d /tmp/mayfly-bench.XXXXXX)}
	mkdir -p "$BENCH_DIR"
	BENCH_PIDS=()
	BENCH_DATA_DIRS=()
	trap bench_cleanup EXIT
}

# make_data_dir creates the data directory BENCH_DIR/NAME of one server,
# which bench_cleanup removes even when the run fails.
make_data_dir() {
	mkdir -p "$BENCH_DIR/$1"
	BENCH_DATA_DIRS+=("$BENCH_DIR/$1")
}

# bench_cleanup stops every server this script started, by process id,
# and removes the data directories and binaries it made. The logs stay in
# BENCH_DIR.
bench_cleanup() {
	local pid
	for pid in "${BENCH_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${BENCH_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "${BENCH_DATA_DIRS[@]}"
	rm -f "$BENCH_DIR/mayfly" "$BENCH_DIR/apiload"
	echo "logs kept in $BENCH_DIR; remove it when done, because mayfly's log contains the run's operator token" >&2
}

# build_mayfly builds the mayfly command of this checkout into BENCH_DIR.
build_mayfly() {
	(cd "$(dirname "${BASH_SOURCE[0]}")/.." && go build -o "$BENCH_DIR/mayfly" ./cmd/mayfly)
}

# wait_port waits up to 60 s until something accepts TCP on host:port.
wait_port() {
	local host=${1%:*} port=${1##*:} i
	for i in $(seq 600); do
		if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "timed out after 60 s waiting for a listener on $1" >&2
	return 1
}

# port_free fails when something already listens on host:port.
port_free() {
	local host=${1%:*} port=${1##*:}
	if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
		echo "$1 is already in use: set BENCH_PORT_BASE to another value" >&2
		return 1
	fi
}

# start_server runs a command in the background with its output in a log
# file and sets SERVER_PID. The command must exec the server itself, so
# that the process id is the server's.
start_server() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	SERVER_PID=$!
	BENCH_PIDS+=("$SERVER_PID")
}

# stop_server stops one server by its process id and waits for it.
stop_server() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# peak_rss_mb prints a process's peak resident set size (VmHWM) in MB.
peak_rss_mb() {
	awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}

# rss_mb prints a process's current resident set size in MB, split into
# anonymous memory (heap, stacks) and file pages (such as bbolt's mapped
# database).
rss_mb() {
	awk '/^VmRSS:/ { t = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
		END { printf "%.0f (anonymous %.0f, file %.0f)", t / 1024, a / 1024, f / 1024 }' "/proc/$1/status"
}

# start_mayfly starts mayfly dev on loopback ports from BENCH_PORT_BASE with
# its data directory under BENCH_DIR, logging at warn, and sets MAYFLY_PID
# and MAYFLY_HTTP. Extra environment comes from the caller. With
# PPROF_LISTEN set, it serves Go's profiler there.
start_mayfly() {
	local name=$1 base=${BENCH_PORT_BASE:-23000}
	MAYFLY_HTTP=127.0.0.1:$((base + 80))
	MAYFLY_SMTP=127.0.0.1:$((base + 25))
	port_free "$MAYFLY_HTTP" && port_free "$MAYFLY_SMTP" || return 1
	make_data_dir "$name"
	local profiler=()
	if [ -n "${PPROF_LISTEN:-}" ]; then
		profiler=(--pprof-listen "$PPROF_LISTEN")
	fi
	start_server "$BENCH_DIR/$name.log" env MAYFLY_LOG_LEVEL=warn "$BENCH_DIR/mayfly" dev \
		--data-dir "$BENCH_DIR/$name" "${profiler[@]}" \
		--http-listen "$MAYFLY_HTTP" --smtp-listen "$MAYFLY_SMTP" \
		--internal-listen 127.0.0.1:$((base + 81)) --dns-listen 127.0.0.1:$((base + 53)) \
		--api-listen 127.0.0.1:$((base + 94)) --raft-listen 127.0.0.1:$((base + 93))
	MAYFLY_PID=$SERVER_PID
	wait_port "$MAYFLY_HTTP" && wait_port "$MAYFLY_SMTP" || return 1

	# The listeners open before the edge has its domain pool; /readyz
	# turns 200 once it can create inboxes.
	local i
	for i in $(seq 300); do
		curl -sf -o /dev/null "http://$MAYFLY_HTTP/readyz" && return 0
		sleep 0.1
	done
	echo "mayfly dev not ready after 30 s; see $BENCH_DIR/$name.log" >&2
	return 1
}

# create_inbox creates an inbox with a one-hour lifetime on mayfly dev and
# prints its JSON reply (address, token, expires_at).
create_inbox() {
	curl -sf -X POST "http://$MAYFLY_HTTP/api/v1/inboxes" -d '{"ttl":"1h"}'
}
