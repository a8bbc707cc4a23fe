//! Generates the `i18n` module from `locales/*.json` (leptos_i18n). A key missing from a
//! locale, or present in one locale only, is reported here, at build time.

use std::error::Error;
use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out_dir = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
    // The first locale is the default: Simplified Chinese.
    // `interpolate_display`: texts with values ("choose at most {{ max }}") can be produced
    // as plain strings too (error messages, attributes), not only as views.
    let config = Config::new("zh")?
        .add_locale("en")?
        .parse_options(ParseOptions::new().interpolate_display(true));
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(PathBuf::from(out_dir).join("i18n"))?;
    Ok(())
}
