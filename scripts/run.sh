#!/usr/bin/env bash
# make run: build the release site, provide a database, migrate, serve.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

export SQLX_OFFLINE=true

# On a first run the tools compile for several minutes, during which a long build leaves a
# core idle now and then. The site compiles meanwhile, in the background, with the same
# commands and settings as cargo-leptos (which then finds it built): it only fills the gaps.
prebuild=
if ! "$ROOT/scripts/tools.sh" ready; then
  "$ROOT/scripts/tools.sh" target
  mkdir -p target
  say "compiling the site in the background while the tools compile (log: target/prebuild.log)"
  (
    export LEPTOS_OUTPUT_NAME=canvass
    cargo build --release --package=canvass-server --bin=canvass --no-default-features
    cargo build --package=canvass-app --lib --target-dir=target/front \
      --target=wasm32-unknown-unknown --no-default-features --features=hydrate \
      --profile=wasm-release
  ) >target/prebuild.log 2>&1 &
  prebuild=$!
fi
"$ROOT/scripts/tools.sh" release
if [ -n "$prebuild" ]; then
  say "waiting for the background build of the site"
  wait "$prebuild" || say "the background build failed; the build below shows why"
fi
# binaryen's wasm-opt from npm: Debian's older binaryen breaks hydration (see ARCHITECTURE.md).
export PATH="$ROOT/tools/node_modules/.bin:$PATH"

# cargo-leptos re-runs wasm-bindgen and wasm-opt even when nothing changed (~15 s): skip the
# build when no source is newer than the last one's hash file.
stamp=target/release/hash.txt
if [ -f "$stamp" ] && [ -z "$(find app core db server style public migrations .sqlx Cargo.toml Cargo.lock \
    -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  say "the release site is up to date"
else
  say "building the release site: the server and the WASM bundle (the first time about 12 min on 2 cores; later only what changed)"
  cargo leptos build --release --precompress
fi

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
