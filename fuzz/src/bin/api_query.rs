fn main() {
    afl::fuzz!(|data: &[u8]| canvass_fuzz::api_query(data));
}
