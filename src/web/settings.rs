//! Small settings that survive a reload (the language, the Predict form's last inputs): kept in
//! localStorage when the browser allows it, and in this page's memory when it does not (storage
//! blocked in a third-party iframe, some private modes), so callers never handle the difference.

use std::cell::RefCell;
use std::collections::BTreeMap;

thread_local! {
    /// Settings kept for this page's life when the browser blocks localStorage.
    static MEMORY_SETTINGS: RefCell<BTreeMap<String, String>> = const { RefCell::new(BTreeMap::new()) };
}

/// Whether localStorage really works here: reaching it throws when storage is blocked (e.g. in
/// a third-party iframe), and writing throws in some private modes.
fn local_storage_works() -> bool {
    let Some(storage) = web_sys::window().and_then(|window| window.local_storage().ok().flatten())
    else {
        return false;
    };
    let probe = "instacart-reorder-probe";
    storage.set_item(probe, "1").is_ok() && storage.remove_item(probe).is_ok()
}

/// A saved setting (language, last inputs), from localStorage or the in-memory fallback.
pub fn load_setting(key: &str) -> Option<String> {
    use gloo_storage::Storage;
    if local_storage_works() {
        if let Ok(value) = gloo_storage::LocalStorage::get::<String>(key) {
            return Some(value);
        }
    }
    MEMORY_SETTINGS.with(|settings| settings.borrow().get(key).cloned())
}

/// Saves a setting to localStorage, or to memory when localStorage is blocked or full.
pub fn save_setting(key: &str, value: &str) {
    use gloo_storage::Storage;
    if local_storage_works() && gloo_storage::LocalStorage::set(key, value).is_ok() {
        return;
    }
    MEMORY_SETTINGS.with(|settings| {
        settings
            .borrow_mut()
            .insert(key.to_owned(), value.to_owned())
    });
}
