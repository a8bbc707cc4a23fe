#!/usr/bin/env bash
# make run: build the release site, provide a database, migrate, serve.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

export SQLX_OFFLINE=true

# The release site: the server, the WASM bundle, and the tools they need (scripts/site.sh).
"$ROOT/scripts/site.sh"

if [ -z "${DATABASE_URL:-}" ]; then
  "$ROOT/scripts/pg.sh" start canvass
  DATABASE_URL=$("$ROOT/scripts/pg.sh" url canvass)
  export DATABASE_URL
fi

say "installing the national survey and demo data (once: skipped when responses exist)"
"$ROOT/target/release/canvass" seed-demo --responses 5142 --if-empty

export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LEPTOS_HASH_FILES=true
addr=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
say "staff sign in with accounts made by: target/release/canvass create-admin --email you@example.org (asks for the password)"
say "serving on http://$addr (Ctrl-C stops; 'make stop' stops the database)"
exec "$ROOT/target/release/canvass" serve
