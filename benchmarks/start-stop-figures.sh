#!/usr/bin/env bash
# Start-and-stop figures for the runtime, whole processes timed from outside with GNU time:
#   A: ./nova -c 'drv:settle'   (starts, waits for the settle condition, runs one command, stops
#                                the framework in order, exits)
#   B: runtime/target/bare.jar  (Felix with SCR, Configuration Admin and Gogo, nothing of Nova,
#                                started with the same JVM and options, one Gogo command, after
#                                which the Gogo shell stops the framework)
# A and B run in turn, A B A B ..., so a drift of the machine's speed hits both; the ratio is
# taken pair by pair and its median printed, with the medians of wall seconds and peak RSS.
#
# usage: benchmarks/start-stop-figures.sh [PAIRS]   (default 11; run ./nova build first)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pairs=${1:-11}
[ -x /usr/bin/time ] || { echo "start-stop-figures: needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 2; }
[ -f "$here/runtime/target/bare.jar" ] || { echo "start-stop-figures: runtime/target/bare.jar is missing: ./nova build" >&2; exit 2; }
JAVA_HOME=${JAVA_HOME:?set JAVA_HOME to the JDK ./nova uses}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The exit status each side ends with: nova 0; the bare launcher 117, the bnd launcher's status
# for a framework stopped from inside (Gogo's shell stops it after its -c command), which the
# runtime's LauncherMain turns into 0 and a bare Felix does not.
declare -A status=([nova]=0 [bare]=117)

measure() { # NAME CMD...: appends "wall_s rss_kib" of one run to $work/NAME
  local name=$1 rc=0; shift
  /usr/bin/time -f '%e %M' -o "$work/$name.one" "$@" </dev/null >"$work/$name.out" 2>&1 || rc=$?
  if [ "$rc" != "${status[$name]}" ]; then
    echo "start-stop-figures: $name exited $rc, not ${status[$name]}:" >&2; tail -n 20 "$work/$name.out" >&2; exit 1
  fi
  tail -n 1 "$work/$name.one" >"$work/$name.last" && mv "$work/$name.last" "$work/$name.one"
  cat "$work/$name.one" >>"$work/$name"
}

# GNU time runs programs, not shell functions: each side is one command line
nova=(bash -c 'cd "$1" && exec ./nova -c drv:settle </dev/null' nova "$here")
bare=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
  -Dorg.osgi.framework.storage="$work/bare-cache" -Dgosh.args='-c lb' -jar "$here/runtime/target/bare.jar")

measure nova "${nova[@]}"; measure bare "${bare[@]}" # warm-up: page cache, the first bundle cache
: >"$work/nova"; : >"$work/bare"
for _ in $(seq "$pairs"); do
  measure nova "${nova[@]}"
  measure bare "${bare[@]}"
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$work/$1"; }
ratio() { paste "$work/nova" "$work/bare" | awk -v a="$1" -v b="$2" '{ print $a / $b }' | median; }

printf '%d pairs, medians\n' "$pairs"
printf 'wall  nova %.2f s   bare %.2f s   ratio %.2f\n' "$(col nova 1 | median)" "$(col bare 1 | median)" "$(ratio 1 3)"
printf 'RSS   nova %.0f MiB  bare %.0f MiB  ratio %.2f\n' "$(col nova 2 | median | awk '{ print $1 / 1024 }')" \
  "$(col bare 2 | median | awk '{ print $1 / 1024 }')" "$(ratio 2 4)"
