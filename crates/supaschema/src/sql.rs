//! The small SQL builders behind the generated `insert`, `update` and `find`.

/// `insert into <table> (<columns>) values ($1, …) returning <select list>`; with no columns,
/// `default values`.
pub fn insert_sql(table: &str, columns: &[&str], select_list: &str) -> String {
    if columns.is_empty() {
        return format!("insert into {table} default values returning {select_list}");
    }
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "insert into {table} ({}) values ({}) returning {select_list}",
        columns.join(", "),
        placeholders.join(", ")
    )
}

/// `update <table> set a = $1, … where <key> = $n … returning <select list>`: the key values
/// follow the set values in the parameters.
pub fn update_sql(table: &str, columns: &[&str], keys: &[&str], select_list: &str) -> String {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    let filter: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} = ${}", columns.len() + i + 1))
        .collect();
    format!(
        "update {table} set {} where {} returning {select_list}",
        sets.join(", "),
        filter.join(" and ")
    )
}

/// `select <select list> from <table> where <key> = $1 …`.
pub fn select_by_key_sql(table: &str, select_list: &str, keys: &[&str]) -> String {
    let filter: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} = ${}", i + 1))
        .collect();
    format!("select {select_list} from {table} where {}", filter.join(" and "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_parameterised_statements() {
        assert_eq!(
            insert_sql("public.t", &["a", "b"], "a, b"),
            "insert into public.t (a, b) values ($1, $2) returning a, b"
        );
        assert_eq!(
            insert_sql("public.t", &[], "a"),
            "insert into public.t default values returning a"
        );
        assert_eq!(
            update_sql("public.t", &["a"], &["id"], "id, a"),
            "update public.t set a = $1 where id = $2 returning id, a"
        );
        assert_eq!(
            select_by_key_sql("public.t", "id", &["x", "y"]),
            "select id from public.t where x = $1 and y = $2"
        );
    }
}
