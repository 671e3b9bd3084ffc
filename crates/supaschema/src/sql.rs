//! The statements behind the generated operations, shared by [`blocking`](crate::blocking) and
//! `tokio`: built from a row type's constants and the values to write.

use crate::record::{Param, Record, Values};

/// `select <select list> from <table> where <key> = $1 …`, or from the table's audited read.
pub(crate) fn find<R: Record>() -> String {
    if let Some(call) = R::AUDITED_READ {
        return format!("select {} from {call}", R::SELECT_LIST);
    }
    format!(
        "select {} from {} where {}",
        R::SELECT_LIST,
        R::SQL_TABLE,
        placeholders(R::KEY_COLUMNS, 0, " and ")
    )
}

/// What a write returns: the row, or the key alone when the row is read back through the
/// table's audited read (the writer may not select its PHI).
fn returning<R: Record>() -> String {
    match R::AUDITED_READ {
        Some(_) => R::KEY_COLUMNS.join(", "),
        None => R::SELECT_LIST.to_owned(),
    }
}

/// `insert into <table> (<columns>) values ($1, …) returning <select list>`; with no columns,
/// `default values`.
pub(crate) fn insert<R: Record>(values: &Values<'_>) -> String {
    let (table, select_list) = (R::SQL_TABLE, returning::<R>());
    if values.columns.is_empty() {
        return format!("insert into {table} default values returning {select_list}");
    }
    let numbers: Vec<String> = (1..=values.columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "insert into {table} ({}) values ({}) returning {select_list}",
        values.columns.join(", "),
        numbers.join(", ")
    )
}

/// `update <table> set a = $1, … where <key> = $n … returning <select list>`: the key values
/// follow the set values in the parameters ([`update_params`]).
pub(crate) fn update<R: Record>(values: &Values<'_>) -> String {
    format!(
        "update {} set {} where {} returning {}",
        R::SQL_TABLE,
        placeholders(&values.columns, 0, ", "),
        placeholders(R::KEY_COLUMNS, values.columns.len(), " and "),
        returning::<R>()
    )
}

/// The parameters of [`update`]: the values, then the key.
pub(crate) fn update_params<'a, R: Record>(values: &Values<'a>, key: &'a R::Key) -> Vec<Param<'a>> {
    let mut params = values.params.clone();
    params.extend(R::key_params(key));
    params
}

/// `a = $1, b = $2`, numbered from `after + 1`.
fn placeholders(columns: &[&str], after: usize, separator: &str) -> String {
    let terms: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", after + i + 1))
        .collect();
    terms.join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DbError;

    struct Visit;

    impl TryFrom<&postgres::Row> for Visit {
        type Error = DbError;

        fn try_from(_: &postgres::Row) -> Result<Visit, DbError> {
            Ok(Visit)
        }
    }

    impl Record for Visit {
        type Key = (i32, String);
        const SQL_TABLE: &'static str = "public.t";
        const SELECT_LIST: &'static str = "a, b";
        const KEY_COLUMNS: &'static [&'static str] = &["x", "y"];

        fn key_params(key: &Self::Key) -> Vec<Param<'_>> {
            vec![&key.0, &key.1]
        }
    }

    #[test]
    fn builds_parameterised_statements() {
        let (a, b) = (1, 2);
        let mut values = Values::new();
        values.set("a", &a);
        values.set("b", &b);
        assert_eq!(
            insert::<Visit>(&values),
            "insert into public.t (a, b) values ($1, $2) returning a, b"
        );
        assert_eq!(
            insert::<Visit>(&Values::new()),
            "insert into public.t default values returning a, b"
        );
        assert_eq!(
            update::<Visit>(&values),
            "update public.t set a = $1, b = $2 where x = $3 and y = $4 returning a, b"
        );
        assert_eq!(update_params::<Visit>(&values, &(3, "k".into())).len(), 4);
        assert_eq!(find::<Visit>(), "select a, b from public.t where x = $1 and y = $2");
    }

    struct AuditedVisit;

    impl TryFrom<&postgres::Row> for AuditedVisit {
        type Error = DbError;

        fn try_from(_: &postgres::Row) -> Result<AuditedVisit, DbError> {
            Ok(AuditedVisit)
        }
    }

    impl Record for AuditedVisit {
        type Key = uuid::Uuid;
        const SQL_TABLE: &'static str = "public.t";
        const SELECT_LIST: &'static str = "id, a";
        const KEY_COLUMNS: &'static [&'static str] = &["id"];
        const AUDITED_READ: Option<&'static str> = Some("public.read_t(array[$1::uuid], null)");

        fn key_params(key: &Self::Key) -> Vec<Param<'_>> {
            vec![key]
        }
    }

    #[test]
    fn reads_an_audited_table_through_its_read_function_and_writes_return_the_key() {
        let a = 1;
        let mut values = Values::new();
        values.set("a", &a);
        assert_eq!(
            find::<AuditedVisit>(),
            "select id, a from public.read_t(array[$1::uuid], null)"
        );
        assert_eq!(
            insert::<AuditedVisit>(&values),
            "insert into public.t (a) values ($1) returning id"
        );
        assert_eq!(
            update::<AuditedVisit>(&values),
            "update public.t set a = $1 where id = $2 returning id"
        );
    }
}
