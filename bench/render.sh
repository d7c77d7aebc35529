#!/bin/sh
# bench/render.sh: renders a ~6 KB leaderboard page (a layout in header
# and footer partials, 50 rows each through a row partial, names needing
# escaping, decimal hours) with crewlog's mustache engine and with
# kainjow mustache (libkainjow-mustache-dev) as is and with its partials
# inlined.  Prints renders/s and MB/s (noisy on a shared machine) and
# instructions per render from callgrind (N renders minus 0 renders, so
# parsing and start-up cancel out), the ratios, and whether outputs match.
# mustach, another C engine, is not packaged in Debian 12 and is left out.
#
#   bench/render.sh        (env: RENDERS, default 20000 for the timing)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$TOP/bench/render
N=${RENDERS:-20000}
CG_N=200
D=$(mktemp -d /tmp/crewlog-render-XXXXXX)
trap 'rm -rf "$D"' EXIT INT TERM

for h in /usr/include/kainjow/mustache.hpp; do
	[ -f "$h" ] || { echo "render.sh: apt-get install libkainjow-mustache-dev" >&2; exit 1; }
done
command -v valgrind >/dev/null || { echo "render.sh: apt-get install valgrind" >&2; exit 1; }

python3 "$B/make_data.py" > "$D/data.json"
# Same optimisation as the default build (autoconf's -g -O2).
cc -g -O2 -D_GNU_SOURCE -I"$TOP/src" -o "$D/crewlog_render" \
    "$TOP/bench/render_bench.c" "$TOP/src/mustache.c" "$TOP/src/buf.c" \
    "$TOP/src/util.c" $(pkg-config --cflags --libs jansson) -lm
c++ -g -O2 -std=c++11 -o "$D/kainjow_render" "$TOP/bench/render_kainjow.cpp" \
    $(pkg-config --cflags --libs jansson)

# instr PROGRAM ARGS-BEFORE-N -- ARGS-AFTER-N: instructions per render.
instr() {
	prog=$1; shift
	valgrind --tool=callgrind --callgrind-out-file="$D/cg0" \
	    "$prog" "$B" "$D/data.json" 0 "$@" >/dev/null 2>&1
	valgrind --tool=callgrind --callgrind-out-file="$D/cgN" \
	    "$prog" "$B" "$D/data.json" "$CG_N" "$@" >/dev/null 2>&1
	a=$(awk '/^summary:/ { print $2 }' "$D/cg0")
	b=$(awk '/^summary:/ { print $2 }' "$D/cgN")
	echo $(( (b - a) / CG_N ))
}

"$D/crewlog_render" "$B" "$D/data.json" "$N" "$D/crewlog.html" > "$D/t1"
"$D/kainjow_render" "$B" "$D/data.json" $((N / 10)) partials "$D/kp.html" > "$D/t2"
"$D/kainjow_render" "$B" "$D/data.json" "$N" inline "$D/ki.html" > "$D/t3"
I1=$(instr "$D/crewlog_render")
I2=$(instr "$D/kainjow_render" partials)
I3=$(instr "$D/kainjow_render" inline)

echo "bench/render: leaderboard page, $(wc -c < "$D/crewlog.html") bytes, 50 rows through a partial"
printf "%-24s %12s %9s %16s\n" engine "renders/s" "MB/s" "instr/render"
set -- $(cat "$D/t1"); printf "%-24s %12s %9s %16s\n" "crewlog mustache.c" "$1" "$2" "$I1"
set -- $(cat "$D/t2"); printf "%-24s %12s %9s %16s\n" "kainjow (partials)" "$1" "$2" "$I2"
set -- $(cat "$D/t3"); printf "%-24s %12s %9s %16s\n" "kainjow (inlined)" "$1" "$2" "$I3"
awk -v a="$I1" -v b="$I2" -v c="$I3" 'BEGIN {
	printf "crewlog / kainjow inlined: %.3f of the instructions (goal <= 0.333)\n", a / c
	printf "crewlog / kainjow partials: %.3f of the instructions\n", a / b }'

# Where crewlog's instructions go: inclusive costs from the N-render
# profile, per render (parsing there is a few hundred instructions).
valgrind --tool=callgrind --callgrind-out-file="$D/cgC" \
    "$D/crewlog_render" "$B" "$D/data.json" "$CG_N" >/dev/null 2>&1
callgrind_annotate --inclusive=yes "$D/cgC" 2>/dev/null | awk -v n="$CG_N" '
	function part(f, what) {
		if (index($0, ":" f " ") || index($0, ":" f "'"'"'")) {
			v = $1; gsub(/,/, "", v)
			if (!(what in seen)) { seen[what] = 1; order[++k] = what }
			cost[what] += v / n
		}
	}
	{
		part("json_object_getn", "jansson lookups (json_object_getn)")
		part("escape_into", "HTML escaping")
		part("put_int", "numbers (integers)")
		part("format_real", "numbers (reals)")
		part("lookup", "name lookups incl. jansson")
	}
	END {
		printf "where crewlog'"'"'s instructions go (inclusive, per render):"
		for (i = 1; i <= k; i++) printf "%s %s %.1fk", (i > 1 ? ";" : ""), order[i], cost[order[i]] / 1000
		printf "\n"
	}'

# Byte-for-byte comparison, naming the known differences.
for k in kp ki; do
	if cmp -s "$D/crewlog.html" "$D/$k.html"; then
		echo "output: crewlog and kainjow ($k) are identical"
	else
		echo "output: crewlog and kainjow ($k) differ:"
		diff "$D/crewlog.html" "$D/$k.html" | head -n 6 | sed 's/^/    /'
		grep -q "&apos;" "$D/$k.html" && echo "    (kainjow escapes ' as &apos;, crewlog as &#39;)"
		grep -q "&#39;" "$D/$k.html" && echo "    (both escape ' as &#39;)"
	fi
done
