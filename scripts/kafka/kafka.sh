#!/usr/bin/env bash
# A real single-node Apache Kafka 3.9.1 (KRaft, combined broker+controller) for this machine.
#
#   kafka.sh fetch   resolve the broker jars from Maven Central into the cache (no-op when cached)
#   kafka.sh up      fetch, format fresh storage, start, wait until clients are accepted
#   kafka.sh start   like up, but keeps existing storage (a restart after `down`)
#   kafka.sh down    SIGTERM, bounded wait, then SIGKILL
#   kafka.sh status  exit 0 when the broker started by `up` is running
#
# Environment (defaults):
#   KAFKA_PORT=9092               client listener on 127.0.0.1
#   KAFKA_CONTROLLER_PORT=9093    KRaft controller listener on 127.0.0.1
#   STREAMCELL_CACHE=~/.cache/streamcell   where the jars are cached (outside the repo)
#   KAFKA_DATA_DIR=<tmp>/streamcell-kafka-$KAFKA_PORT   log dirs, pid file, server.log
#   KAFKA_HEAP_OPTS="-Xms256m -Xmx1g"
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_VERSION=3.9.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
cache="${STREAMCELL_CACHE:-$HOME/.cache/streamcell}/kafka-$KAFKA_VERSION"
data="${KAFKA_DATA_DIR:-${TMPDIR:-/tmp}/streamcell-kafka-$KAFKA_PORT}"
pidfile="$data/kafka.pid"
heap="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"

die() { echo "kafka.sh: $*" >&2; exit 1; }

require_tools() {
  command -v java >/dev/null || die "Java 17+ is required to run the broker (Debian: apt-get install openjdk-17-jre-headless)."
  command -v mvn >/dev/null || [ -f "$cache/.complete" ] || die "Maven is required once to fetch the broker jars (Debian: apt-get install maven)."
}

fetch() {
  require_tools
  if [ -f "$cache/.complete" ]; then return 0; fi
  echo "kafka.sh: fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $cache" >&2
  rm -rf "$cache.partial" && mkdir -p "$cache.partial"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$cache.partial/libs" >&2 \
    || die "mvn could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (is Maven Central reachable?)"
  touch "$cache.partial/.complete"
  rm -rf "$cache" && mv "$cache.partial" "$cache"
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

write_config() {
  cat > "$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/logs
num.partitions=1
# Single node: internal topics cannot have more replicas than brokers.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=12
# Tests create and join many groups; waiting 3 s for more members would only slow them.
# (KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=3000, Kafka's default, for benchmarks of several members.)
group.initial.rebalance.delay.ms=${KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS:-0}
auto.create.topics.enable=false
message.max.bytes=16777216
log.retention.hours=24
log.segment.bytes=67108864
log.cleaner.backoff.ms=2000
PROPS
}

up() {
  local fresh="$1"
  fetch
  if running; then echo "kafka.sh: already running (pid $(cat "$pidfile")) on 127.0.0.1:$KAFKA_PORT" >&2; return 0; fi
  if [ "$fresh" = fresh ] || [ ! -f "$data/logs/meta.properties" ]; then
    rm -rf "$data" && mkdir -p "$data/logs"
    fresh=fresh
  fi
  write_config
  local cp="$cache/libs/*"
  local jvm=(java $heap -XX:+UseG1GC -Djava.awt.headless=true
    -Dlog4j.configuration="file:$here/log4j.properties" -Dkafka.logs.dir="$data" -cp "$cp")
  if [ "$fresh" = fresh ]; then
    local cluster_id
    cluster_id="$("${jvm[@]}" kafka.tools.StorageTool random-uuid)"
    "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$data/server.properties" >"$data/format.log" 2>&1 \
      || { cat "$data/format.log" >&2; die "storage format failed"; }
  fi
  # setsid: the broker must outlive this script and not get the caller's Ctrl-C directly;
  # `down` stops it.
  setsid "${jvm[@]}" kafka.Kafka "$data/server.properties" >"$data/stdout.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  if ! node "$here/wait-ready.mjs" "127.0.0.1:$KAFKA_PORT" 90000; then
    tail -n 40 "$data/server.log" "$data/stdout.log" >&2 || true
    down
    die "broker did not become ready"
  fi
  echo "kafka.sh: broker ready on 127.0.0.1:$KAFKA_PORT (pid $(cat "$pidfile"), data $data)" >&2
}

down() {
  running || { rm -f "$pidfile"; return 0; }
  local pid; pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "kafka.sh: broker did not stop within 15 s, killing" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  echo "kafka.sh: broker stopped" >&2
}

case "${1:-}" in
  fetch) fetch ;;
  up) up fresh ;;
  start) up keep ;;
  down) down ;;
  status) running ;;
  *) echo "usage: kafka.sh fetch|up|start|down|status" >&2; exit 2 ;;
esac
