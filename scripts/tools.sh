#!/usr/bin/env bash
# Installs, when missing and at the pinned versions, what the build and the tests need.
#   scripts/tools.sh target   the wasm32 target only
#   scripts/tools.sh ready    exits 0 when the wasm-bindgen CLI is installed
#   scripts/tools.sh release  wasm32 target, wasm-bindgen CLI, binaryen's wasm-opt (npm)
#   scripts/tools.sh test     the release tools, Chromium, PSPP and R, and the Playwright packages
# Idempotent: a second run installs nothing and takes a second.
. "$(dirname "$0")/lib.sh"

# The wasm-bindgen CLI is built in a cheap profile: its own speed hardly matters (opt-level 1
# is enough for one pass over the bundle), only the site's. Without LTO and with many
# codegen units it compiles in under half the time of its release profile.
wasm_bindgen_cli() {
  if wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; then return; fi
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once; about 2 min on 2 cores)"
  # --locked fails to resolve for wasm-bindgen-cli on this toolchain; the version is still exact.
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
    CARGO_PROFILE_RELEASE_INCREMENTAL=false CARGO_TARGET_DIR="$ROOT/target/tools" \
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
}

npm_ci() { # folder: installs its package-lock.json exactly, once per lock-file change
  local dir=$1 stamp="$1/node_modules/.canvass-lock"
  if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then return; fi
  say "installing npm packages in ${dir#"$ROOT"/}"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$stamp"
}

wasm_target() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# Whether the compiled build tool is installed at its pinned version (exit status).
build_tools_ready() { wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; }

release_tools() {
  wasm_target
  wasm_bindgen_cli
  npm_ci "$ROOT/tools"
}

chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  if is_root; then
    say "installing Debian's chromium (for the end-to-end tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    die "Chromium is missing. Run: sudo apt-get install -y chromium"
  fi
}

# GNU PSPP and R run the syntax files of a dataset export in the tests, as analysts do;
# xmllint (libxml2-utils) validates its DDI codebook.
export_checkers() {
  if command -v pspp >/dev/null && command -v Rscript >/dev/null && command -v xmllint >/dev/null; then return; fi
  if is_root; then
    say "installing Debian's pspp, r-base-core and libxml2-utils (the export tests run their syntax files and validate the codebook)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pspp r-base-core libxml2-utils >/dev/null
  else
    die "GNU PSPP, R or xmllint is missing. Run: sudo apt-get install -y pspp r-base-core libxml2-utils"
  fi
}

# schemathesis (PyPI) tests the JSON API against its OpenAPI document: in a virtual
# environment of its own, every package pinned in tools/schemathesis-requirements.txt.
schemathesis() {
  local venv="$ROOT/target/tools/schemathesis" req="$ROOT/tools/schemathesis-requirements.txt"
  if [ -x "$venv/bin/st" ] && cmp -s "$req" "$venv/requirements.txt"; then return; fi
  command -v python3 >/dev/null || die "python3 not found. Run: sudo apt-get install -y python3 python3-venv"
  if ! python3 -m venv --help >/dev/null 2>&1; then
    if is_root; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
      die "python3's venv module is missing. Run: sudo apt-get install -y python3-venv"
    fi
  fi
  say "installing schemathesis (pinned, in target/tools/schemathesis)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
  cp "$req" "$venv/requirements.txt"
}

# cargo-afl, and the AFL++ it builds from the sources it carries (under ~/.local/share/afl.rs):
# coverage-guided fuzzing on the stable toolchain (scripts/test.sh fuzz).
cargo_afl() {
  if ! cargo afl --version 2>/dev/null | grep -qF "$CARGO_AFL_VERSION"; then
    say "installing cargo-afl $CARGO_AFL_VERSION"
    cargo install --quiet --locked --force cargo-afl --version "$CARGO_AFL_VERSION"
  fi
  # `afl-fuzz -h` exits 1; it names itself only once AFL++ is built.
  local help
  help=$(cargo afl fuzz -h 2>&1 || true)
  if ! grep -q "afl-fuzz" <<<"$help"; then
    say "building AFL++ (cargo afl config --build)"
    cargo afl config --build --force >/dev/null
  fi
}

command -v npm >/dev/null || die "npm not found. Run: sudo apt-get install -y nodejs npm"
case ${1:-build} in
  target) wasm_target ;;
  ready) build_tools_ready ;;
  release) release_tools ;;
  test)
    release_tools
    chromium
    export_checkers
    npm_ci "$ROOT/end2end"
    schemathesis
    cargo_afl
    ;;
  *) die "usage: $0 target|ready|release|test" ;;
esac
