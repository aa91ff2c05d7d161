//! Where the user's own model is remembered between visits: the files exactly as given, in an
//! IndexedDB database of their own (apart from the prediction log, so removing a model never
//! touches the log). Stored as `{meta: <JSON of the small fields>, model: Uint8Array}` (the
//! model's exact bytes, so its sha256 never changes); an older JSON string holding `model_txt`
//! as text still loads.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

use crate::web::idb::{self, request_done, IdbError};

const DATABASE: &str = "reorder-own-model";
const STORE: &str = "files";
const KEY: &str = "current";

/// The files as the user gave them, kept so the model can be rebuilt on the next visit.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnModelFiles {
    pub file_name: String,
    pub model_txt: Vec<u8>,
    pub feature_names_json: Option<String>,
    pub threshold_text: Option<String>,
    /// A multiclass model's class names as given (a JSON array or one per line).
    pub classes_text: Option<String>,
}

/// Why the files could not be remembered, restored or forgotten.
#[derive(Debug, thiserror::Error)]
pub enum OwnModelStoreError {
    #[error("the remembered model cannot be read")]
    NotRead(#[source] IdbError),
    #[error("the remembered model is damaged")]
    Damaged(#[source] StoredDamage),
    #[error("the model is used for this visit only")]
    NotSaved(#[source] IdbError),
    #[error("the model is used for this visit only")]
    NotEncoded(#[source] serde_json::Error),
    #[error("the remembered model could not be removed")]
    NotRemoved(#[source] IdbError),
}

/// What is wrong with a stored entry.
#[derive(Debug, thiserror::Error)]
pub enum StoredDamage {
    #[error("no `meta`")]
    NoMeta,
    #[error("no model bytes")]
    NoModelBytes,
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// The small fields, stored as JSON beside the model's bytes.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredMeta {
    file_name: String,
    feature_names_json: Option<String>,
    threshold_text: Option<String>,
    #[serde(default)]
    classes_text: Option<String>,
}

/// The stored shape written before the model was kept as bytes.
#[derive(serde::Deserialize)]
struct StoredFilesAsText {
    file_name: String,
    model_txt: String,
    feature_names_json: Option<String>,
    threshold_text: Option<String>,
}

/// The remembered files, if any.
pub async fn load_files() -> Result<Option<OwnModelFiles>, OwnModelStoreError> {
    let stored = with_store(IdbTransactionMode::Readonly, "read", |store| {
        store.get(&JsValue::from_str(KEY))
    })
    .await
    .map_err(OwnModelStoreError::NotRead)?;
    if stored.is_undefined() || stored.is_null() {
        return Ok(None);
    }
    read_stored(&stored)
        .map(Some)
        .map_err(OwnModelStoreError::Damaged)
}

fn read_stored(stored: &JsValue) -> Result<OwnModelFiles, StoredDamage> {
    if let Some(text) = stored.as_string() {
        let old: StoredFilesAsText = serde_json::from_str(&text)?;
        return Ok(OwnModelFiles {
            file_name: old.file_name,
            model_txt: old.model_txt.into_bytes(),
            feature_names_json: old.feature_names_json,
            threshold_text: old.threshold_text,
            classes_text: None,
        });
    }
    let field = |name: &str| Reflect::get(stored, &JsValue::from_str(name)).ok();
    let meta_text = field("meta")
        .and_then(|meta| meta.as_string())
        .ok_or(StoredDamage::NoMeta)?;
    let meta: StoredMeta = serde_json::from_str(&meta_text)?;
    let model = field("model")
        .filter(|model| model.is_instance_of::<Uint8Array>())
        .ok_or(StoredDamage::NoModelBytes)?;
    Ok(OwnModelFiles {
        file_name: meta.file_name,
        model_txt: Uint8Array::new(&model).to_vec(),
        feature_names_json: meta.feature_names_json,
        threshold_text: meta.threshold_text,
        classes_text: meta.classes_text,
    })
}

/// Remembers `files`, replacing any earlier ones.
pub async fn save_files(files: &OwnModelFiles) -> Result<(), OwnModelStoreError> {
    let meta = serde_json::to_string(&StoredMeta {
        file_name: files.file_name.clone(),
        feature_names_json: files.feature_names_json.clone(),
        threshold_text: files.threshold_text.clone(),
        classes_text: files.classes_text.clone(),
    })
    .map_err(OwnModelStoreError::NotEncoded)?;
    let value = Object::new();
    let encode = IdbError::failed::<JsValue>("encoding the files");
    Reflect::set(
        &value,
        &JsValue::from_str("meta"),
        &JsValue::from_str(&meta),
    )
    .map_err(&encode)
    .map_err(OwnModelStoreError::NotSaved)?;
    Reflect::set(
        &value,
        &JsValue::from_str("model"),
        &Uint8Array::from(files.model_txt.as_slice()).into(),
    )
    .map_err(&encode)
    .map_err(OwnModelStoreError::NotSaved)?;
    with_store(IdbTransactionMode::Readwrite, "write", |store| {
        store.put_with_key(&value, &JsValue::from_str(KEY))
    })
    .await
    .map(|_| ())
    .map_err(OwnModelStoreError::NotSaved)
}

/// Forgets the remembered files.
pub async fn delete_files() -> Result<(), OwnModelStoreError> {
    with_store(IdbTransactionMode::Readwrite, "delete", |store| {
        store.delete(&JsValue::from_str(KEY))
    })
    .await
    .map(|_| ())
    .map_err(OwnModelStoreError::NotRemoved)
}

/// Creates the store in a new database.
fn create_store(db: &IdbDatabase, _: &IdbTransaction, _: u32) -> Result<(), JsValue> {
    if !db.object_store_names().contains(STORE) {
        db.create_object_store(STORE)?;
    }
    Ok(())
}

/// Opens the database, runs one request on the store and closes the database again.
async fn with_store(
    mode: IdbTransactionMode,
    operation: &'static str,
    request: impl FnOnce(&IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, IdbError> {
    let database = idb::open_database(&idb::browser_factory()?, DATABASE, 1, create_store).await?;
    let request = database
        .transaction_with_str_and_mode(STORE, mode)
        .and_then(|transaction| transaction.object_store(STORE))
        .and_then(|store| request(&store));
    let value = match request {
        Ok(request) => request_done(&request)
            .await
            .map_err(IdbError::failed(operation)),
        Err(thrown) => Err(IdbError::failed(operation)(thrown)),
    };
    database.close();
    value
}
