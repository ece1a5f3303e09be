#!/usr/bin/env bash
# Start-up figures of the runtime against a bare Felix, whole processes timed from outside:
#   nova: ./nova -c 'drv:settle'   (starts the runtime on the simulated platform, waits for the
#                                   settle condition: both GSP boots done, every device bound;
#                                   runs one command, stops the framework in order, exits 0)
#   bare: Felix + SCR + ConfigAdmin + Gogo (runtime, JLine shell, commands) and nothing else,
#         assembled here from runtime/target/nova.jar itself: the same launcher, framework jar
#         and bundle jars, at the same start levels; Gogo's shell runs `lb` and then stops the
#         framework (exit 117, the bnd launcher's status for that). By default (BARE=tuned) it
#         starts as ./nova -c does: the same JVM options (./nova's batch_jvm), the framework's
#         jars on the class path and a start-up cache of its own, recorded by one run before the
#         warm-up, so the ratio is the cost of what Nova adds, not of how the JVM is started.
#         BARE=plain: java -jar with no options, as a bare Felix starts out of the box.
# The two run in turn, nova bare nova bare ..., so a drift of the machine's load hits both. Wall
# seconds, peak RSS and CPU seconds, user + system (GNU time's %e, %M, %U + %S) are taken per
# process; the script prints their medians and the median of the pair-by-pair ratios, with the
# load average before and after. On a loaded machine the wall figures drift with the load (the
# runtime's threads wait for a core); RSS does not, and CPU time much less, which makes the CPU
# ratio the steadier view of the work each side does.
# It builds nothing: run ./nova build first (a stale nova.jar is what ./nova itself would rebuild,
# so the script refuses to time a rebuild).
#
# usage: benchmarks/startup.sh [RUNS]   (default 10 pairs, after one warm-up pair)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
die() { echo "startup: $*" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$runs'"
nova_jar=$here/runtime/target/nova.jar
[ -f "$nova_jar" ] || die "$nova_jar is missing: ./nova build"
if [ ! -x /usr/bin/time ]; then # GNU time (the shell's builtin prints no RSS)
  echo "startup: installing GNU time (apt-get install time)" >&2
  apt-get install -y -q time >/dev/null 2>&1 || die "needs GNU time at /usr/bin/time (Debian package time)"
fi
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ]; then
  JAVA_HOME=$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n 1)
  [ -n "$JAVA_HOME" ] || die "set JAVA_HOME to the JDK ./nova uses"
fi
for t in unzip zip; do command -v "$t" >/dev/null || die "needs $t"; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- the bare reference, cut out of nova.jar ----
# The bundles kept (symbolic names): the platform the issue names and what it needs to resolve.
bare_bundles=" org.apache.felix.scr org.apache.felix.configadmin org.apache.felix.gogo.runtime
  org.apache.felix.gogo.jline org.apache.felix.gogo.command org.jline org.osgi.service.component
  org.osgi.util.promise org.osgi.util.function "
bare_bundles=$(tr '\n' ' ' <<<"$bare_bundles")
mkdir -p "$work/nova" "$work/props" "$work/gosh/etc"
(cd "$work/nova" && unzip -q "$nova_jar" 'jar/*' launcher.properties)
drop=()
for j in "$work"/nova/jar/*.jar; do
  bsn=$(unzip -p "$j" META-INF/MANIFEST.MF | tr -d '\r' | sed -n 's/^Bundle-SymbolicName: *\([^;]*\).*/\1/p')
  case "$bsn" in org.apache.felix.framework|biz.aQute.launcher) continue ;; esac # the launcher's own
  [[ "$bare_bundles" == *" $bsn "* ]] || drop+=("jar/${j##*/}")
done
cp "$nova_jar" "$work/bare.jar"
zip -q -d "$work/bare.jar" "${drop[@]}"
keep_attrs() { # launch.runbundles.attrs reduced to the kept bundles (their start levels stay)
  sed -n 's/^launch.runbundles.attrs=//p' "$work/nova/launcher.properties" | sed 's/,\([a-zA-Z]\)/\n\1/g' |
    while IFS= read -r a; do [[ "$bare_bundles" != *" ${a%%;*} "* ]] || echo "$a"; done | paste -sd, -
}
kept_jars=$(sed -n 's/^launch.bundles=//p' "$work/nova/launcher.properties" | tr ',' '\n' |
  grep -v -x -F -f <(printf '%s\n' "${drop[@]}") | paste -sd, -)
attrs=$(keep_attrs)
# Nova's own properties (FileInstall, the web page) go; gosh runs one command and stops Felix.
awk -v b="$kept_jars" -v a="$attrs" '
  /^launch.bundles=/ { print "launch.bundles=" b; next }
  /^launch.runbundles.attrs=/ { print "launch.runbundles.attrs=" a; next }
  /^gosh.args=/ { print "gosh.args=-c lb"; next }
  /^(felix.fileinstall|felix.webconsole|org.apache.felix.http|org.osgi.service.http)/ { next }
  { print }' "$work/nova/launcher.properties" >"$work/props/launcher.properties"
(cd "$work/props" && zip -q "$work/bare.jar" launcher.properties)
# The framework's class path (Embedded-Runpath) keeps the framework and the launcher: nova's SLF4J
# and Logback jars there are the runtime's logging, not the bare platform's.
mkdir -p "$work/props/META-INF"
unzip -p "$work/bare.jar" META-INF/MANIFEST.MF | tr -d '\r' |
  awk '/^ / { line = line substr($0, 2); next } NR > 1 { print line } { line = $0 } END { print line }' |
  awk -F': ' -v OFS=': ' '$1 == "Embedded-Runpath" {
      n = split($2, e, ","); keep = ""
      for (i = 1; i <= n; i++) if (e[i] ~ /org\.apache\.felix\.framework|biz\.aQute\.launcher/) keep = keep (keep == "" ? "" : ",") e[i]
      $2 = keep }
    { print }' |
  awk 'NF == 0 { print; next } { while (length($0) > 70) { print substr($0, 1, 70); $0 = " " substr($0, 71) } print }' \
  >"$work/props/META-INF/MANIFEST.MF"
while IFS= read -r j; do zip -q -d "$work/bare.jar" "$j"; done < <(unzip -Z1 "$work/bare.jar" 'jar/*' |
  grep -E 'jar/(slf4j|logback)')
(cd "$work/props" && zip -q "$work/bare.jar" META-INF/MANIFEST.MF)
rm -rf "$work/nova"
# Gogo's JLine shell sources etc/gosh_profile under gosh.home; its built-in one expects a line
# reader, which a run without a terminal has not.
echo '# the bare reference: no profile' >"$work/gosh/etc/gosh_profile"

# The exit status each side ends with: nova 0 (its LauncherMain's), bare 117 (the bnd
# launcher's for a framework stopped from inside, which Gogo does after -c).
declare -A status=([nova]=0 [bare]=117)

measure() { # NAME CMD...: appends "wall_s rss_kib cpu_s" of one run to $work/NAME
  local name=$1 rc=0; shift
  /usr/bin/time -f '%e %M %U %S' -o "$work/$name.one" "$@" </dev/null >"$work/$name.out" 2>&1 || rc=$?
  if [ "$rc" != "${status[$name]}" ]; then
    echo "startup: $name exited $rc, not ${status[$name]}:" >&2; tail -n 20 "$work/$name.out" >&2; exit 1
  fi
  tail -n 1 "$work/$name.one" | awk '{ print $1, $2, $3 + $4 }' >>"$work/$name"
}

# GNU time runs programs, not shell functions: each side is one command line
nova=(bash -c 'cd "$1" && exec ./nova -c drv:settle' nova "$here")
bare_props=(-Dorg.osgi.framework.storage="$work/bare-cache" -Dgosh.home="$work/gosh" -Dorg.jline.terminal.dumb=true)
case "${BARE:-tuned}" in
  plain)
    bare=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
      "${bare_props[@]}" -jar "$work/bare.jar") ;;
  tuned)
    # ./nova's own batch options, read from the script so the two never differ
    read -r -a batch <<<"$(sed -n 's/^batch_jvm=(\(.*\))$/\1/p' "$here/nova")"
    [ "${#batch[@]}" -gt 0 ] || die "cannot read batch_jvm from $here/nova"
    mkdir -p "$work/bare-rp"
    rp=$(unzip -Z1 "$work/bare.jar" 'jar/*' | grep -E 'jar/(org\.apache\.felix\.framework|biz\.aQute\.launcher)-')
    # shellcheck disable=SC2086 # two jar paths without spaces
    (cd "$work/bare-rp" && "$JAVA_HOME/bin/jar" xf "$work/bare.jar" $rp)
    bare_cp=$work/bare.jar$(printf ":$work/bare-rp/%s" $rp)
    bare_java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow
      "${batch[@]}" "${bare_props[@]}")
    rc=0
    "${bare_java[@]}" -XX:AOTCacheOutput="$work/bare.aot" -cp "$bare_cp" aQute.launcher.pre.EmbeddedLauncher \
      </dev/null >"$work/bare-train.out" 2>&1 || rc=$?
    [ "$rc" = 117 ] && [ -f "$work/bare.aot" ] || { tail -n 20 "$work/bare-train.out" >&2; die "the bare reference's training run failed (exit $rc)"; }
    bare=("${bare_java[@]}" -XX:AOTCache="$work/bare.aot" -cp "$bare_cp" aQute.launcher.pre.EmbeddedLauncher) ;;
  *) die "BARE must be tuned or plain, not '$BARE'" ;;
esac

export JAVA_HOME
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measure nova "${nova[@]}"; measure bare "${bare[@]}" # warm-up: page cache, the caches' first fill
: >"$work/nova"; : >"$work/bare"
for _ in $(seq "$runs"); do
  measure nova "${nova[@]}"
  measure bare "${bare[@]}"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$work/$1"; }
# columns of the pasted pair: nova's wall, RSS, CPU, then bare's wall, RSS, CPU
ratio() { paste -d' ' "$work/nova" "$work/bare" | awk -v a="$1" -v b="$2" '{ print $a / $b }' | median; }

printf 'startup: %d interleaved pairs on %s cores (bare reference: %s), load average %s before, %s after; medians\n' \
  "$runs" "$(nproc)" "${BARE:-tuned}" "$load_before" "$load_after"
printf 'wall  nova %.2f s    bare %.2f s    ratio %.2f  (goal <= 1.3)\n' \
  "$(col nova 1 | median)" "$(col bare 1 | median)" "$(ratio 1 4)"
printf 'RSS   nova %.0f MiB  bare %.0f MiB  ratio %.2f  (goal <= 2)\n' \
  "$(col nova 2 | median | awk '{ print $1 / 1024 }')" "$(col bare 2 | median | awk '{ print $1 / 1024 }')" "$(ratio 2 5)"
printf 'CPU   nova %.2f s    bare %.2f s    ratio %.2f  (user + system)\n' \
  "$(col nova 3 | median)" "$(col bare 3 | median)" "$(ratio 3 6)"
