//! PHI never prints: the generated `Debug` shows [`Redacted`] in place of a PHI value.

use std::fmt;

/// Shown by `Debug` in place of every PHI value.
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[PHI]")
    }
}
