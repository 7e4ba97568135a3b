# Shared by start.sh and test.sh: install what is missing, quietly and only when it is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

APT_UPDATED=0
apt_install() {
  # apt_install PACKAGE... — installs the packages not yet installed; returns non-zero if apt is unavailable.
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { log "apt-get not found; please install: ${missing[*]}"; return 1; }
  log "Installing ${missing[*]} (apt)"
  if [ $APT_UPDATED = 0 ]; then as_root apt-get update -qq >/dev/null && APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

node_deps() {
  # Bun itself comes from npm (a devDependency), so npm alone bootstraps everything.
  if [ ! -x node_modules/.bin/bun ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "Installing JavaScript dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
  if ! node_modules/.bin/bun --version >/dev/null 2>&1; then
    # An install that skipped scripts leaves a placeholder; the package's own installer fixes it.
    node node_modules/bun/install.js >&2
  fi
}

media_tools() {
  # Janus (SFU), janus-pp-rec and ffmpeg (recordings). Dictate still starts without them.
  command -v janus >/dev/null && command -v janus-pp-rec >/dev/null && command -v ffmpeg >/dev/null && return 0
  apt_install janus janus-tools ffmpeg || log "Could not install janus/ffmpeg: meetings will run without media"
}
