fn main() {
    afl::fuzz!(|data: &[u8]| canvass_fuzz::invitee_csv(data));
}
