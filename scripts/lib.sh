# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=versions.env
. "$ROOT/scripts/versions.env"
export PATH="$HOME/.cargo/bin:$PATH"

# Every message carries the time since the outermost script started (make run, make test),
# so a first run shows where its minutes go.
export CANVASS_T0=${CANVASS_T0:-$(date +%s)}
elapsed() { local s=$(($(date +%s) - CANVASS_T0)); printf '%d:%02d' $((s / 60)) $((s % 60)); }
say() { printf '\033[1m==> [%s] %s\033[0m\n' "$(elapsed)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
