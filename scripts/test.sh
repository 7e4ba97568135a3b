#!/usr/bin/env bash
# Installs what the tests need (Postgres, Redis, Janus, ffmpeg, Chromium), starts the services that
# are down, type-checks, runs every test, and ends with one line: "N passed, N failed, N skipped".
source "$(dirname "$0")/lib.sh"
node_deps

PG_URL_DEFAULT="postgres://postgres:postgres@127.0.0.1:5432/postgres"
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-$PG_URL_DEFAULT}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"

if ! command -v pg_ctlcluster >/dev/null && ! command -v psql >/dev/null; then
  apt_install postgresql
  # A fresh cluster asks for a password on TCP: give the test user the one in the URL.
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  su postgres -c "psql -qc \"alter user postgres password 'postgres'\"" >/dev/null
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  log "Starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
command -v redis-server >/dev/null || apt_install redis-server
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
media_tools || true
command -v chromium >/dev/null || apt_install chromium || true
# Validates docker-compose.yml (`docker-compose config`); no Docker engine is needed or started.
command -v docker-compose >/dev/null || apt_install docker-compose || true

REPORT="$(mktemp -d)/junit.xml"
failed_checks=0

log "Type-checking"
if ! node_modules/.bin/tsc --noEmit -p .; then failed_checks=1; fi

log "Running tests"
set +e
node_modules/.bin/bun test --timeout 30000 --reporter=junit --reporter-outfile="$REPORT" "$@"
status=$?
set -e

read -r tests failures errors skipped < <(node -e '
  const xml = require("fs").existsSync(process.argv[1]) ? require("fs").readFileSync(process.argv[1], "utf8") : "";
  const m = xml.match(/<testsuites\b[^>]*>/);
  const attr = (n) => Number((m && m[0].match(new RegExp(n + "=\"(\\d+)\"")) || [0, 0])[1]);
  console.log(attr("tests"), attr("failures"), attr("errors"), attr("skipped"));
' "$REPORT")
failed=$((failures + errors + failed_checks))
passed=$((tests - failures - errors - skipped))
[ "$failed_checks" = 0 ] || log "Type-check failed (counted as one failure)"
if [ "$tests" = 0 ] && [ "$status" = 0 ]; then status=1; log "No tests ran"; fi
[ "$failed" -gt 0 ] && [ "$status" = 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
