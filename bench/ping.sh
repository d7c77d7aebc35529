#!/bin/sh
# bench/ping.sh: crewlog's /ping against a bare libfcgi responder, both
# behind the same nginx, measured with wrk in alternating rounds.
#
#   bench/ping.sh [CREWLOG_BIN]     (default: build/normal/crewlog)
#
# Environment: ROUNDS (3), SECONDS_PER_RUN (5), CONNS (16), WORKERS (2),
# CALLGRIND_REQUESTS (2000; 0 skips that part).
# Prints requests/s, p50 and p99 latency (medians over the rounds), the
# workers' RSS (and where it comes from), the crewlog/peer throughput
# ratio and, because seconds are noisy on a shared machine, instructions
# per request from callgrind (a worker serving N+1 requests minus one
# serving 1).  Not a test: it prints figures; the goal is a ratio >= 0.9
# and worker RSS <= 3 MiB.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-${CREWLOG_BIN:-$TOP/build/normal/crewlog}}
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_PER_RUN:-5}
CONNS=${CONNS:-16}
WORKERS=${WORKERS:-2}

[ -x "$BIN" ] || { echo "ping.sh: no crewlog binary at $BIN" >&2; exit 1; }
command -v wrk >/dev/null || { echo "ping.sh: wrk not installed" >&2; exit 1; }
command -v nginx >/dev/null || { echo "ping.sh: nginx not installed" >&2; exit 1; }

D=$(mktemp -d /tmp/crewlog-bench-XXXXXX)
chmod 755 "$D"
PIDS=""
cleanup() {
	for p in $PIDS; do
		pkill -P "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	sleep 0.3
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The peer: the textbook libfcgi accept loop (bench/peer/bare.c), built
# here, answering "pong" like crewlog's ping.path.
cc -O2 -o "$D/bare" "$TOP/bench/peer/bare.c" $(pkg-config --cflags --libs fcgi)
printf 'pong\n' > "$D/pong"
"$D/bare" "$D/peer.sock" "$WORKERS" "$D/pong" >"$D/peer.out" 2>&1 &
PIDS="$PIDS $!"

# crewlog: static pool of the same size, access log to a file.
cat > "$D/crewlog.conf" <<CONF
[global]
error_log = $D/crewlog.log

[www]
listen = $D/crewlog.sock
listen.mode = 0666
pm = static
pm.max_children = $WORKERS
ping.path = /ping
templates = $TOP/templates
CONF
"$BIN" -F -c "$D/crewlog.conf" >"$D/crewlog.out" 2>&1 &
CPID=$!
PIDS="$PIDS $CPID"

PC=$(free_port)
PP=$(free_port)
PCG=$(free_port)
PPG=$(free_port)
mkdir -p "$D/nginx"
cp /etc/nginx/fastcgi_params "$D/nginx/"
cat > "$D/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $D/nginx/nginx.pid;
error_log $D/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $D/nginx/body;
    fastcgi_temp_path $D/nginx/fastcgi;
    proxy_temp_path $D/nginx/proxy;
    uwsgi_temp_path $D/nginx/uwsgi;
    scgi_temp_path $D/nginx/scgi;
    server {
        listen 127.0.0.1:$PC;
        location / { include fastcgi_params; fastcgi_pass unix:$D/crewlog.sock; }
    }
    server {
        listen 127.0.0.1:$PP;
        location / { include fastcgi_params; fastcgi_pass unix:$D/peer.sock; }
    }
    server {
        listen 127.0.0.1:$PCG;
        location / { include fastcgi_params; fastcgi_pass unix:$D/cg-crewlog.sock; }
    }
    server {
        listen 127.0.0.1:$PPG;
        location / { include fastcgi_params; fastcgi_pass unix:$D/cg-peer.sock; }
    }
}
CONF
nginx -p "$D/nginx" -c "$D/nginx/nginx.conf" >"$D/nginx.out" 2>&1 &
PIDS="$PIDS $!"

for i in $(seq 50); do
	if curl -sf "http://127.0.0.1:$PC/ping" >/dev/null 2>&1 &&
	    curl -sf "http://127.0.0.1:$PP/ping" >/dev/null 2>&1; then
		break
	fi
	sleep 0.1
done
[ "$(curl -s "http://127.0.0.1:$PC/ping")" = pong ] || { echo "crewlog does not answer" >&2; exit 1; }
[ "$(curl -s "http://127.0.0.1:$PP/ping")" = pong ] || { echo "peer does not answer: $(curl -si "http://127.0.0.1:$PP/ping")" >&2; cat "$D/nginx/error.log" >&2; exit 1; }

# One wrk run: prints "req/s p50_ms p99_ms".
run() {
	wrk -t1 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$1/ping" |
	awk '
	function ms(v) {
		if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
		if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
		if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
		return v
	}
	/^ +50%/ { p50 = ms($2) }
	/^ +99%/ { p99 = ms($2) }
	/^Requests\/sec:/ { rps = $2 }
	/Non-2xx|Socket errors/ { bad = bad " " $0 }
	END {
		if (bad != "") print "wrk reported errors:" bad > "/dev/stderr"
		printf "%.0f %.3f %.3f\n", rps, p50, p99
	}'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > "$D/c.txt"
: > "$D/p.txt"
for r in $(seq "$ROUNDS"); do
	run "$PC" >> "$D/c.txt"
	run "$PP" >> "$D/p.txt"
done

col() { awk -v c="$2" '{ print $c }' "$1" | median; }
C_RPS=$(col "$D/c.txt" 1); C_P50=$(col "$D/c.txt" 2); C_P99=$(col "$D/c.txt" 3)
P_RPS=$(col "$D/p.txt" 1); P_P50=$(col "$D/p.txt" 2); P_P99=$(col "$D/p.txt" 3)

# Worker RSS and PSS (kB), the master's children.
rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
pss_of() { awk '/^Pss:/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
W_RSS=0; W_PSS=0; N=0
for w in $(pgrep -P "$CPID"); do
	W_RSS=$(( W_RSS > $(rss_of "$w") ? W_RSS : $(rss_of "$w") ))
	W_PSS=$(( W_PSS > $(pss_of "$w") ? W_PSS : $(pss_of "$w") ))
	N=$((N + 1))
done
PEER_RSS=0
for w in $(pgrep -f "$D/bare"); do
	[ "$(rss_of "$w")" -gt "$PEER_RSS" ] && PEER_RSS=$(rss_of "$w")
done

echo "bench/ping: $ROUNDS x ${SECS}s rounds, wrk -c$CONNS, $WORKERS workers each, same nginx"
printf "%-10s %10s %9s %9s\n" "" "req/s" "p50 ms" "p99 ms"
printf "%-10s %10s %9s %9s\n" crewlog "$C_RPS" "$C_P50" "$C_P99"
printf "%-10s %10s %9s %9s\n" libfcgi "$P_RPS" "$P_P50" "$P_P99"
awk -v c="$C_RPS" -v p="$P_RPS" 'BEGIN { printf "ratio crewlog/libfcgi: %.2f (goal >= 0.90)\n", c / p }'
awk -v r="$W_RSS" -v s="$W_PSS" -v n="$N" -v pr="$PEER_RSS" 'BEGIN {
	printf "crewlog worker RSS: %.2f MiB max of %d (PSS %.2f MiB; goal RSS <= 3 MiB); peer RSS %.2f MiB\n",
	    r / 1024, n, s / 1024, pr / 1024 }'

# Where a worker's RSS comes from (kB): libc, libpq with the libraries
# only it pulls in (OpenSSL, GnuTLS, Kerberos, LDAP, ...), the rest.
W=$(pgrep -P "$CPID" | head -1)
LIBPQ=$(ldconfig -p | awk '/libpq\.so\.5 .*x86-64/ { print $NF; exit }')
if [ -n "$W" ] && [ -n "$LIBPQ" ]; then
	ldd "$LIBPQ" | awk '{ print $1 }' | sed 's/\.so.*//' |
	    grep -v -e '^libc$' -e '^libm$' -e '^linux-vdso' -e '^/' > "$D/pqdeps"
	echo libpq >> "$D/pqdeps"
	awk -v deps="$D/pqdeps" '
	BEGIN { while ((getline l < deps) > 0) dep[l] = 1 }
	/^[0-9a-f]+-[0-9a-f]+ / { name = $6; base = name; sub(/.*\//, "", base); sub(/\.so.*/, "", base) }
	/^Rss:/ {
		if (base == "libc") g = "libc"
		else if (base in dep) g = "libpq+deps"
		else if (name ~ /crewlog$/) g = "binary"
		else if (name == "" || name ~ /^\[(heap|stack)\]$/) g = "heap/stack/anon"
		else g = "other libs"
		sum[g] += $2
	}
	END {
		printf "worker RSS by mapping (kB):"
		n = split("libc libpq+deps binary heap/stack/anon other libs", o, " ")
		printf " libc %d, libpq+deps %d, binary %d, heap/stack/anon %d, other %d\n",
		    sum["libc"], sum["libpq+deps"], sum["binary"], sum["heap/stack/anon"], sum["other libs"]
	}' "/proc/$W/smaps"
fi

# The kernel's share: libc text a trivial C program already shows in its
# RSS, and what touching one more page of it adds (fault-around).
if cc -O2 -o "$D/faultaround" "$TOP/bench/peer/faultaround.c" 2>/dev/null &&
    FA=$("$D/faultaround"); then
	set -- $FA
	echo "libc text in RSS of a trivial C program: $1 kB; touching one more page adds $2 kB"
fi

# Instructions per request, from callgrind: one worker (crewlog) and one
# process (the peer) each serve 1 request, then 1+N; the difference over
# N cancels start-up.  Repeatable where seconds are not.
CGN=${CALLGRIND_REQUESTS:-2000}
if [ "$CGN" -gt 0 ] && command -v valgrind >/dev/null; then
	cat > "$D/hit.py" <<'PY'
import http.client, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for _ in range(n):
    c.request("GET", "/ping"); r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
	sed -e "s#$D/crewlog.sock#$D/cg-crewlog.sock#" \
	    -e "s#pm.max_children = $WORKERS#pm.max_children = 1#" \
	    -e "s#$D/crewlog.log#$D/cg-crewlog.log#" "$D/crewlog.conf" > "$D/cg.conf"
	# cg_run WHAT PORT N: runs WHAT under callgrind, sends N requests,
	# prints the instructions of the process that served them.
	cg_run() {
		rm -f "$D"/cg.out.*
		if [ "$1" = crewlog ]; then
			valgrind --tool=callgrind --callgrind-out-file="$D/cg.out.%p" \
			    "$BIN" -F -c "$D/cg.conf" >/dev/null 2>&1 &
		else
			valgrind --tool=callgrind --callgrind-out-file="$D/cg.out.%p" \
			    "$D/bare" "$D/cg-peer.sock" 1 "$D/pong" >/dev/null 2>&1 &
		fi
		VP=$!
		for i in $(seq 150); do
			curl -sf "http://127.0.0.1:$2/ping" >/dev/null 2>&1 && break
			sleep 0.2
		done
		[ "$3" -gt 1 ] && python3 "$D/hit.py" "$2" $(($3 - 1))
		pkill -TERM -P "$VP" 2>/dev/null || true
		sleep 1
		kill -TERM "$VP" 2>/dev/null || true
		wait "$VP" 2>/dev/null || true
		# The serving process ran the most instructions.
		for f in "$D"/cg.out.*; do awk '/^summary:/ { print $2 }' "$f"; done | sort -n | tail -1
	}
	C1=$(cg_run crewlog "$PCG" 1); CN=$(cg_run crewlog "$PCG" $((CGN + 1)))
	P1=$(cg_run peer "$PPG" 1); PN=$(cg_run peer "$PPG" $((CGN + 1)))
	awk -v c1="$C1" -v cn="$CN" -v p1="$P1" -v pn="$PN" -v n="$CGN" 'BEGIN {
		c = (cn - c1) / n; p = (pn - p1) / n
		printf "instructions per request (callgrind, %d requests): crewlog %.0f, libfcgi %.0f, ratio %.2f\n", n, c, p, c / p }'
fi
