//! The model the pages score with: the user's own model when one is loaded (and remembered
//! between visits through `own_model_store`), else the bundled one. Predict, Batch and the embed
//! card read it here, so no page reaches into another page for it.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::batch::{ClassNames, ClassNamesError};
use crate::browser::js_error::full_message;
use crate::model::own_model::{convert_own_model, OwnModelError};
use crate::model::Model;
use crate::web::after_paint::after_model_settles;
use crate::web::loader::{use_model, LoadedModel};
use crate::web::own_model_store::{delete_files, load_files, save_files, OwnModelFiles};

/// A model the user brought, converted and validated.
pub struct OwnModel {
    pub loaded: Arc<LoadedModel>,
    pub file_name: String,
    pub threshold_given: bool,
    /// A multiclass model's class names, when the user gave them.
    pub class_names: ClassNames,
}

impl OwnModel {
    /// Converts the files with the same converter as `reorder convert`.
    pub fn from_files(files: &OwnModelFiles) -> Result<OwnModel, OwnModelError> {
        let converted = convert_own_model(
            &files.model_txt,
            files.feature_names_json.as_deref(),
            files.threshold_text.as_deref(),
        )?;
        Ok(OwnModel::converted(
            converted.model,
            converted.sha256,
            files,
        ))
    }

    /// The model converted from `files` (here, or in the batch worker), with `sha256` the sha256
    /// of their `model.txt`.
    pub fn converted(model: Model, sha256: String, files: &OwnModelFiles) -> OwnModel {
        OwnModel {
            loaded: Arc::new(LoadedModel {
                model,
                file_sha256: sha256,
                file_bytes: files.model_txt.len(),
            }),
            file_name: files.file_name.clone(),
            threshold_given: files.threshold_text.is_some(),
            class_names: ClassNames::default(),
        }
    }

    /// Names the model's classes from `text` (a JSON array or one per line), as
    /// `reorder predict --classes` does.
    pub fn name_classes(&mut self, text: &str) -> Result<(), ClassNamesError> {
        self.class_names = ClassNames::for_model(text, &self.loaded.model)?;
        Ok(())
    }
}

/// Shared state: the user's model, if one is loaded, and whether it is remembered.
#[derive(Clone, Copy)]
pub struct OwnModelContext {
    pub own: RwSignal<Option<Arc<OwnModel>>>,
    /// Why the model could not be remembered or restored, if it could not.
    pub storage_note: RwSignal<Option<String>>,
}

impl OwnModelContext {
    /// Scores with `model`, converted from `files`, from now on; then remembers the files (a
    /// failure to remember is noted, the model is still used for this visit).
    pub async fn adopt(self, model: OwnModel, files: OwnModelFiles) {
        self.own.set(Some(Arc::new(model)));
        let saved = save_files(&files).await;
        self.storage_note
            .set(saved.err().map(|error| full_message(&error)));
    }

    /// Goes back to the bundled model and forgets the remembered files.
    pub fn remove(self) {
        self.own.set(None);
        spawn_local(async move {
            let deleted = delete_files().await;
            self.storage_note
                .set(deleted.err().map(|error| full_message(&error)));
        });
    }
}

/// Provides the own-model state and restores a remembered model. Call once at the app root,
/// after `provide_model`. With `defer_restore` the remembered model is read only after the
/// bundled model's first result is painted; without it (the embed card, whose API must answer
/// with the remembered model from its first reply) at once.
pub fn provide_own_model(defer_restore: bool) {
    let context = OwnModelContext {
        own: RwSignal::new(None),
        storage_note: RwSignal::new(None),
    };
    provide_context(context);
    if defer_restore {
        // Read after the bundled model's first result is on screen: the remembered model then
        // replaces it (a visitor without one, nearly everyone, never waits for IndexedDB).
        after_model_settles(move || spawn_local(restore_own_model(context)));
    } else {
        spawn_local(restore_own_model(context));
    }
}

async fn restore_own_model(context: OwnModelContext) {
    {
        match load_files().await {
            Ok(Some(files)) => match OwnModel::from_files(&files) {
                Ok(mut model) => {
                    if let Some(text) = &files.classes_text {
                        if let Err(error) = model.name_classes(text) {
                            context.storage_note.set(Some(format!(
                                "the remembered class names no longer fit the model: {error}"
                            )));
                        }
                    }
                    context.own.set(Some(Arc::new(model)));
                }
                Err(error) => context.storage_note.set(Some(format!(
                    "the remembered model no longer loads: {error}"
                ))),
            },
            Ok(None) => {}
            Err(error) => context.storage_note.set(Some(full_message(&error))),
        }
    }
}

/// The own-model state provided at the app root.
pub fn use_own_model() -> OwnModelContext {
    expect_context::<OwnModelContext>()
}

/// The model the pages score with: the user's own if one is loaded, else the bundled one.
#[derive(Clone)]
pub struct ActiveModel {
    pub loaded: Arc<LoadedModel>,
    /// sha256 of the `model.txt` the model came from (what the log records).
    pub sha256: String,
    pub is_own: bool,
    /// The class names the user gave their multiclass model (none for the bundled model).
    pub class_names: ClassNames,
}

impl PartialEq for ActiveModel {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.loaded, &other.loaded)
    }
}

impl ActiveModel {
    pub fn model(&self) -> &Model {
        &self.loaded.model
    }
}

/// `use_active_model` where the app's model is provided, else always none (a page mounted
/// alone, as its browser tests mount the dashboard).
pub fn use_active_model_if_provided() -> Memo<Option<ActiveModel>> {
    if use_context::<crate::web::loader::ModelContext>().is_some() {
        use_active_model()
    } else {
        Memo::new(|_| None)
    }
}

/// The model to score with, reactively (changes only when the model does).
pub fn use_active_model() -> Memo<Option<ActiveModel>> {
    let bundled = use_model();
    let own = use_context::<OwnModelContext>();
    Memo::new(move |_| {
        if let Some(own) = own.and_then(|context| context.own.get()) {
            return Some(ActiveModel {
                sha256: own.loaded.model.source_sha256().to_owned(),
                is_own: true,
                class_names: own.class_names.clone(),
                loaded: Arc::clone(&own.loaded),
            });
        }
        bundled.ready().map(|loaded| ActiveModel {
            sha256: loaded.model.source_sha256().to_owned(),
            is_own: false,
            class_names: ClassNames::default(),
            loaded,
        })
    })
}
