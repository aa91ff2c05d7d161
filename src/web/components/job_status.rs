//! The header's line about long work (`state::jobs`): a running job's progress, or a job that
//! ended while its page was not open, shown on every page with a link back to the job's page.
//! Nothing is shown while no job has anything to say.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::lang::Lang;
use crate::web::state::jobs::{use_jobs, BatchState};
use crate::web::state::language::use_lang;

/// What the header says of one job.
#[derive(Clone, PartialEq)]
struct Shown {
    job: &'static str,
    state: &'static str,
    href: &'static str,
    text: String,
}

fn batch_line(
    lang: Lang,
    state: &BatchState,
    percent: Option<u64>,
) -> Option<(&'static str, String)> {
    match state {
        BatchState::Idle => None,
        BatchState::Running { file_name } => Some((
            "running",
            match percent {
                Some(percent) => format!(
                    "{} {file_name}: {percent}%",
                    lang.pick("Scoring", "Puanlanıyor:")
                ),
                None => format!("{} {file_name}…", lang.pick("Scoring", "Puanlanıyor:")),
            },
        )),
        BatchState::Finished(outcome) => Some((
            "finished",
            format!(
                "{} {} ({} {})",
                lang.pick("Scored", "Puanlandı:"),
                outcome.file_name,
                outcome.summary.rows_scored,
                lang.pick("rows", "satır"),
            ),
        )),
        BatchState::Failed(_) => Some((
            "failed",
            lang.pick("The batch run failed", "Toplu puanlama başarısız")
                .to_owned(),
        )),
    }
}

#[component]
pub fn JobStatus() -> impl IntoView {
    let lang = use_lang();
    let jobs = use_jobs();
    let shown = Memo::new(move |_| {
        let lang = lang.get();
        let mut shown = Vec::new();
        let batch = jobs.batch;
        let running = batch.is_running();
        if running || !batch.seen.get() {
            let percent = batch.progress.with(|progress| {
                (progress.total_bytes > 0)
                    .then(|| progress.bytes_read.saturating_mul(100) / progress.total_bytes)
            });
            if let Some((state, text)) = batch.state.with(|state| batch_line(lang, state, percent))
            {
                shown.push(Shown {
                    job: "batch",
                    state,
                    href: "/batch",
                    text,
                });
            }
        }
        let history = jobs.history;
        if history.running.get() {
            shown.push(Shown {
                job: "history",
                state: "running",
                href: "/history",
                text: lang
                    .pick(
                        "Reading your order history…",
                        "Sipariş geçmişiniz okunuyor…",
                    )
                    .to_owned(),
            });
        } else if !history.seen.get() {
            let failed = history
                .outcome
                .with(|outcome| matches!(outcome, Some(Err(_))));
            shown.push(Shown {
                job: "history",
                state: if failed { "failed" } else { "finished" },
                href: "/history",
                text: if failed {
                    lang.pick(
                        "Your order history could not be read",
                        "Sipariş geçmişiniz okunamadı",
                    )
                } else {
                    lang.pick("Your order history is read", "Sipariş geçmişiniz okundu")
                }
                .to_owned(),
            });
        }
        let conversion = jobs.conversion;
        if conversion.running.get() {
            shown.push(Shown {
                job: "conversion",
                state: "running",
                href: "/own-model",
                text: lang
                    .pick("Converting your model…", "Modeliniz dönüştürülüyor…")
                    .to_owned(),
            });
        } else if !conversion.seen.get() {
            let failed = conversion.error.with(Option::is_some);
            shown.push(Shown {
                job: "conversion",
                state: if failed { "failed" } else { "finished" },
                href: "/own-model",
                text: if failed {
                    lang.pick("Your model was refused", "Modeliniz reddedildi")
                } else {
                    lang.pick("Your model is in use", "Modeliniz kullanılıyor")
                }
                .to_owned(),
            });
        }
        shown
    });
    move || {
        shown
            .get()
            .into_iter()
            .map(|shown| {
                view! {
                    <A href=crate::asset_urls::app_path(shown.href) {..} class="job-status" data-testid="job-status"
                        data-job=shown.job data-state=shown.state role="status" aria-live="polite">
                        {shown.text}
                    </A>
                }
            })
            .collect_view()
    }
}
