//! Exporting the log as CSV or JSON: it is walked a page of records or chunks at a time into a
//! Blob folded as it grows, so a million rows never stand in the page as one string.

use std::collections::BTreeMap;

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbKeyRange};

use super::codec::{chunk_key, decode_chunk, features_from_js, from_js, values_numbered};
use super::error::LogStoreError;
use super::schema::{CHUNKS_STORE, FEATURES_STORE, STORE_NAME};
use super::store::{Backend, LogStore};
use super::transactions::begin;
use crate::browser::js_error::JsError;
use crate::prediction_log::{
    BatchChunk, BatchRun, CsvExport, Filter, JsonExport, PredictionRecord,
};
use crate::web::idb::{request_done, IdbError};

/// Records (or chunks' rows, roughly) read per step of an export.
pub const EXPORT_PAGE: u32 = 2000;
/// Chunks read per step of an export.
pub(super) const EXPORT_CHUNK_PAGE: u32 = 16;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn mime(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv",
            ExportFormat::Json => "application/json",
        }
    }
}

/// An export: the file and how many predictions it holds.
#[derive(Debug, Clone)]
pub struct Export {
    pub blob: web_sys::Blob,
    pub rows: u64,
}

/// What `walk` hands over at each step: logged records, or one batch chunk with its run (left
/// in columns, so an export can write it without a record per row).
pub(super) enum Page<'a> {
    Records(Vec<PredictionRecord>),
    Chunk(&'a BatchRun, BatchChunk),
}

/// Bytes of an export held as parts before they are folded into the Blob built so far.
pub(super) const EXPORT_FOLD_BYTES: usize = 8 << 20;

/// A Blob assembled from many pieces of text without holding them all in the page.
pub(super) struct BlobBuilder {
    mime: &'static str,
    built: Option<web_sys::Blob>,
    parts: Array,
    pending_bytes: usize,
}

impl BlobBuilder {
    pub(super) fn new(mime: &'static str) -> BlobBuilder {
        BlobBuilder {
            mime,
            built: None,
            parts: Array::new(),
            pending_bytes: 0,
        }
    }

    pub(super) fn push(&mut self, text: &str) -> Result<(), LogStoreError> {
        self.parts.push(&js_sys::Uint8Array::from(text.as_bytes()));
        self.pending_bytes += text.len();
        if self.pending_bytes >= EXPORT_FOLD_BYTES {
            self.fold()?;
        }
        Ok(())
    }

    pub(super) fn fold(&mut self) -> Result<(), LogStoreError> {
        let parts = std::mem::replace(&mut self.parts, Array::new());
        if let Some(built) = self.built.take() {
            parts.unshift(&built);
        }
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(self.mime);
        let blob = web_sys::Blob::new_with_blob_sequence_and_options(&parts, &options)
            .map_err(|error| LogStoreError::Export(JsError::from_js(&error)))?;
        self.built = Some(blob);
        self.pending_bytes = 0;
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<web_sys::Blob, LogStoreError> {
        self.fold()?;
        Ok(self.built.take().expect("fold leaves a Blob"))
    }
}

impl LogStore {
    /// The predictions `filter` selects as a CSV or JSON file, written a page at a time into a
    /// Blob: each page's text becomes bytes, and every `EXPORT_FOLD_BYTES` the pending bytes are
    /// folded into the Blob built so far, so the page holds a few megabytes of the export at any
    /// time (the Blob's contents live in the browser's blob storage, not in this page's heap).
    pub async fn export(
        &self,
        format: ExportFormat,
        filter: &Filter,
    ) -> Result<Export, LogStoreError> {
        let csv = CsvExport::new(self.feature_names().await?);
        let mut json = JsonExport::default();
        let mut file = BlobBuilder::new(format.mime());
        match format {
            ExportFormat::Csv => file.push(&csv.header()),
            ExportFormat::Json => file.push(JsonExport::open()),
        }?;
        let mut rows = 0u64;
        let mut emit = |page: Page<'_>| -> Result<(), LogStoreError> {
            let mut out = String::new();
            match page {
                // Batch rows go to the CSV straight from the chunk's columns.
                Page::Chunk(run, chunk) if format == ExportFormat::Csv => {
                    if !filter.matches_chunk(run, &chunk) {
                        return Ok(());
                    }
                    rows += chunk.len() as u64;
                    csv.push_chunk_rows(run, &chunk, &mut out)?;
                }
                page => {
                    let records = match page {
                        Page::Records(records) => records,
                        Page::Chunk(run, chunk) => chunk.records(run)?,
                    };
                    let selected: Vec<PredictionRecord> =
                        records.into_iter().filter(|r| filter.matches(r)).collect();
                    rows += selected.len() as u64;
                    match format {
                        ExportFormat::Csv => csv.push_rows(&selected, &mut out),
                        ExportFormat::Json => json.push_rows(&selected, &mut out),
                    }
                }
            }
            if out.is_empty() {
                return Ok(());
            }
            file.push(&out)
        };
        self.walk(&mut emit).await?;
        if format == ExportFormat::Json {
            file.push(json.close())?;
        }
        Ok(Export {
            blob: file.finish()?,
            rows,
        })
    }

    /// Every record with its feature values, in pages: logged records by id, then batch rows
    /// by run and chunk.
    pub(super) async fn walk(
        &self,
        emit: &mut dyn FnMut(Page<'_>) -> Result<(), LogStoreError>,
    ) -> Result<(), LogStoreError> {
        let Some(db) = self.database().await else {
            let records = match &*self.inner.backend.borrow() {
                Backend::Memory { log, .. } => log.records.clone(),
                _ => Vec::new(),
            };
            for page in records.chunks(EXPORT_PAGE as usize) {
                emit(Page::Records(page.to_vec()))?;
            }
            return Ok(());
        };
        let mut after: Option<f64> = None;
        loop {
            let (records, last) = read_record_page(&db, after).await?;
            let full = records.len() == EXPORT_PAGE as usize;
            emit(Page::Records(records))?;
            match last {
                Some(last) if full => after = Some(last),
                _ => break,
            }
        }
        let mut runs = self.runs().await?;
        let mut after: Option<JsValue> = None;
        loop {
            let (chunks, last) = read_chunk_page(&db, after.as_ref()).await?;
            let full = chunks.len() == EXPORT_CHUNK_PAGE as usize;
            for chunk in chunks {
                // A run started (in another tab) since the walk began: its record is there too.
                if !runs.contains_key(&chunk.run_id) {
                    runs = self.runs().await?;
                }
                let run = runs
                    .get(&chunk.run_id)
                    .ok_or(LogStoreError::UnknownRun(chunk.run_id))?;
                emit(Page::Chunk(run, chunk))?;
            }
            match last {
                Some(last) if full => after = Some(last),
                _ => break,
            }
        }
        Ok(())
    }
}

/// The next page of logged records (ids above `after`) with their feature values, and the
/// last id read.
pub(super) async fn read_record_page(
    db: &IdbDatabase,
    after: Option<f64>,
) -> Result<(Vec<PredictionRecord>, Option<f64>), LogStoreError> {
    let transaction =
        begin(db, &[STORE_NAME, FEATURES_STORE], false).map_err(IdbError::failed("read"))?;
    let range: JsValue = match after {
        None => IdbKeyRange::lower_bound(&JsValue::from_f64(0.0)),
        Some(after) => IdbKeyRange::lower_bound_with_open(&JsValue::from_f64(after), true),
    }
    .map_err(IdbError::failed("read"))?
    .into();
    let records = transaction
        .object_store(STORE_NAME)
        .and_then(|store| store.get_all_with_key_and_limit(&range, EXPORT_PAGE))
        .map_err(IdbError::failed("read"))?;
    let features = transaction
        .object_store(FEATURES_STORE)
        .map_err(IdbError::failed("read"))?;
    let values = features
        .get_all_with_key_and_limit(&range, EXPORT_PAGE)
        .map_err(IdbError::failed("read"))?;
    let keys = features
        .get_all_keys_with_key_and_limit(&range, EXPORT_PAGE)
        .map_err(IdbError::failed("read"))?;
    let (records, values, keys) = (
        request_done(&records),
        request_done(&values),
        request_done(&keys),
    );
    let records = records.await.map_err(IdbError::failed("read"))?;
    let values = values.await.map_err(IdbError::failed("read"))?;
    let keys: Array = keys
        .await
        .map_err(IdbError::failed("read"))?
        .unchecked_into();
    let mut records = from_js(&records)?;
    let values = features_from_js(&values_numbered(&values, &keys))?;
    let by_id: BTreeMap<u64, BTreeMap<String, Option<f64>>> = keys
        .iter()
        .filter_map(|key| key.as_f64())
        .map(|key| key as u64)
        .zip(values)
        .collect();
    for record in &mut records {
        if let Some(values) = record.id.and_then(|id| by_id.get(&id)) {
            record.features = values.clone();
        }
    }
    let last = records.last().and_then(|r| r.id).map(|id| id as f64);
    Ok((records, last))
}

/// The next page of batch chunks (keys above `after`) with their values, and the last key read.
pub(super) async fn read_chunk_page(
    db: &IdbDatabase,
    after: Option<&JsValue>,
) -> Result<(Vec<BatchChunk>, Option<JsValue>), LogStoreError> {
    let transaction =
        begin(db, &[CHUNKS_STORE, FEATURES_STORE], false).map_err(IdbError::failed("read"))?;
    let range: JsValue = match after {
        None => JsValue::NULL,
        Some(after) => IdbKeyRange::lower_bound_with_open(after, true)
            .map_err(IdbError::failed("read"))?
            .into(),
    };
    let request = transaction
        .object_store(CHUNKS_STORE)
        .and_then(|store| store.get_all_with_key_and_limit(&range, EXPORT_CHUNK_PAGE))
        .map_err(IdbError::failed("read"))?;
    let stored: Array = request_done(&request)
        .await
        .map_err(IdbError::failed("read"))?
        .unchecked_into();
    let mut chunks = Vec::with_capacity(stored.length() as usize);
    let mut last = None;
    for value in stored.iter() {
        let head = decode_chunk(&value, &JsValue::UNDEFINED)?;
        let key = chunk_key(head.run_id, head.index);
        // One small read per chunk, in a transaction of its own (the previous one may have
        // ended while the page was decoded).
        let read = begin(db, &[FEATURES_STORE], false)
            .and_then(|t| t.object_store(FEATURES_STORE))
            .and_then(|store| store.get(&key))
            .map_err(IdbError::failed("read"))?;
        let values = request_done(&read)
            .await
            .map_err(IdbError::failed("read"))?;
        let chunk = decode_chunk(&value, &values)?;
        last = Some(key);
        chunks.push(chunk);
    }
    Ok((chunks, last))
}
