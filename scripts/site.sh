#!/usr/bin/env bash
# Builds the release site: what `make run` serves.
#   scripts/site.sh          the server (release) and the browser bundle
#   scripts/site.sh bundle   the browser bundle alone (`make test` serves it with the server
#                            its Rust tests built: the same code, unoptimized)
#   target/release/canvass                          the server (release profile)
#   target/site/pkg/canvass.<hash>.{js,wasm,css}    the browser bundle, with .br and .gz
#   target/site/                                    public/, as it is
#   target/release/hash.txt                         the bundle's hashes, read by the server
# These are the steps cargo-leptos takes for `build --release --precompress`, without
# compiling cargo-leptos itself (5 to 6 minutes of a first run on 2 cores): cargo for the
# server and for the WASM, the wasm-bindgen CLI, binaryen's wasm-opt, esbuild's minifier
# (npm, in place of cargo-leptos's swc and lightningcss), then bundle.mjs.
# `cargo leptos watch` still works for those who install it (Cargo.toml keeps its settings).
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
export SQLX_OFFLINE=${SQLX_OFFLINE:-true}
# Read at compile time by leptos: the bundle's base name in the hydration script's links.
export LEPTOS_OUTPUT_NAME=canvass
# binaryen's wasm-opt and esbuild from npm (Debian's older binaryen breaks hydration).
export PATH="$ROOT/tools/node_modules/.bin:$PATH"

WASM=target/front/wasm32-unknown-unknown/wasm-release/canvass_app.wasm
BINDGEN=target/front/bindgen

# The two compiles run side by side, in their own target folders (their profiles differ, so
# they would share nothing in one): on 2 cores each fills the moments the other leaves a
# core idle (its link, its single-threaded crates, the bundle's LTO). Tools still missing
# (the wasm-bindgen CLI on a first run) install at the same time (log: target/front/tools.log).
MODE=${1:-all}
case $MODE in all | bundle) ;; *) die "usage: $0 [bundle]" ;; esac
"$ROOT/scripts/tools.sh" target
say "compiling the WASM bundle in the background (log: target/front/build.log)"
mkdir -p target/front
cargo build --package=canvass-app --lib --target-dir=target/front \
  --target=wasm32-unknown-unknown --no-default-features --features=hydrate \
  --profile=wasm-release >target/front/build.log 2>&1 &
front=$!
"$ROOT/scripts/tools.sh" release >target/front/tools.log 2>&1 &
tools=$!
if [ "$MODE" = all ]; then
  say "compiling the server (release; a first build takes about 9 min on 2 cores, later only what changed)"
  cargo build --release --package=canvass-server --bin=canvass --no-default-features
fi
say "waiting for the WASM bundle's compile"
wait "$front" || { tail -n 40 target/front/build.log >&2; die "the WASM build failed (target/front/build.log)"; }
wait "$tools" || { tail -n 30 target/front/tools.log >&2; die "installing the build tools failed"; }

# wasm-bindgen and wasm-opt take about 20 s: skip them when the compiled WASM is unchanged.
mkdir -p target/release
if [ -f target/release/hash.txt ] && [ target/release/hash.txt -nt "$WASM" ] &&
  [ -z "$(find style public -newer target/release/hash.txt -print -quit)" ]; then
  say "the bundle is up to date"
  exit 0
fi
say "wasm-bindgen, wasm-opt -Oz, minifying and compressing (about 30 s)"
rm -rf "$BINDGEN"
wasm-bindgen --target=web --no-typescript --out-name=canvass --out-dir="$BINDGEN" "$WASM"
# The features are those the compiler's wasm32 target enables (what cargo-leptos passes).
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$BINDGEN/canvass_bg.wasm" -o "$BINDGEN/canvass_bg.wasm"
# The JS as wasm-bindgen writes it (any browser with WebAssembly runs it), only minified;
# the CSS for the browsers of 2021 on (phones' built-in and messaging-app browsers lag).
esbuild "$BINDGEN/canvass.js" --minify --format=esm --log-level=warning \
  --allow-overwrite --outfile="$BINDGEN/canvass.js"
esbuild style/main.css --minify --target=chrome87,edge88,firefox78,safari14 \
  --log-level=warning --outfile="$BINDGEN/canvass.css"
node scripts/bundle.mjs "$BINDGEN" public target/site target/release/hash.txt
