//! Placeholder for the prediction log store until the IndexedDB implementation lands: an
//! in-memory log and in-memory settings with the same public names.

use std::cell::RefCell;
use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::history::PredictionRecord;

thread_local! {
    static SETTINGS: RefCell<BTreeMap<String, String>> = const { RefCell::new(BTreeMap::new()) };
    static LOG: RefCell<Vec<PredictionRecord>> = const { RefCell::new(Vec::new()) };
}

/// Why a log operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("the prediction log is unavailable")]
    Unavailable,
}

/// Reads a saved setting.
pub fn load_setting(key: &str) -> Option<String> {
    SETTINGS.with(|settings| settings.borrow().get(key).cloned())
}

/// Saves a setting.
pub fn save_setting(key: &str, value: &str) {
    SETTINGS.with(|settings| {
        settings
            .borrow_mut()
            .insert(key.to_owned(), value.to_owned())
    });
}

/// Handle on the prediction log.
#[derive(Clone, Copy)]
pub struct LogStoreHandle;

impl LogStoreHandle {
    /// Appends one record.
    pub async fn add(&self, mut record: PredictionRecord) -> Result<u64, WebError> {
        LOG.with(|log| {
            let mut log = log.borrow_mut();
            let id = log.len() as u64 + 1;
            record.id = Some(id);
            log.push(record);
            Ok(id)
        })
    }

    /// Appends many records at once.
    pub async fn add_many(&self, records: Vec<PredictionRecord>) -> Result<(), WebError> {
        for record in records {
            self.add(record).await?;
        }
        Ok(())
    }
}

/// Provides the log store to the app.
pub fn provide_log_store() {
    provide_context(LogStoreHandle);
}

/// The app's log store.
pub fn use_log_store() -> LogStoreHandle {
    LogStoreHandle
}

/// Banner shown when the log is not persistent.
#[component]
pub fn StorageBanner() -> impl IntoView {}
