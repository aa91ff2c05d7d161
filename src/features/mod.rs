//! Instacart next-basket features: one table of definitions, computed by the same code for
//! training (the CLI) and in the browser (demo users, uploaded histories).
