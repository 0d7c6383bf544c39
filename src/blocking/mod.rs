//! Blocking adapters (coming).
