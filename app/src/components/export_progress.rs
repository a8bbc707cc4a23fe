use canvass_core::Lang;
use leptos::prelude::*;
use serde::Deserialize;

use crate::i18n::t_string;
use crate::messages;

/// What the progress bar reads of an export job's JSON.
#[derive(Debug, Clone, Deserialize)]
struct JobState {
    state: String,
    rows_written: i64,
    rows_total: Option<i64>,
}

fn pending(state: &str) -> bool {
    matches!(state, "queued" | "running")
}

/// An export's progress bar (an island): rows written of the total. While the export is
/// queued or running it asks the job's JSON every second, and reloads the page when the
/// export has ended, so that its download appears. Without WASM the page reloads itself.
#[island]
pub fn ExportProgress(
    /// The job's JSON (`/api/v1/surveys/{slug}/exports/{id}`).
    url: String,
    id: i64,
    state: String,
    written: i64,
    total: Option<i64>,
    lang: Lang,
) -> impl IntoView {
    let i18n = messages::provide_island_i18n(lang);
    let job = RwSignal::new(JobState {
        state: state.clone(),
        rows_written: written,
        rows_total: total,
    });
    Effect::new(move |started: Option<()>| {
        if started.is_none() && pending(&state) {
            let url = url.clone();
            let _ = set_interval_with_handle(
                move || {
                    let url = url.clone();
                    leptos::task::spawn_local(async move {
                        let Ok((200, body)) = crate::fetch::get_json(&url).await else {
                            return;
                        };
                        let Ok(now) = serde_json::from_str::<JobState>(&body) else {
                            return;
                        };
                        let ended = !pending(&now.state);
                        job.set(now);
                        if ended && let Some(window) = web_sys::window() {
                            let _ = window.location().reload();
                        }
                    });
                },
                std::time::Duration::from_secs(1),
            );
        }
    });
    let label_id = format!("export-{id}-progress");
    let total = move || job.with(|j| j.rows_total);
    let written = move || job.with(|j| j.rows_written);
    view! {
        <div class="progress">
            <p id=label_id.clone()>
                {move || t_string!(i18n, exports_progress, id = id).to_string()}
                ": "
                {move || match total() {
                    Some(total) => t_string!(i18n, exports_rows, written = written(), total = total).to_string(),
                    None => t_string!(i18n, exports_rows_unknown, written = written()).to_string(),
                }}
            </p>
            <progress
                aria-labelledby=label_id
                max=move || total().unwrap_or(1).max(1).to_string()
                value=move || match total() {
                    Some(0) => "1".to_owned(),
                    Some(_) => written().to_string(),
                    None => "0".to_owned(),
                }
            ></progress>
        </div>
    }
}
