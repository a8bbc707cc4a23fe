//! Every input of the committed corpus, and every crash AFL++ ever found and we fixed
//! (kept in the corpus), through its target: none may panic.

use std::path::Path;

#[test]
fn every_corpus_input_runs_through_its_target_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut replayed = 0;
    for (name, target) in canvass_fuzz::TARGETS {
        let folder = root.join(name);
        let entries =
            std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        for entry in entries {
            let path = entry.expect("a corpus entry").path();
            let data = std::fs::read(&path).expect("a corpus file");
            target(&data);
            replayed += 1;
        }
    }
    assert!(
        replayed >= 5 * 3,
        "the corpus holds at least three inputs per target"
    );
}
