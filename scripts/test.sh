#!/usr/bin/env bash
# Installs what the tests need (Postgres, Redis, Janus, ffmpeg, Chromium, iproute2, nftables, docker-compose),
# starts the services that are down, type-checks, runs every test (or the files given), and ends with
# one line: "N passed, N failed, N skipped".
# With CI=true nothing may be skipped: every suite that skips does so because a real component
# (Janus, Chromium, ffmpeg, root for a network namespace, …) is missing, and a green run on fakes
# alone proves nothing. So each skipped test counts as failed, is named, and the run exits non-zero.
# TYPECHECK=0 leaves out the type-check (for a quick run of a few files).
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
# The outage suite runs a throwaway cluster of its own: it needs initdb and pg_ctl, not only psql.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || apt_install postgresql || true
command -v redis-server >/dev/null || apt_install redis-server
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
media_tools || true
command -v chromium >/dev/null || apt_install chromium || true
# Real media runs in a network namespace of the test's own (`ip netns`, and root).
command -v ip >/dev/null || apt_install iproute2 || true
# The impaired-link suite shapes a link with tc (iproute2) and drops packets with nftables.
command -v nft >/dev/null || apt_install nftables || true
[ "$(id -u)" = 0 ] || log "Not root: the suites that need a network namespace (real media) will be skipped"
# Validates docker-compose.yml (`docker-compose config`); no Docker engine is needed or started.
command -v docker-compose >/dev/null || apt_install docker-compose || true

REPORT="$(mktemp -d)/junit.xml"
failed_checks=0

if [ "${TYPECHECK:-1}" != 0 ]; then
  log "Type-checking"
  if ! node_modules/.bin/tsc --noEmit -p .; then failed_checks=1; fi
fi

log "Running tests"
set +e
# Two worker processes: most suites wait on servers, browsers and timers, not on the CPU, so two run
# side by side in about half the time (TEST_PARALLEL=1 runs one file at a time). tests/timings.json
# holds each file's duration from a past run, so the slowest files start first.
node_modules/.bin/bun test --timeout 30000 --parallel="${TEST_PARALLEL:-2}" --timings=tests/timings.json \
  --reporter=junit --reporter-outfile="$REPORT" "$@"
status=$?
set -e

SKIPPED_LIST="$(dirname "$REPORT")/skipped.txt"
read -r tests failures errors skipped < <(node -e '
  const fs = require("fs");
  const xml = fs.existsSync(process.argv[1]) ? fs.readFileSync(process.argv[1], "utf8") : "";
  const m = xml.match(/<testsuites\b[^>]*>/);
  const attr = (n) => Number((m && m[0].match(new RegExp(n + "=\"(\\d+)\"")) || [0, 0])[1]);
  // Which tests were skipped, by file and name, so a CI failure says what is missing.
  const skippedNames = [...xml.matchAll(/<testcase\b([^>]*)>\s*<skipped\s*\/>/g)].map(([, a]) => {
    const get = (n) => ((a.match(new RegExp(" " + n + "=\"([^\"]*)\"")) || [])[1] || "");
    return `${get("file")}: ${[get("classname"), get("name")].filter(Boolean).join(" > ")}`;
  });
  fs.writeFileSync(process.argv[2], skippedNames.map((s) => s + "\n").join(""));
  // Each failure again, briefly, just above the closing line: a CI log that keeps only its tail
  // still says why a test failed, not only which.
  const unescape = (s) => s.replace(/&#10;/g, "\n").replace(/&quot;/g, "\"").replace(/&apos;/g, "\x27").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  const failed = [...xml.matchAll(/<testcase\b([^>]*)>\s*<failure\b[^>]*>([\s\S]*?)<\/failure>/g)];
  for (const [, a, body] of failed.slice(0, 10)) {
    const get = (n) => ((a.match(new RegExp(" " + n + "=\"([^\"]*)\"")) || [])[1] || "");
    const text = unescape(body).trim();
    console.error(`\n--- failed: ${get("file")}: ${unescape(get("name"))}\n${text.length > 2500 ? text.slice(0, 2500) + "\n…" : text}`);
  }
  console.log(attr("tests"), attr("failures"), attr("errors"), attr("skipped"));
' "$REPORT" "$SKIPPED_LIST")
failed=$((failures + errors + failed_checks))
passed=$((tests - failures - errors - skipped))
[ "$failed_checks" = 0 ] || log "Type-check failed (counted as one failure)"
if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
  log "CI=true: $skipped skipped tests count as failed (a real component they need is missing):"
  sed 's/^/    /' "$SKIPPED_LIST" >&2
  failed=$((failed + skipped))
  skipped=0
fi
if [ "$tests" = 0 ] && [ "$status" = 0 ]; then status=1; log "No tests ran"; fi
[ "$failed" -gt 0 ] && [ "$status" = 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
