//! End-to-end tests: headless Chromium, driven through chromedriver, against the real release
//! build served by the production server config. Run by `scripts/dev.sh test`.
