// The last step of scripts/site.sh: lays out the site the server serves, with Node's own
// modules (no packages).
//   node scripts/bundle.mjs BUNDLE_DIR PUBLIC_DIR SITE_DIR HASH_FILE
// - The bundle (wasm-bindgen's `canvass.js` and `canvass_bg.wasm`, and `canvass.css`) goes
//   to SITE_DIR/pkg under content-hashed names, `canvass.<hash>.{js,wasm,css}`, so the server
//   can let browsers keep them for a year; the JS's own reference to the WASM is renamed.
// - HASH_FILE gets `js: <hash>`, `wasm: <hash>` and `css: <hash>`: leptos reads it (beside the
//   server's binary) to link the hashed names, as it does for cargo-leptos's `hash-files`.
// - PUBLIC_DIR is copied into SITE_DIR as it is.
// - Every file in pkg gets a brotli (.br) and a gzip (.gz) copy, served as they are.
// - The compressed sizes a browser downloads are printed (never asserted).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [bindgen, pub, site, hashFile] = process.argv.slice(2);
if (!hashFile) {
  console.error('usage: node scripts/bundle.mjs BUNDLE_DIR PUBLIC_DIR SITE_DIR HASH_FILE');
  process.exit(2);
}
const name = 'canvass';
const pkg = path.join(site, 'pkg');

/** A short content hash that is safe in a file name (base64url of SHA-256, 128 bits). */
const hashOf = (bytes) => createHash('sha256').update(bytes).digest('base64url').slice(0, 22);

const wasm = fs.readFileSync(path.join(bindgen, `${name}_bg.wasm`));
const wasmHash = hashOf(wasm);
// wasm-bindgen's glue loads `canvass_bg.wasm` beside itself when not told where the WASM is.
const js = fs
  .readFileSync(path.join(bindgen, `${name}.js`), 'utf8')
  .replaceAll(`${name}_bg.wasm`, `${name}.${wasmHash}.wasm`);
const jsHash = hashOf(js);
const style = fs.readFileSync(path.join(bindgen, `${name}.css`));
const cssHash = hashOf(style);

fs.rmSync(pkg, { recursive: true, force: true });
fs.mkdirSync(pkg, { recursive: true });
fs.writeFileSync(path.join(pkg, `${name}.${wasmHash}.wasm`), wasm);
fs.writeFileSync(path.join(pkg, `${name}.${jsHash}.js`), js);
fs.writeFileSync(path.join(pkg, `${name}.${cssHash}.css`), style);
// Inline JavaScript of crates (`#[wasm_bindgen(inline_js)]`), imported relative to the glue.
const snippets = path.join(bindgen, 'snippets');
if (fs.existsSync(snippets)) fs.cpSync(snippets, path.join(pkg, 'snippets'), { recursive: true });
fs.cpSync(pub, site, { recursive: true });

const files = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
console.log('bundle sizes (brotli, as served):');
for (const file of files(pkg)) {
  const bytes = fs.readFileSync(file);
  const br = zlib.brotliCompressSync(bytes, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  fs.writeFileSync(`${file}.br`, br);
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(bytes, { level: zlib.constants.Z_BEST_COMPRESSION }));
  console.log(`  ${path.relative(pkg, file).padEnd(48)} ${String(br.length).padStart(8)} bytes`);
}

// Written last: the server finds the new names only once every file is in place.
fs.mkdirSync(path.dirname(hashFile), { recursive: true });
fs.writeFileSync(hashFile, `js: ${jsHash}\nwasm: ${wasmHash}\ncss: ${cssHash}\n`);
