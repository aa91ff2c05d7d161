//! Your own model: a LightGBM `model.txt` (optionally with `feature_names.json` and
//! `best_threshold.txt`) converted in the browser by the same Rust converter as `reorder
//! convert`. While one is loaded, the Predict and Batch pages score with it and the log records
//! its sha256; it is remembered in IndexedDB until removed.

use std::sync::Arc;

use leptos::prelude::*;

use crate::model::Model;
use crate::web::loader::{use_model, LoadedModel};

/// A model the user brought, converted and validated.
pub struct OwnModel {
    pub model: Model,
    /// sha256 (hex) of the `model.txt` bytes.
    pub sha256: String,
    pub file_name: String,
}

/// Shared state: the user's model, if one is loaded.
#[derive(Clone, Copy)]
pub struct OwnModelContext {
    pub own: RwSignal<Option<Arc<OwnModel>>>,
}

/// Provides the (empty) own-model state. Call once at the app root.
pub fn provide_own_model() {
    provide_context(OwnModelContext {
        own: RwSignal::new(None),
    });
}

#[derive(Clone)]
enum Holder {
    Bundled(Arc<LoadedModel>),
    Own(Arc<OwnModel>),
}

/// The model the pages score with: the user's own if one is loaded, else the bundled one.
#[derive(Clone)]
pub struct ActiveModel {
    holder: Holder,
    /// sha256 of the `model.txt` the model came from (what the log records).
    pub sha256: String,
    pub is_own: bool,
}

impl ActiveModel {
    pub fn model(&self) -> &Model {
        match &self.holder {
            Holder::Bundled(loaded) => &loaded.model,
            Holder::Own(own) => &own.model,
        }
    }
}

/// The model to score with, reactively.
pub fn use_active_model() -> Signal<Option<ActiveModel>> {
    let bundled = use_model();
    let own = use_context::<OwnModelContext>();
    Signal::derive(move || {
        if let Some(own) = own.and_then(|context| context.own.get()) {
            return Some(ActiveModel {
                sha256: own.sha256.clone(),
                is_own: true,
                holder: Holder::Own(own),
            });
        }
        bundled.ready().map(|loaded| ActiveModel {
            sha256: loaded.model.source_sha256().to_owned(),
            is_own: false,
            holder: Holder::Bundled(loaded),
        })
    })
}
