#!/usr/bin/env bash
# Builds Dictate as one executable (default dist/dictate): the server, the bundled client, PGlite's
# WebAssembly and data files, the migrations and the Janus templates, all inside it. Copy it to any
# folder of a Linux machine of the same architecture and run it; only Janus (for media) and
# janus-pp-rec + ffmpeg (for recordings) come from the system.
#   scripts/build.sh [outfile]
source "$(dirname "$0")/lib.sh"
# Installs the JavaScript dependencies on a fresh checkout only: never reinstalls under a running
# test suite or dev server that share this node_modules.
[ -x node_modules/.bin/bun ] || node_deps
OUT="${1:-dist/dictate}"
mkdir -p "$(dirname "$OUT")"
log "Building $OUT"
# --bytecode: the modules are parsed at build time, which brings spawn → first /healthz on Postgres
# from ~280 to ~110 ms (bench/binary.ts) for ~10 MB; ESM because main.ts awaits at top level.
# bunfig.toml holds the test setup, not the app's: a binary started in a folder holding one must
# not pick it up. `.env` in the working folder is still read, as `bun src/main.ts` reads it.
# The migrated PGlite template a fresh data folder is unpacked from (instead of initdb: seconds and
# ~1 GB), built once per PGlite version and set of migrations, rides along as an embedded file.
TEMPLATE="$(node_modules/.bin/bun scripts/pglite-template.ts)"
node_modules/.bin/bun build src/main.ts "$TEMPLATE" --compile --bytecode --format=esm --no-compile-autoload-bunfig --outfile "$OUT" >&2
log "Built $OUT ($(du -h "$OUT" | cut -f1))"
