//! The prediction log in the browser: IndexedDB when the browser allows it, an in-memory log
//! (with a visible banner) when it does not.
//!
//! Rules this module keeps: one readwrite transaction per write, with durability "strict",
//! holding the records, their feature values (apart, in `features`), the dashboard's buckets
//! (read, merged with the write's `BucketDelta`, put back) and the feature-name union; nothing
//! but IndexedDB requests inside a transaction (follow-up requests are issued from the previous
//! request's success handler, only the transaction's end is awaited); a schema version with an
//! upgrade path (`schema`); the connection closes when another tab upgrades the schema.
//!
//! Nothing here reads the whole log: the dashboard reads the buckets (a few hundred small
//! records), one page of recent predictions through the time index, newest first, and exports
//! walk the log a page at a time into a Blob.
//!
//! A write that fails is retried once; if it fails again its records are kept in this tab's
//! memory and the caller gets `NotStored` with how many. The memory log holds only what was
//! written since then (it never copies the stored log), and every later write first tries
//! IndexedDB again: when it works, the memory records are written there and the log is back in
//! IndexedDB. Until then every write kept in memory is reported as `NotStored` too (it would be
//! lost when the tab closes), and so is every write after another tab has taken the database to
//! a newer schema; only a log that never could open IndexedDB (blocked storage, no IndexedDB)
//! lives in memory without an error per write, its banner saying so. Writes of one store take
//! turns (`WriteTurns`): a recovery runs once, never once per concurrent write, so no record is
//! written twice. Batch runs started in memory get ids no stored run can have, and their rows
//! go to IndexedDB as plain records once it works again. A chunk whose run is gone (the log was
//! cleared, perhaps in another tab) is refused as `RunCleared`, never replayed. Clear clears
//! memory and IndexedDB alike. Other tabs learn about writes through a BroadcastChannel.
//!
//! `LogStore` is the plain (non-reactive) store, tested in a real browser; `LogStoreHandle`
//! wraps it with Leptos signals for the pages.

//!
//! The rooms: `store` (the backend switch and its retry and fallback), `writes` (what the pages
//! call) and `transactions` (one IndexedDB transaction each), `reads`,
//! `export`, `memory` (the memory backend), `handle` (the reactive handle the pages use),
//! `schema` (stores, keys, indexes and the upgrade) and `codec` (values as stored), `error`.

mod codec;
mod error;
mod export;
mod handle;
mod memory;
mod reads;
pub mod schema;
mod store;
mod transactions;
mod writes;

pub use crate::prediction_log::{RecentPage, RecentPosition};
pub use error::LogStoreError;
pub use export::{Export, ExportFormat, EXPORT_PAGE};
pub use handle::{provide_log_store, use_log_store, warm_up_log_store, LogStoreHandle};
pub use memory::MEMORY_RUN_IDS;
pub use schema::{DATABASE_NAME, INDEX_CREATED_AT, INDEX_MODEL, SCHEMA_VERSION, STORE_NAME};
pub use store::{LogStore, StorageStatus};
