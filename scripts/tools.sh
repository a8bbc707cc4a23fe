#!/usr/bin/env bash
# Installs, when missing and at the pinned versions, what the build and the tests need.
#   scripts/tools.sh target   the wasm32 target only
#   scripts/tools.sh ready    exits 0 when cargo-leptos and the wasm-bindgen CLI are installed
#   scripts/tools.sh build    wasm32 target, cargo-leptos, wasm-bindgen CLI
#   scripts/tools.sh release  the above, plus binaryen's wasm-opt (npm) for release builds
#   scripts/tools.sh test     the release tools, Chromium, and the Playwright packages
# Idempotent: a second run installs nothing and takes a second.
. "$(dirname "$0")/lib.sh"

# The tools are built in a cheap profile: their own speed does not matter (cargo-leptos
# mostly waits for cargo; wasm-bindgen gets opt-level 1, which is enough for one pass
# over the bundle), only the site's. Unoptimized, without LTO and with many codegen units,
# cargo-leptos compiles in about a third of the time of its release profile. The two share
# one target folder, so the dependencies they have in common compile once.
cargo_tool() { # name version expected-duration check-command...
  local crate=$1 version=$2 expect=$3 opt=0; shift 3
  if "$@" 2>/dev/null | grep -qF "$version"; then return; fi
  say "installing $crate $version (once; about $expect on 2 cores)"
  [ "$crate" = wasm-bindgen-cli ] && opt=1
  export CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
    CARGO_PROFILE_RELEASE_INCREMENTAL=false CARGO_TARGET_DIR="$ROOT/target/tools"
  case $crate in
    cargo-leptos) cargo install cargo-leptos --locked --version "$version" ;;
    # --locked fails to resolve for wasm-bindgen-cli on this toolchain; the version is still exact.
    wasm-bindgen-cli) cargo install wasm-bindgen-cli --version "$version" ;;
  esac
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

# Whether the build tools are installed at their pinned versions (exit status).
build_tools_ready() {
  cargo leptos --version 2>/dev/null | grep -qF "$CARGO_LEPTOS_VERSION" &&
    wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"
}

build_tools() {
  wasm_target
  cargo_tool cargo-leptos "$CARGO_LEPTOS_VERSION" "6 min" cargo leptos --version
  cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION" "1 min" wasm-bindgen --version
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

command -v npm >/dev/null || die "npm not found. Run: sudo apt-get install -y nodejs npm"
case ${1:-build} in
  target) wasm_target ;;
  ready) build_tools_ready ;;
  build) build_tools ;;
  release) build_tools; npm_ci "$ROOT/tools" ;;
  test)
    build_tools
    chromium
    npm_ci "$ROOT/tools"
    npm_ci "$ROOT/end2end"
    ;;
  *) die "usage: $0 target|ready|build|release|test" ;;
esac
