#!/usr/bin/env bash
# make run: build the release site, provide a database, migrate, serve.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/tools.sh" release
# binaryen's wasm-opt from npm: Debian's older binaryen breaks hydration (see ARCHITECTURE.md).
export PATH="$ROOT/tools/node_modules/.bin:$PATH"
export SQLX_OFFLINE=true

say "building the release site (cargo leptos build --release --precompress)"
cargo leptos build --release --precompress

if [ -z "${DATABASE_URL:-}" ]; then
  "$ROOT/scripts/pg.sh" start canvass
  DATABASE_URL=$("$ROOT/scripts/pg.sh" url canvass)
  export DATABASE_URL
fi

export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LEPTOS_HASH_FILES=true
addr=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
say "serving on http://$addr (Ctrl-C stops; 'make stop' stops the database)"
exec "$ROOT/target/release/canvass" serve
