fn main() {
    afl::fuzz!(|data: &[u8]| canvass_fuzz::survey_toml(data));
}
