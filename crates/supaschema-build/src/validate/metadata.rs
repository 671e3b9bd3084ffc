//! Metadata-only tables (`metadata_only = true`), such as a log of what an AI assistant did:
//! they may hold numbers, times, ids, flags and values from a closed set, never free text or
//! documents, so a prompt, a response or a patient's words have no column to land in.

use super::{Result, Validator};
use crate::error::Problem;
use crate::model::*;
use crate::read::RawSchema;
use crate::sql_type::SqlType;

impl Validator<'_> {
    pub(super) fn metadata_only_tables(&self, raw: &RawSchema, tables: &[Table]) -> Result<()> {
        for (name, raw_table) in &raw.tables {
            let raw_table = raw_table.get_ref();
            if !raw_table.metadata_only.as_ref().is_some_and(|m| *m.get_ref()) {
                continue;
            }
            let Some(table) = tables.iter().find(|t| &t.name == name.get_ref()) else {
                continue;
            };
            for (column_name, raw_column) in raw_table.columns.get_ref() {
                let Some(column) = table.column(column_name.get_ref()) else {
                    continue;
                };
                if column.values.is_none() && holds_free_text(&column.sql_type) {
                    return Err(self.error(
                        raw_column.get_ref().sql_type.span(),
                        Problem::FreeTextInMetadataTable {
                            table: table.name.clone(),
                            column: column.name.clone(),
                            sql_type: column.sql_type.to_string(),
                        },
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Whether values of the type can carry arbitrary words: text, documents and bytes, alone or in
/// an array.
fn holds_free_text(sql_type: &SqlType) -> bool {
    match sql_type {
        SqlType::Text | SqlType::Varchar(_) | SqlType::Json | SqlType::Jsonb | SqlType::Bytea => true,
        SqlType::Array(element) => holds_free_text(element),
        _ => false,
    }
}
