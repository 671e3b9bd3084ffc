//! Closed value sets of `text` columns and enum types as Rust enums: [`text_enum!`](crate::text_enum)
//! makes a generated enum readable from and writable to a `text` column, [`pg_enum!`](crate::pg_enum)
//! to a column of an enum type.

use std::error::Error as StdError;
use std::fmt;

/// A text that is not one of an enum's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownValue {
    pub type_name: &'static str,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a value of {}", self.type_name)
    }
}

impl StdError for UnknownValue {}

/// What the enums of both macros share: with the `supaschema_serde` cfg (the `serde` feature),
/// serde reads and writes the value as its text; and `Display` prints it. The cfg is evaluated
/// in the crate that holds the generated code, whose build script sets it.
#[doc(hidden)]
#[macro_export]
macro_rules! enum_text {
    ($name:ident) => {
        #[cfg(supaschema_serde)]
        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[cfg(supaschema_serde)]
        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <::std::string::String as $crate::serde::Deserialize>::deserialize(deserializer)?;
                text.parse()
                    .map_err(<D::Error as $crate::serde::de::Error>::custom)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Makes a generated enum with `as_str` and `FromStr` readable from and writable to a `text`
/// column, printable, and (with the `serde` feature) serde's, as its stored text.
#[macro_export]
macro_rules! text_enum {
    ($name:ident) => {
        $crate::enum_text!($name);

        impl $crate::postgres::types::ToSql for $name {
            fn to_sql(
                &self,
                ty: &$crate::postgres::types::Type,
                out: &mut $crate::bytes::BytesMut,
            ) -> Result<$crate::postgres::types::IsNull, Box<dyn ::std::error::Error + Sync + Send>> {
                self.as_str().to_sql(ty, out)
            }

            fn accepts(ty: &$crate::postgres::types::Type) -> bool {
                <&str as $crate::postgres::types::ToSql>::accepts(ty)
            }

            $crate::postgres::types::to_sql_checked!();
        }

        impl<'a> $crate::postgres::types::FromSql<'a> for $name {
            fn from_sql(
                ty: &$crate::postgres::types::Type,
                raw: &'a [u8],
            ) -> Result<Self, Box<dyn ::std::error::Error + Sync + Send>> {
                let text = <&str as $crate::postgres::types::FromSql>::from_sql(ty, raw)?;
                Ok(text.parse::<$name>()?)
            }

            fn accepts(ty: &$crate::postgres::types::Type) -> bool {
                <&str as $crate::postgres::types::FromSql>::accepts(ty)
            }
        }
    };
}

/// Makes a generated enum with `as_str` and `FromStr` readable from and writable to a column of
/// the enum type `$sql_name` (and, through the `postgres` crate's arrays, of its array type),
/// printable, and (with the `serde` feature) serde's, as its label. PostgreSQL sends an enum
/// value as its label's text, in both formats; the type is recognised by name, as its oid
/// differs between databases.
#[macro_export]
macro_rules! pg_enum {
    ($name:ident, $sql_name:literal) => {
        $crate::enum_text!($name);

        impl $crate::postgres::types::ToSql for $name {
            fn to_sql(
                &self,
                _: &$crate::postgres::types::Type,
                out: &mut $crate::bytes::BytesMut,
            ) -> Result<$crate::postgres::types::IsNull, Box<dyn ::std::error::Error + Sync + Send>> {
                out.extend_from_slice(self.as_str().as_bytes());
                Ok($crate::postgres::types::IsNull::No)
            }

            fn accepts(ty: &$crate::postgres::types::Type) -> bool {
                ty.name() == $sql_name && matches!(ty.kind(), $crate::postgres::types::Kind::Enum(_))
            }

            $crate::postgres::types::to_sql_checked!();
        }

        impl<'a> $crate::postgres::types::FromSql<'a> for $name {
            fn from_sql(
                _: &$crate::postgres::types::Type,
                raw: &'a [u8],
            ) -> Result<Self, Box<dyn ::std::error::Error + Sync + Send>> {
                Ok(::std::str::from_utf8(raw)?.parse::<$name>()?)
            }

            fn accepts(ty: &$crate::postgres::types::Type) -> bool {
                ty.name() == $sql_name && matches!(ty.kind(), $crate::postgres::types::Kind::Enum(_))
            }
        }
    };
}
