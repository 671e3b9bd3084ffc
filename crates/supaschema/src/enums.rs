//! Closed value sets of `text` columns as Rust enums: [`text_enum!`](crate::text_enum) makes a
//! generated enum readable from and writable to the column.

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

/// Makes a generated enum with `as_str` and `FromStr` readable from and writable to a `text`
/// column, and printable; with the `supaschema_serde` cfg (the `serde` feature), serde reads and
/// writes it as the stored text. The cfg is evaluated in the crate that holds the generated
/// code, whose build script sets it.
#[macro_export]
macro_rules! text_enum {
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
