//! A shopper's own order history and the next basket drawn from it. The history arrives as a
//! person's own Instacart export (`export`) or in the research dataset's layouts (`files`);
//! `upload` tells them apart by content and reads either, wherever the reading runs (the page or
//! the worker); `recommend` ranks the shopper's products and picks the basket, for the Demo page's
//! held-out shoppers as for an uploaded history. Pure: the browser and the CLI pass bytes in.

pub mod export;
pub mod files;
pub mod recommend;
pub mod upload;
