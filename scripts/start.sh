#!/usr/bin/env bash
# Installs what is missing and starts Dictate on its embedded defaults (http://localhost:3000).
source "$(dirname "$0")/lib.sh"
node_deps
media_tools || true
# The minified client bundle; `npm run dev` serves the development one with hot reload.
export NODE_ENV="${NODE_ENV:-production}"
# The migrated PGlite template that a fresh DATA_DIR is unpacked from (src/db/pglite-template.ts):
# built once per PGlite version and set of migrations, in its own process, so that the server's
# first start neither runs initdb nor holds its memory.
[ -n "${DATABASE_URL:-}" ] || node_modules/.bin/bun scripts/pglite-template.ts >/dev/null
log "Starting Dictate on http://localhost:${PORT:-3000}"
exec node_modules/.bin/bun src/main.ts
