#!/usr/bin/env bash
# memberlist bench: failure-detection time (Java observes Go next to Go observes Go, >= 10 runs of a 3-member
# cluster where one Go member is SIGKILLed), and CPU and memory of one Java member in a 50-member cluster
# (49 Go agents + 1 Java agent). Everything runs on loopback addresses 127.78.x.y / 127.79.x.y, port 7946.
# Usage: memberlist/bench/bench.sh [RUNS=10] [CLUSTER=50] [WINDOW_S=60]
set -euo pipefail
runs=${1:-10} cluster=${2:-50} window=${3:-60}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/bin/lib.sh"
ingot_env
work=$(mktemp -d /tmp/ingot-memberlist-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The Go agent: the interop tests' source, built offline against Debian's package (GOPATH mode, no proxy).
mkdir -p "$work/go"
cp "$root/memberlist/src/test/resources/go-agent/main.go" "$work/go/"
(cd "$work/go" && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOCACHE="$root/memberlist/target/go-agent/cache" \
  go build -o agent main.go)
goagent="$work/go/agent"
"$root/bin/ingot" --version >/dev/null   # builds the CLI when needed
java_agent() { exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -jar "$root/cli/target/ingot.jar" memberlist agent "$@"; }

now_ms() { date +%s%3N; }
# first_ts FILE EVENT NODE: the ts of the first matching JSON line, or empty
first_ts() { grep -F "\"event\":\"$2\"" "$1" 2>/dev/null | grep -F "\"node\":\"$3\"" | head -1 | sed -n 's/.*"ts":\([0-9]*\).*/\1/p'; }
wait_for() { # wait_for SECONDS CMD...: polls every 50 ms
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.05; done
}
joined() { [ -n "$(first_ts "$1" join "$2")" ]; }

echo "## failure detection: 3 members (Go a, Java b, Go c), c SIGKILLed; time until the observer reports it left" >&2
: > "$work/detect.tsv"
for r in $(seq 1 "$runs"); do
  net="127.78.$r"
  d="$work/run$r"; mkdir -p "$d"
  "$goagent" -name a -bind "$net.1" -port 7946 > "$d/a.log" 2>/dev/null & pa=$!; pids+=("$pa")
  wait_for 10 joined "$d/a.log" a
  java_agent --name b --bind "$net.2:7946" --join "$net.1:7946" > "$d/b.log" 2>/dev/null & pb=$!; pids+=("$pb")
  wait_for 20 joined "$d/b.log" a
  "$goagent" -name c -bind "$net.3" -port 7946 -join "$net.1:7946" > "$d/c.log" 2>/dev/null & pc=$!; pids+=("$pc")
  wait_for 20 bash -c "grep -q '\"node\":\"c\"' '$d/b.log' && grep -q '\"node\":\"b\"' '$d/c.log'"
  sleep "$(awk -v s=$RANDOM 'BEGIN{srand(s); printf "%.2f", 1 + rand()}')"   # a random phase against the probe ticks
  t0=$(now_ms); kill -9 "$pc"
  if wait_for 30 bash -c "[ -n \"\$(grep -F '\"event\":\"leave\"' '$d/a.log' | grep -F '\"node\":\"c\"')\" ] && [ -n \"\$(grep -F '\"event\":\"leave\"' '$d/b.log' | grep -F '\"node\":\"c\"')\" ]"; then
    jb=$(( $(first_ts "$d/b.log" leave c) - t0 )); ga=$(( $(first_ts "$d/a.log" leave c) - t0 ))
    printf '%s\t%s\t%s\n' "$r" "$jb" "$ga" | tee -a "$work/detect.tsv" >&2
  else
    echo "run $r: not detected within 30 s" >&2
  fi
  kill "$pa" "$pb" 2>/dev/null || true; wait "$pa" "$pb" 2>/dev/null || true
done
stats() { sort -n | awk '{v[NR]=$1; s+=$1} END {if (NR==0) {print "n=0"; exit} printf "n=%d min=%d median=%d mean=%d max=%d", NR, v[1], v[int((NR+1)/2)], s/NR, v[NR]}'; }
echo
echo "failure detection (ms from SIGKILL to the observer's leave event), 3 members, DefaultLANConfig:"
echo "  Java observes Go: $(cut -f2 "$work/detect.tsv" | stats)"
echo "  Go observes Go:   $(cut -f3 "$work/detect.tsv" | stats)"
echo "  runs (run, java_ms, go_ms): $(awk '{printf "%s:%s/%s ", $1, $2, $3}' "$work/detect.tsv")"

echo "## independent detectors: two 2-member clusters side by side, (Go o + Go v) and (Java j + Go w); v and w SIGKILLed together" >&2
: > "$work/pairs.tsv"
for r in $(seq 1 "$runs"); do
  net="127.78.$((100 + r))"
  d="$work/pair$r"; mkdir -p "$d"
  "$goagent" -name o -bind "$net.1" -port 7946 > "$d/o.log" 2>/dev/null & po=$!; pids+=("$po")
  java_agent --name j --bind "$net.3:7946" > "$d/j.log" 2>/dev/null & pj=$!; pids+=("$pj")
  wait_for 10 joined "$d/o.log" o
  "$goagent" -name v -bind "$net.2" -port 7946 -join "$net.1:7946" > "$d/v.log" 2>/dev/null & pv=$!; pids+=("$pv")
  sleep 2   # the Java agent's JVM start
  "$goagent" -name w -bind "$net.4" -port 7946 -join "$net.3:7946" > "$d/w.log" 2>/dev/null & pw=$!; pids+=("$pw")
  wait_for 20 bash -c "grep -q '\"node\":\"v\"' '$d/o.log' && grep -q '\"node\":\"w\"' '$d/j.log'"
  sleep "$(awk -v s=$RANDOM 'BEGIN{srand(s); printf "%.2f", 1 + rand()}')"
  t0=$(now_ms); kill -9 "$pv" "$pw"
  if wait_for 30 bash -c "[ -n \"\$(grep -F '\"event\":\"leave\"' '$d/o.log' | grep -F '\"node\":\"v\"')\" ] && [ -n \"\$(grep -F '\"event\":\"leave\"' '$d/j.log' | grep -F '\"node\":\"w\"')\" ]"; then
    printf '%s\t%s\t%s\n' "$r" $(( $(first_ts "$d/j.log" leave w) - t0 )) $(( $(first_ts "$d/o.log" leave v) - t0 )) | tee -a "$work/pairs.tsv" >&2
  else
    echo "pair run $r: not detected within 30 s" >&2
  fi
  kill "$po" "$pj" 2>/dev/null || true; wait "$po" "$pj" 2>/dev/null || true
done
echo
echo "failure detection by one observer alone (2-member clusters: no relays, no confirmations), ms:"
echo "  Java observes Go: $(cut -f2 "$work/pairs.tsv" | stats)"
echo "  Go observes Go:   $(cut -f3 "$work/pairs.tsv" | stats)"
echo "  runs (run, java_ms, go_ms): $(awk '{printf "%s:%s/%s ", $1, $2, $3}' "$work/pairs.tsv")"

echo "## $cluster-member cluster: $((cluster - 1)) Go agents + 1 Java agent on 127.79.0.x" >&2
c="$work/cluster"; mkdir -p "$c"
"$goagent" -name g1 -bind 127.79.0.1 -port 7946 > "$c/g1.log" 2>/dev/null & pids+=($!)
wait_for 10 joined "$c/g1.log" g1
for i in $(seq 2 $((cluster - 1))); do
  "$goagent" -name "g$i" -bind "127.79.0.$i" -port 7946 -join 127.79.0.1:7946 > "$c/g$i.log" 2>/dev/null & pids+=($!)
  [ "$i" = 2 ] && gpid=$!
done
java_agent --name java --bind "127.79.0.$cluster:7946" --join 127.79.0.1:7946 > "$c/java.log" 2>/dev/null & pj=$!; pids+=("$pj")
wait_for 60 bash -c "[ \$(grep -c '\"event\":\"join\"' '$c/java.log') -ge $((cluster - 1)) ]" || echo "java saw only $(grep -c '"event":"join"' "$c/java.log") joins" >&2
sleep 10   # let start-up settle
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
j0=$(cpu "$pj"); g0=$(cpu "$gpid"); t0=$(now_ms)
sleep "$window"
j1=$(cpu "$pj"); g1=$(cpu "$gpid"); t1=$(now_ms)
members=$(grep -c '"event":"join"' "$c/java.log"); leaves=$(grep -c '"event":"leave"' "$c/java.log" || true)
echo
echo "one member of a $cluster-member cluster, ${window} s window after convergence (java saw $members joins, $leaves leaves):"
awk -v j=$((j1 - j0)) -v g=$((g1 - g0)) -v tk="$ticks" -v ms=$((t1 - t0)) -v jr="$(rss "$pj")" -v gr="$(rss "$gpid")" 'BEGIN {
  printf "  Java member: CPU %.2f%% of one core (%.0f ms CPU per s), RSS %.0f MiB\n", 100*j/tk/(ms/1000), 1000*j/tk/(ms/1000), jr/1024;
  printf "  Go member:   CPU %.2f%% of one core (%.0f ms CPU per s), RSS %.0f MiB\n", 100*g/tk/(ms/1000), 1000*g/tk/(ms/1000), gr/1024 }'
