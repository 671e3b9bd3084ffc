//! `[enums.<name>]`: enum types, their labels and the values the next migration renames, and
//! the column types that name them.

use super::{Result, Validator};
use crate::error::Problem;
use crate::ident::is_rust_type_name;
use crate::model::Enum;
use crate::read::RawSchema;
use crate::sql_type::{SqlType, TypeProblem, enum_rust_name};

impl Validator<'_> {
    /// Every enum type, checked before the tables, whose column types may name them. An enum
    /// no column uses is fine: it may be meant for a function, or for a column still to come.
    pub(super) fn enums(&self, raw: &RawSchema) -> Result<Vec<Enum>> {
        let mut enums = Vec::with_capacity(raw.enums.len());
        for (name, raw_enum) in &raw.enums {
            let enum_name = self.identifier(name, "enum")?;
            let taken_by = if SqlType::parse(&enum_name) != Err(TypeProblem::Unknown) {
                Some("a built-in type")
            } else if raw.tables.keys().any(|t| *t.get_ref() == enum_name) {
                Some("a table")
            } else {
                None
            };
            if let Some(by) = taken_by {
                return Err(self.error(name.span(), Problem::EnumNameTaken { name: enum_name, by }));
            }
            let rust_name = enum_rust_name(&enum_name);
            if !is_rust_type_name(&rust_name) || super::names::RUST_PRELUDE.contains(&rust_name.as_str()) {
                return Err(self.error(
                    name.span(),
                    Problem::EnumRustName {
                        name: enum_name,
                        rust_name,
                    },
                ));
            }
            let raw_enum = raw_enum.get_ref();
            let values = self.value_list(&raw_enum.values)?;
            let mut renamed_values = Vec::new();
            for (new, old) in &raw_enum.renamed_values {
                if !values.contains(new.get_ref()) {
                    return Err(self.error(
                        new.span(),
                        Problem::RenamedValueUnknown {
                            name: enum_name,
                            value: new.get_ref().clone(),
                        },
                    ));
                }
                if values.contains(old.get_ref()) {
                    return Err(self.error(
                        old.span(),
                        Problem::RenamedValueStillListed {
                            name: enum_name,
                            value: old.get_ref().clone(),
                        },
                    ));
                }
                renamed_values.push((new.get_ref().clone(), old.get_ref().clone()));
            }
            enums.push(Enum {
                name: enum_name,
                rust_name,
                values,
                comment: self.comment(&raw_enum.comment)?,
                renamed_values,
            });
        }
        Ok(enums)
    }

    /// A column type naming one of the schema's enums (`status`, `status[]`), or, when it names
    /// none, the problem: with the enum it was probably meant to name, if one is that close.
    pub(super) fn enum_column_type(&self, name: &str) -> std::result::Result<SqlType, Problem> {
        let found = name.trim();
        let (element, array) = match found.strip_suffix("[]") {
            Some(element) => (element.trim_end(), true),
            None => (found, false),
        };
        if let Some(known) = self.enums.iter().find(|e| e.name == element) {
            let sql_type = SqlType::Enum(known.name.clone());
            return Ok(match array {
                true => SqlType::Array(Box::new(sql_type)),
                false => sql_type,
            });
        }
        let closest = self
            .enums
            .iter()
            .map(|e| (strsim::damerau_levenshtein(element, &e.name), &e.name))
            .filter(|(distance, enum_name)| *distance <= 2.min(enum_name.len() / 2))
            .min_by_key(|(distance, _)| *distance);
        Err(match closest {
            Some((_, enum_name)) => Problem::UnknownTypeNearEnum {
                found: found.to_owned(),
                closest: enum_name.clone(),
            },
            None => Problem::UnknownType {
                found: found.to_owned(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepts, rejects};
    use crate::error::Problem;
    use crate::sql_type::SqlType;

    /// An enum `visit_status` and a table `visits` whose column `status` has the type `ty`.
    fn schema(values: &str, ty: &str) -> String {
        format!(
            r#"[enums.visit_status]
values = {values}
comment = "Where a visit stands."

[tables.visits.columns]
id = {{ type = "uuid", primary_key = true, class = "public" }}
status = {{ type = "{ty}", default = "'booked'", class = "administrative" }}
"#
        )
    }

    #[test]
    fn a_column_names_an_enum_as_its_type() {
        let accepted = accepts(&schema(r#"["booked", "seen", "no_show"]"#, "visit_status"));
        let status = &accepted.enums[0];
        assert_eq!(status.rust_name, "VisitStatus");
        assert_eq!(status.values, ["booked", "seen", "no_show"]);
        assert_eq!(status.comment.as_deref(), Some("Where a visit stands."));
        let column = &accepted.tables[0].columns[1];
        assert_eq!(column.sql_type, SqlType::Enum("visit_status".into()));
        assert!(
            accepted.tables[0].checks.is_empty(),
            "the type holds the values, no check"
        );
        let listed = accepts(&schema(r#"["booked"]"#, "visit_status[]").replace("'booked'", "'{booked}'"));
        assert_eq!(
            listed.tables[0].columns[1].sql_type,
            SqlType::Array(Box::new(SqlType::Enum("visit_status".into())))
        );
        // An enum no column uses is fine; a function may take and return one.
        let function = "[functions.next]\nargs = [{ name = \"s\", type = \"visit_status\" }]\nreturns = \"visit_status\"\nlanguage = \"sql\"\nbody = \"select s\"\n";
        let with_function = accepts(&format!("{}{function}", schema(r#"["booked"]"#, "text")));
        assert_eq!(with_function.functions[0].returns.sql(), "public.visit_status");
        assert_eq!(
            with_function.functions[0].args[0].sql_type,
            SqlType::Enum("visit_status".into())
        );
    }

    #[test]
    fn refuses_a_misspelt_enum_with_the_name_it_meant() {
        rejects(
            &schema(r#"["booked"]"#, "visit_stauts"),
            7,
            Problem::UnknownTypeNearEnum {
                found: "visit_stauts".into(),
                closest: "visit_status".into(),
            },
        );
        rejects(
            &schema(r#"["booked"]"#, "mood"),
            7,
            Problem::UnknownType { found: "mood".into() },
        );
    }

    #[test]
    fn refuses_bad_labels() {
        rejects(&schema("[]", "visit_status"), 2, Problem::EmptyValues);
        rejects(
            &schema(r#"["booked", "booked"]"#, "visit_status"),
            2,
            Problem::Duplicate {
                what: "value",
                name: "booked".into(),
            },
        );
        rejects(
            &schema(r#"["booked", "no show!"]"#, "visit_status"),
            2,
            Problem::BadValue {
                value: "no show!".into(),
            },
        );
        rejects(
            &schema(r#"["booked", "seen"]"#, "visit_status").replace("'booked'", "'cancelled'"),
            7,
            Problem::DefaultOutsideValues {
                default: "cancelled".into(),
                values: vec!["booked".into(), "seen".into()],
            },
        );
    }

    #[test]
    fn refuses_a_name_a_table_or_builtin_type_has() {
        let text = schema(r#"["booked"]"#, "text");
        rejects(
            &text.replace("[enums.visit_status]", "[enums.visits]"),
            1,
            Problem::EnumNameTaken {
                name: "visits".into(),
                by: "a table",
            },
        );
        rejects(
            &text.replace("[enums.visit_status]", "[enums.date]"),
            1,
            Problem::EnumNameTaken {
                name: "date".into(),
                by: "a built-in type",
            },
        );
        rejects(
            &text.replace("[enums.visit_status]", "[enums.result]"),
            1,
            Problem::EnumRustName {
                name: "result".into(),
                rust_name: "Result".into(),
            },
        );
    }

    #[test]
    fn a_renamed_value_is_listed_under_its_new_name_only() {
        let text = schema(r#"["booked", "attended"]"#, "visit_status");
        let renamed = accepts(&text.replace("comment = ", "renamed_values = { attended = \"seen\" }\ncomment = "));
        assert_eq!(renamed.enums[0].renamed_values, [("attended".into(), "seen".into())]);
        rejects(
            &text.replace("comment = ", "renamed_values = { gone = \"seen\" }\ncomment = "),
            3,
            Problem::RenamedValueUnknown {
                name: "visit_status".into(),
                value: "gone".into(),
            },
        );
        rejects(
            &text.replace("comment = ", "renamed_values = { attended = \"booked\" }\ncomment = "),
            3,
            Problem::RenamedValueStillListed {
                name: "visit_status".into(),
                value: "booked".into(),
            },
        );
    }
}
