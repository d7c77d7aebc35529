#!/bin/sh
# bench/sandbox.sh: what sandbox = enforce costs per request.
#
#   bench/sandbox.sh [CREWLOG_BIN]     (default: build/normal/crewlog)
#
# Environment: REQUESTS (2000), CALLS (1000000).
# Prints, for one worker serving /ping over FastCGI:
#   - user-space instructions per request, and how many of them are the
#     sandbox's per-request check (callgrind; a worker serving N+1
#     requests minus one serving 1, so start-up cancels out).  Callgrind
#     runs with sandbox = off: valgrind 3.19 does not implement seccomp(2)
#     and its own system calls would meet the worker's filter, so the
#     filter cannot run under it; the user-space code is the same in both
#     modes, the check runs in every mode;
#   - system calls per request (strace -c on the worker), off and enforce;
#   - nanoseconds per system call without and with the filter
#     (bench/sandbox_cost): the BPF program runs in the kernel, where
#     callgrind cannot see it;
# and the estimated kernel-side cost per request (calls x extra ns).
# Not a test: it prints figures for docs/reliability.md.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-${CREWLOG_BIN:-$TOP/build/normal/crewlog}}
BUILD=$(dirname "$BIN")
N=${REQUESTS:-2000}
CALLS=${CALLS:-1000000}

[ -x "$BIN" ] || { echo "sandbox.sh: no crewlog binary at $BIN" >&2; exit 1; }
for c in valgrind strace python3; do
	command -v $c >/dev/null || { echo "sandbox.sh: $c not installed" >&2; exit 1; }
done

D=$(mktemp -d /tmp/crewlog-bench-sandbox-XXXXXX)
chmod 755 "$D"
VP=""
cleanup() {
	[ -n "$VP" ] && kill "$VP" 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

# hit.py SOCKET N: N FastCGI GET /ping, one connection each, as nginx does.
cat > "$D/hit.py" <<PY
import sys
sys.path.insert(0, "$TOP/tests/integration")
from harness import fcgi_get
sock, n = sys.argv[1], int(sys.argv[2])
for _ in range(n):
    out = fcgi_get(sock, "/ping")
    assert b"pong" in out, out
PY

conf() {
	cat > "$D/$1.conf" <<CONF
[global]
error_log = $D/$1.log

[www]
listen = $D/$1.sock
listen.mode = 0666
pm = static
pm.max_children = 1
ping.path = /ping
templates = $TOP/templates
sandbox = $1
CONF
}

wait_sock() {
	for i in $(seq 150); do
		[ -S "$1" ] && python3 "$D/hit.py" "$1" 1 2>/dev/null && return 0
		sleep 0.2
	done
	echo "sandbox.sh: crewlog did not answer on $1" >&2
	cat "$D"/*.log >&2
	exit 1
}

# cg MODE N: instructions of the worker that served N requests (the
# readiness probe is the first), then the instructions spent in sandbox_*
# functions; leaves the worker's profile in $D/cg.worker.
cg() {
	rm -f "$D"/cg.out.*
	conf "$1"
	valgrind --tool=callgrind --callgrind-out-file="$D/cg.out.%p" \
	    "$BIN" -F -c "$D/$1.conf" >"$D/$1.vg" 2>&1 &
	VP=$!
	wait_sock "$D/$1.sock"
	[ "$2" -gt 1 ] && python3 "$D/hit.py" "$D/$1.sock" $(($2 - 1))
	kill -TERM "$VP" 2>/dev/null || true
	wait "$VP" 2>/dev/null || true
	VP=""
	W=$(for f in "$D"/cg.out.*; do
		echo "$(awk '/^summary:/ { print $2 }' "$f") $f"
	done | sort -n | tail -1)
	set -- $W
	cp "$2" "$D/cg.worker"
	SB=$(callgrind_annotate --inclusive=yes --threshold=100 "$D/cg.worker" \
	    2>/dev/null | awk '/sandbox_take_violation/ { gsub(",", "", $1); s += $1 }
	    END { print s + 0 }')
	echo "$1 $SB"
}

# sc MODE N: system calls per request of the worker, from strace -c.
sc() {
	conf "$1"
	"$BIN" -F -c "$D/$1.conf" >"$D/$1.out" 2>&1 &
	VP=$!
	wait_sock "$D/$1.sock"
	W=$(cat /proc/$VP/task/$VP/children | awk '{ print $1 }')
	strace -c -f -o "$D/$1.strace" -p "$W" &
	SP=$!
	sleep 0.5
	python3 "$D/hit.py" "$D/$1.sock" "$2"
	sleep 0.2
	kill -INT "$SP" 2>/dev/null || true
	wait "$SP" 2>/dev/null || true
	kill -TERM "$VP" 2>/dev/null || true
	wait "$VP" 2>/dev/null || true
	VP=""
	awk -v n="$2" '$NF == "total" { printf "%.1f\n", $4 / n }' \
	    "$D/$1.strace"
}

set -- $(cg off 1); OFF1=$1; SB1=$2
set -- $(cg off $((N + 1))); OFFN=$1; SBN=$2
SC_OFF=$(sc off "$N")
SC_ON=$(sc enforce "$N")
# Seconds are noisy on a shared machine: alternate 5 runs of each, keep
# the fastest of each.
A=""; B=""
for i in 1 2 3 4 5; do
	A="$A $("$BUILD/bench/sandbox_cost" off "$CALLS")"
	B="$B $("$BUILD/bench/sandbox_cost" enforce "$CALLS")"
done
set -- $(echo $A | tr ' ' '\n' | sort -n | head -1) \
    $(echo $B | tr ' ' '\n' | sort -n | head -1)
awk -v o1="$OFF1" -v on="$OFFN" -v s1="$SB1" -v sn="$SBN" -v n="$N" \
    -v so="$SC_OFF" -v se="$SC_ON" -v a="$1" -v b="$2" 'BEGIN {
	off = (on - o1) / n; sb = (sn - s1) / n
	printf "user-space instructions per request (callgrind, %d requests): %.0f, of which the sandbox check %.1f (%.3f%%)\n", n, off, sb, 100 * sb / off
	printf "system calls per request (strace -c): off %s, enforce %s\n", so, se
	printf "one system call (getppid): %.1f ns without the filter, %.1f ns with it (%+.1f ns)\n", a, b, b - a
	printf "kernel-side filter cost per request: about %.0f ns (%s calls x %.1f ns)\n", se * (b - a), se, b - a
}'
