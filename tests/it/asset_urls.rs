//! The app's paths on a static host that serves each route from its own folder.

use instacart_reorder::asset_urls::without_folder_slash;

#[test]
fn a_route_folders_trailing_slash_is_taken_off_and_the_roots_is_kept() {
    assert_eq!(without_folder_slash("/dashboard/", "/"), Some("/dashboard"));
    assert_eq!(without_folder_slash("/dashboard", "/"), None);
    assert_eq!(without_folder_slash("/", "/"), None);
    assert_eq!(
        without_folder_slash("/tools/reorder/demo/", "/tools/reorder/"),
        Some("/tools/reorder/demo")
    );
    assert_eq!(
        without_folder_slash("/tools/reorder/", "/tools/reorder/"),
        None
    );
    assert_eq!(
        without_folder_slash("/tools/reorder/batch", "/tools/reorder/"),
        None
    );
    assert_eq!(without_folder_slash("/demo//", "/"), Some("/demo"));
}
