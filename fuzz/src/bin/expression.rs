fn main() {
    afl::fuzz!(|data: &[u8]| canvass_fuzz::expression(data));
}
