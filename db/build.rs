// `sqlx::migrate!` embeds the migrations when this crate compiles; on a stable toolchain
// cargo does not know it read them, so a new or changed migration alone would not be
// embedded by an incremental build. This tells cargo.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
