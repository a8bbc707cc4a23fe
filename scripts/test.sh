#!/usr/bin/env bash
# make test: every check and test, in the order that fails fastest.
#   scripts/test.sh all | lint | rust | e2e | faults | api | fuzz | sqlx-prepare
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
  cargo fmt --manifest-path fuzz/Cargo.toml -- --check
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

# The server the later steps run: the one the Rust tests built (the same code as `make run`'s
# release build, unoptimized: compiling the release server too took 20 of CI's minutes).
BIN="$ROOT/target/debug/canvass"

server_build() {
  say "building the server (the Rust tests' build: nothing to do after them)"
  cargo test --workspace --no-run --quiet
}

e2e() {
  server_build
  # The browser bundle exactly as `make run` serves it (release, wasm-opt, hashed names);
  # it prints the bundle's compressed sizes. Leptos reads the hashes beside the server.
  say "building the release browser bundle for the end-to-end tests"
  "$ROOT/scripts/site.sh" bundle
  cp target/release/hash.txt "$(dirname "$BIN")/hash.txt"
  # A fresh database each run: sign-in throttling counts failures for 15 minutes, and the
  # tests must not depend on what an earlier run left.
  fresh_database canvass_e2e
  say "Playwright (Debian's Chromium, phone and desktop viewports)"
  mkdir -p "$LOGS"
  (cd end2end && CANVASS_BIN="$BIN" npx playwright test) 2>&1 | tee "$LOGS/e2e.log"
}

# The fault tests (`canvass faults`): respondents saving while the server is
# killed with SIGKILL, then while PostgreSQL restarts, each followed by a check that nothing
# acknowledged was lost or written twice. They run on a cluster of their own
# (PG_CLUSTER=faults), always project-local: they stop and start it.
faults() {
  say "fault tests: the server killed, then PostgreSQL restarted, under load"
  mkdir -p "$LOGS"
  local pg="$ROOT/scripts/pg.sh" status=0 url
  export PG_CLUSTER=faults
  "$pg" start
  url=$("$pg" url postgres)
  psql "$url" -qc "DROP DATABASE IF EXISTS canvass_faults WITH (FORCE)" >/dev/null
  psql "$url" -qc "CREATE DATABASE canvass_faults" >/dev/null
  url=$("$pg" url canvass_faults)
  : >"$LOGS/faults-server.log"
  DATABASE_URL=$url CANVASS_LOG=error "$BIN" faults --fault kill \
    --server-log "$LOGS/faults-server.log" 2>&1 | tee "$LOGS/faults.log" || status=1
  DATABASE_URL=$url CANVASS_LOG=error "$BIN" faults --fault postgres \
    --stop-postgres "PG_CLUSTER=faults '$pg' stop" --start-postgres "PG_CLUSTER=faults '$pg' start" \
    --server-log "$LOGS/faults-server.log" 2>&1 | tee -a "$LOGS/faults.log" || status=1
  "$pg" stop
  unset PG_CLUSTER
  [ "$status" = 0 ] || die "the fault tests failed (the server's log: $LOGS/faults-server.log)"
}

# schemathesis against the JSON API's OpenAPI document (/api/v1/openapi.json), bounded,
# once with an API token and once with a staff session, on the server over a
# fresh database with demo responses: no 5xx, every answer as the document describes it
# (status, content type, body), and no panic in the server's log.
api_check() {
  say "schemathesis: the JSON API against its OpenAPI document, with a token and with a session"
  mkdir -p "$LOGS"
  fresh_database canvass_api
  local bin="$BIN" port=3917 log="$LOGS/api-server.log"
  local base="http://127.0.0.1:3917" email=api-check@example.org password token cookie pid status=0
  local st="$ROOT/target/tools/schemathesis/bin/st"
  password="api-check-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  "$bin" seed-demo --responses 300 >/dev/null
  printf '%s\n' "$password" | "$bin" create-admin --email "$email" >/dev/null 2>&1
  token=$("$bin" create-token --by "$email" --name schemathesis --survey '*' \
    --uses stats,analysis,export --days 7)
  LEPTOS_SITE_ADDR=127.0.0.1:$port "$bin" serve >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
  cookie=$(curl -s -o /dev/null -D - -H "Origin: $base" --data-urlencode "email=$email" \
    --data-urlencode "password=$password" "$base/staff/sign-in" |
    sed -n 's/^set-cookie: *\(canvass_staff=[^;]*\).*/\1/Ip' | tr -d '\r')
  if [ -z "$cookie" ]; then kill "$pid"; die "could not sign in to the server for schemathesis"; fi
  # positive_data_acceptance is left out: some export settings are refused together (a
  # reason with free text, exact dates only when identifiable, filters naming the survey's
  # questions), which the schema cannot say; each such refusal is a 400 naming the field.
  local run=(run "$base/api/v1/openapi.json" --checks all --exclude-checks positive_data_acceptance
    --max-examples 25 --seed 1 --request-timeout 10 --no-color)
  CANVASS_ST_TOKEN=$token "$st" --config-file tools/schemathesis-token.toml "${run[@]}" \
    2>&1 | tee "$LOGS/schemathesis.log" || status=1
  CANVASS_ST_SESSION=${cookie#canvass_staff=} "$st" --config-file tools/schemathesis-session.toml \
    "${run[@]}" -H "Origin: $base" 2>&1 | tee -a "$LOGS/schemathesis.log" || status=1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if grep -q "panicked" "$log"; then
    grep -m 5 "panicked" "$log" >&2; status=1
  fi
  [ "$status" = 0 ] || die "schemathesis found faults (its log: $LOGS/schemathesis.log; the server's: $log)"
}

# Fuzzing: each target (fuzz/) fuzzed by AFL++ for FUZZ_SECONDS (20 by default), starting
# from the committed corpus, which AFL++ first runs through it (a crashing seed stops it).
# Two targets at a time, one per core (an AFL++ process keeps one core busy). Any crash or
# hang fails, with the input that caused it kept in target/fuzz/<target>/.
# (`cd fuzz && cargo test` replays the corpus without AFL++.)
fuzz_one() { # target seconds: fuzzes one target, prints its line; fails on a crash or hang
  local target=$1 secs=$2 out="$ROOT/target/fuzz/$1" found
  rm -rf "$out"
  AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_QUIET=1 \
    cargo afl fuzz -V "$secs" -c - -i "fuzz/corpus/$target" -o "$out" \
    "$ROOT/target/fuzz-build/release/$target" >"$LOGS/fuzz-$target.log" 2>&1 ||
    { echo "AFL++ could not fuzz $target (see $LOGS/fuzz-$target.log)" >&2; return 1; }
  found=$(find "$out/default/crashes" "$out/default/hangs" -type f ! -name README.txt 2>/dev/null | wc -l)
  echo "$target: $(sed -n 's/^execs_done *: //p' "$out/default/fuzzer_stats") runs, $(sed -n 's/^corpus_count *: //p' "$out/default/fuzzer_stats") paths, $found crashes or hangs"
  [ "$found" = 0 ]
}

fuzz() {
  local secs=${FUZZ_SECONDS:-20} status=0 pair target pid pids
  say "fuzzing: each target for $secs s with AFL++ (cargo-afl), from the committed corpus"
  mkdir -p "$LOGS" "$ROOT/target/fuzz"
  (cd fuzz && CARGO_TARGET_DIR="$ROOT/target/fuzz-build" cargo afl build --quiet --release --features afl) 2>&1 |
    tee "$LOGS/fuzz.log"
  for pair in "survey_toml expression" "form invitee_csv" "api_query"; do
    pids=()
    for target in $pair; do
      fuzz_one "$target" "$secs" &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || status=1; done
  done
  [ "$status" = 0 ] || die "fuzzing found crashes or hangs (inputs in target/fuzz/*/default/{crashes,hangs})"
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
    rust_tests; e2e; faults; api_check; fuzz
    say "all checks and tests passed"
    summary
    ;;
  lint) lint ;;
  rust) rust_tests ;;
  e2e) "$ROOT/scripts/tools.sh" test; e2e ;;
  faults) server_build; faults ;;
  fuzz) "$ROOT/scripts/tools.sh" test; fuzz ;;
  api) "$ROOT/scripts/tools.sh" test; server_build; api_check ;;
  sqlx-prepare) sqlx_prepare ;;
  *) die "usage: $0 all|lint|rust|e2e|faults|api|fuzz|sqlx-prepare" ;;
esac
