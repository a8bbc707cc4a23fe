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
  else
    DATABASE_URL="$CANVASS_TEST_SERVER_URL/$1"
    sqlx database create --database-url "$DATABASE_URL"
  fi
  export DATABASE_URL
}

fresh_database() { # name: as `database`, but dropped and created anew, for a reproducible start
  database "$1"
  sqlx database drop -y -f --database-url "$DATABASE_URL" >/dev/null
  sqlx database create --database-url "$DATABASE_URL"
}

lint() {
  say "cargo fmt --check"
  cargo fmt --all -- --check
  say "clippy: server build"
  cargo clippy --workspace --all-targets -- -D warnings
  say "clippy: wasm build"
  cargo clippy -p canvass-app --lib --target wasm32-unknown-unknown \
    --no-default-features --features hydrate -- -D warnings
}

sqlx_check() {
  database canvass_test
  say "checking the .sqlx query cache against the migrations"
  sqlx migrate run --source migrations >/dev/null
  SQLX_OFFLINE=false cargo sqlx prepare --workspace --check
}

sqlx_prepare() {
  database canvass_test
  sqlx migrate run --source migrations
  SQLX_OFFLINE=false cargo sqlx prepare --workspace
}

LOGS="$ROOT/target/test-logs"

rust_tests() {
  database canvass_test
  say "Rust tests (unit, #[sqlx::test], in-process HTTP)"
  mkdir -p "$LOGS"
  cargo test --workspace --no-fail-fast 2>&1 | tee "$LOGS/rust.log"
}

# The compressed bytes a browser downloads for the bundle (printed, never asserted).
bundle_sizes() {
  local f
  say "bundle sizes (brotli, as served)"
  for f in target/site/pkg/*.br; do
    printf '  %-48s %8d bytes\n' "${f#target/site/pkg/}" "$(stat -c %s "$f")"
  done
}

e2e() {
  # The release site, exactly what `make run` serves (and a release-only build failure
  # fails here); wasm-opt comes from npm (see ARCHITECTURE.md).
  say "building the release site for the end-to-end tests"
  PATH="$ROOT/tools/node_modules/.bin:$PATH" cargo leptos build --release --precompress
  bundle_sizes
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
    "$ROOT/scripts/tools.sh" test
    lint; sqlx_check; rust_tests; e2e
    say "all checks and tests passed"
    summary
    ;;
  lint) lint ;;
  rust) rust_tests ;;
  e2e) "$ROOT/scripts/tools.sh" test; e2e ;;
  sqlx-prepare) "$ROOT/scripts/tools.sh" test; sqlx_prepare ;;
  *) die "usage: $0 all|lint|rust|e2e|sqlx-prepare" ;;
esac
