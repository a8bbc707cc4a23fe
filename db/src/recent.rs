//! What this server's latest saves left behind, so that the next save of the same response
//! can validate against it instead of reading the response again.
//!
//! A page save is a read, a validation and a conditional write ([`crate::respond`]). The
//! read is a third of the database's work for a save, and most of the time it returns just
//! what this server's own previous save of that response wrote. So a successful save keeps
//! the response as it now stands ([`Snapshot::after`]) here, and the next save of it
//! starts from that. Correctness never rests on this cache: the write applies only while
//! the response is at the revision the snapshot holds, and every write that changes what a
//! save reads bumps that revision. So a snapshot made stale by another server, another
//! device, or a staff action fails that guard, is dropped, and the save reads afresh, as it
//! would without the cache. Only writes outside a transaction are kept: one inside a
//! transaction could still be rolled back after the cache took it, and a later write could
//! then reach the same revision with other answers.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use crate::responses::{ResumeCode, Snapshot};

/// Snapshots by resume code, the least recently used dropped once `capacity` are held.
/// Cheap to clone (one shared cache); one of capacity 0 keeps nothing. The codes and
/// answers stay in this process's memory only: nothing here is logged, and a
/// `ResumeCode` prints no code.
#[derive(Clone)]
pub struct Recent(Option<Arc<Mutex<LruCache<ResumeCode, Snapshot>>>>);

impl Recent {
    /// Room for this many responses saved recently: more than a busy server has respondents
    /// in the middle of a survey at once, at a few kilobytes each.
    pub const DEFAULT_CAPACITY: usize = 4096;

    /// A cache of `capacity` snapshots; 0 keeps none.
    pub fn new(capacity: usize) -> Recent {
        Recent(NonZeroUsize::new(capacity).map(|n| Arc::new(Mutex::new(LruCache::new(n)))))
    }

    /// The snapshot the latest save of this response here left, taken out: whoever uses it
    /// puts back what their own save leaves, or nothing if it failed.
    pub(crate) fn take(&self, code: &ResumeCode) -> Option<Snapshot> {
        let cache = self.0.as_ref()?;
        cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop(code)
    }

    pub(crate) fn keep(&self, code: &ResumeCode, snapshot: Snapshot) {
        if let Some(cache) = &self.0 {
            cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .put(code.clone(), snapshot);
        }
    }

    /// How many snapshots are held.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |cache| {
            cache.lock().unwrap_or_else(PoisonError::into_inner).len()
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Recent {
    fn default() -> Recent {
        Recent::new(Recent::DEFAULT_CAPACITY)
    }
}

impl std::fmt::Debug for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recent").field("len", &self.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use canvass_core::Lang;
    use canvass_core::ids::{ResponseId, SurveyId};
    use uuid::Uuid;

    use super::*;
    use crate::responses::{PublicId, Response};

    use canvass_core::response::ResponseStatus;

    fn code(n: u8) -> ResumeCode {
        ResumeCode::parse(&format!("{n:032x}")).expect("a code")
    }

    fn snapshot(revision: i32) -> Snapshot {
        Snapshot {
            response: Response {
                id: ResponseId::new(1),
                public_id: PublicId(Uuid::nil()),
                survey_id: SurveyId::new(1),
                survey_version: 1,
                status: ResponseStatus::InProgress,
                lang: Lang::Zh,
                last_section: None,
            },
            revision,
            answers: Default::default(),
            contacts: Default::default(),
            fixed: Default::default(),
        }
    }

    #[test]
    fn a_kept_snapshot_is_taken_once() {
        let recent = Recent::new(2);
        recent.keep(&code(1), snapshot(7));
        assert_eq!(recent.take(&code(1)).map(|s| s.revision), Some(7));
        assert_eq!(recent.take(&code(1)), None);
        assert_eq!(recent.take(&code(2)), None);
    }

    #[test]
    fn beyond_its_capacity_the_least_recently_kept_is_dropped() {
        let recent = Recent::new(2);
        for n in 1..=3 {
            recent.keep(&code(n), snapshot(i32::from(n)));
        }
        assert_eq!(recent.len(), 2);
        assert_eq!(recent.take(&code(1)), None);
        assert_eq!(recent.take(&code(3)).map(|s| s.revision), Some(3));
    }

    #[test]
    fn a_cache_of_no_capacity_keeps_nothing() {
        let recent = Recent::new(0);
        recent.keep(&code(1), snapshot(1));
        assert!(recent.is_empty());
        assert_eq!(recent.take(&code(1)), None);
    }
}
