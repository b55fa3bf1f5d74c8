#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers for the tests, on Unix sockets in a temporary folder
# (no TCP port to collide with): `source scripts/services.sh; start_test_services` exports
# CARDSCAN_TEST_DATABASE_URL and CARDSCAN_TEST_REDIS_URL; `stop_test_services` removes them.
# Data is thrown away, so durability is off (fsync) and the servers start in about a second.

PG_BIN=${PG_BIN:-$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)}
TEST_SERVICES_DIR=""

start_test_services() {
  if [[ -z $PG_BIN || ! -x $PG_BIN/initdb ]] || ! command -v redis-server >/dev/null; then
    echo "services: PostgreSQL or Redis is not installed (bash scripts/setup.sh installs them)" >&2
    return 1
  fi
  TEST_SERVICES_DIR=$(mktemp -d /tmp/cardscan-services.XXXXXX)
  chmod 755 "$TEST_SERVICES_DIR"
  local as_pg=()
  if [[ $(id -u) -eq 0 ]]; then  # initdb refuses root: the server runs as Debian's postgres
    chown postgres: "$TEST_SERVICES_DIR"
    as_pg=(runuser -u postgres --)
  fi
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$TEST_SERVICES_DIR/pg" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$TEST_SERVICES_DIR/initdb.log" 2>&1
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$TEST_SERVICES_DIR/pg" -l "$TEST_SERVICES_DIR/pg.log" -w \
    -o "-c listen_addresses='' -k $TEST_SERVICES_DIR -c max_connections=200 -c fsync=off \
-c synchronous_commit=off -c full_page_writes=off" start >/dev/null
  redis-server --port 0 --unixsocket "$TEST_SERVICES_DIR/redis.sock" --unixsocketperm 700 \
    --save '' --appendonly no --daemonize yes --pidfile "$TEST_SERVICES_DIR/redis.pid" \
    --logfile "$TEST_SERVICES_DIR/redis.log"
  local tries=0
  until [[ -S $TEST_SERVICES_DIR/redis.sock ]]; do
    ((tries++ < 100)) || { echo "services: Redis did not start" >&2; return 1; }
    sleep 0.05
  done
  export CARDSCAN_TEST_DATABASE_URL="postgresql+psycopg://postgres@/postgres?host=$TEST_SERVICES_DIR"
  export CARDSCAN_TEST_REDIS_URL="unix://$TEST_SERVICES_DIR/redis.sock?db=0"
  echo "services: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') and" \
    "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) in $TEST_SERVICES_DIR"
}

stop_test_services() {
  [[ -n $TEST_SERVICES_DIR && -d $TEST_SERVICES_DIR ]] || return 0
  local as_pg=()
  if [[ $(id -u) -eq 0 ]]; then as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$TEST_SERVICES_DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  if [[ -f $TEST_SERVICES_DIR/redis.pid ]]; then
    kill "$(cat "$TEST_SERVICES_DIR/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$TEST_SERVICES_DIR"
  TEST_SERVICES_DIR=""
  unset CARDSCAN_TEST_DATABASE_URL CARDSCAN_TEST_REDIS_URL
}
