//! PostgreSQL's `interval`, which has no type of its own in the `postgres` crate.

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use std::error::Error as StdError;

/// A PostgreSQL `interval`: months, days and microseconds are kept apart, as the server does,
/// because a month has no fixed length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub microseconds: i64,
}

impl<'a> FromSql<'a> for Interval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        let bytes: [u8; 16] = raw.try_into().map_err(|_| "an interval is 16 bytes")?;
        let [m0, m1, m2, m3, d0, d1, d2, d3, rest @ ..] = bytes;
        Ok(Interval {
            microseconds: i64::from_be_bytes([m0, m1, m2, m3, d0, d1, d2, d3]),
            days: i32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]),
            months: i32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]),
        })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

impl ToSql for Interval {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        out.extend_from_slice(&self.microseconds.to_be_bytes());
        out.extend_from_slice(&self.days.to_be_bytes());
        out.extend_from_slice(&self.months.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }

    to_sql_checked!();
}
