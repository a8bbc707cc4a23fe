#!/usr/bin/env bash
# make test: every check and test, in the order that fails fastest.
#   scripts/test.sh all | lint | rust | e2e | sqlx-prepare
# Uses DATABASE_URL's server when set (it must allow creating databases), else the
# project-local cluster (scripts/pg.sh).
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
export SQLX_OFFLINE=true
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-always}

database() { # name: sets DATABASE_URL to that database on the test server, creating it if needed
  if [ -n "${CANVASS_TEST_SERVER_URL:-}" ]; then :
  elif [ -n "${DATABASE_URL:-}" ]; then CANVASS_TEST_SERVER_URL=${DATABASE_URL%%\?*}; CANVASS_TEST_SERVER_URL=${CANVASS_TEST_SERVER_URL%/*}
  else "$ROOT/scripts/pg.sh" start; CANVASS_TEST_SERVER_URL=local
  fi
  if [ "$CANVASS_TEST_SERVER_URL" = local ]; then
    "$ROOT/scripts/pg.sh" start "$1"
    DATABASE_URL=$("$ROOT/scripts/pg.sh" url "$1")
    ADMIN_URL=$("$ROOT/scripts/pg.sh" url postgres)
  else
    DATABASE_URL="$CANVASS_TEST_SERVER_URL/$1"
    ADMIN_URL="$CANVASS_TEST_SERVER_URL/postgres"
    if [ -z "$(psql "$ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'")" ]; then
      psql "$ADMIN_URL" -qc "CREATE DATABASE \"$1\"" >/dev/null
    fi
  fi
  export DATABASE_URL
}

fresh_database() { # name: as `database`, but dropped and created anew, for a reproducible start
  database "$1"
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null
  psql "$ADMIN_URL" -qc "CREATE DATABASE \"$1\"" >/dev/null
}

# A fresh database with every migration applied, for the sqlx macros to check queries against.
migrated_database() { # name
  local f
  fresh_database "$1"
  for f in migrations/*.sql; do
    psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -f "$f" >/dev/null
  done
}

# Clippy for the server build also checks the committed .sqlx query cache: with a freshly
# migrated database online, the sqlx macros check every query against it and write what
# they found into a scratch folder, which must equal .sqlx/ (what `cargo sqlx prepare
# --check` does, without installing sqlx-cli or compiling the crates a third time).
lint() {
  say "cargo fmt --check"
  cargo fmt --all -- --check
  migrated_database canvass_sqlx
  local found; found=$(mktemp -d)
  # The crates with queries compile again, so that every macro runs and writes its query.
  cargo clean -q --profile dev -p canvass-db -p canvass-app -p canvass-server
  say "clippy: server build (and every query checked against the migrations)"
  SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$found" \
    cargo clippy --workspace --all-targets -- -D warnings
  say "checking the .sqlx query cache"
  if ! diff -r "$found" .sqlx >/dev/null; then
    diff -r "$found" .sqlx | head -n 20 >&2 || true
    rm -rf "$found"
    die ".sqlx/ is not what the queries need: run 'make sqlx-prepare' and commit .sqlx/"
  fi
  rm -rf "$found"
  say "clippy: wasm build"
  cargo clippy -p canvass-app --lib --target wasm32-unknown-unknown \
    --no-default-features --features hydrate -- -D warnings
}

# Regenerates .sqlx/ the same way: every query, checked against a freshly migrated database.
sqlx_prepare() {
  migrated_database canvass_sqlx
  rm -rf .sqlx && mkdir .sqlx
  cargo clean -q --profile dev -p canvass-db -p canvass-app -p canvass-server
  say "writing .sqlx/ from every query"
  SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$ROOT/.sqlx" cargo check --workspace --all-targets
}

LOGS="$ROOT/target/test-logs"

rust_tests() {
  database canvass_test
  say "Rust tests (unit, #[sqlx::test], in-process HTTP)"
  mkdir -p "$LOGS"
  cargo test --workspace --no-fail-fast 2>&1 | tee "$LOGS/rust.log"
}

e2e() {
  # The release site, exactly what `make run` serves (and a release-only build failure
  # fails here); it prints the bundle's compressed sizes.
  say "building the release site for the end-to-end tests"
  "$ROOT/scripts/site.sh"
  # A fresh database each run: sign-in throttling counts failures for 15 minutes, and the
  # tests must not depend on what an earlier run left.
  fresh_database canvass_e2e
  say "Playwright (Debian's Chromium, phone and desktop viewports)"
  mkdir -p "$LOGS"
  (cd end2end && npx playwright test) 2>&1 | tee "$LOGS/e2e.log"
}

# One closing line over both runners, e.g. "tests: 70 passed, 0 failed".
summary() {
  local counts
  counts=$(sed 's/\x1b\[[0-9;]*m//g' "$LOGS/rust.log" "$LOGS/e2e.log" | awk '
    /^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) rp += $i; if ($(i+1) ~ /^failed/) rf += $i } }
    /^ +[0-9]+ passed/ { ep += $1 }
    /^ +[0-9]+ failed/ { ef += $1 }
    END { printf "%d %d %d %d", rp, rf, ep, ef }')
  read -r rp rf ep ef <<<"$counts"
  echo "Rust: $rp passed, $rf failed. Playwright: $ep passed, $ef failed."
  echo "tests: $((rp + ep)) passed, $((rf + ef)) failed"
}

case ${1:-all} in
  all)
    if "$ROOT/scripts/tools.sh" ready; then
      "$ROOT/scripts/tools.sh" test
      lint
    else
      # A first run compiles the wasm-bindgen CLI and installs Chromium; the lint needs neither, so
      # it runs meanwhile and fills the moments a long compile leaves a core idle.
      mkdir -p "$LOGS"
      say "installing the tools in the background (log: target/test-logs/tools.log)"
      "$ROOT/scripts/tools.sh" test >"$LOGS/tools.log" 2>&1 &
      tools=$!
      lint
      say "waiting for the tools"
      wait "$tools" || { tail -n 30 "$LOGS/tools.log" >&2; die "installing the tools failed"; }
    fi
    rust_tests; e2e
    say "all checks and tests passed"
    summary
    ;;
  lint) lint ;;
  rust) rust_tests ;;
  e2e) "$ROOT/scripts/tools.sh" test; e2e ;;
  sqlx-prepare) sqlx_prepare ;;
  *) die "usage: $0 all|lint|rust|e2e|sqlx-prepare" ;;
esac
