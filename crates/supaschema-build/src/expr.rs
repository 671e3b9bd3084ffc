//! SQL expressions in `schema.toml` (defaults, checks, policies, predicates, function bodies)
//! are code, like a migration: the generator does not parse their meaning. It does make sure
//! each one stays a single expression inside the statement it is placed in, so a stray `;`,
//! comment marker or open quote cannot swallow or add statements.

/// Why an expression cannot be placed into a statement; `None` means it can.
pub fn expression_problem(expr: &str) -> Option<&'static str> {
    if expr.trim().is_empty() {
        return Some("is empty");
    }
    if expr.contains('\0') {
        return Some("contains a NUL character");
    }
    let bytes = expr.as_bytes();
    let mut depth: i32 = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                if opens_escape_string(bytes, i) {
                    return Some("uses an E'…' string, which the Supabase CLI splits wrongly");
                }
                i = match closing(bytes, i, b'\'') {
                    Some(end) => end,
                    None => return Some("has an unterminated string"),
                };
            }
            b'"' => {
                i = match closing(bytes, i, b'"') {
                    Some(end) => end,
                    None => return Some("has an unterminated quoted identifier"),
                };
            }
            b'$' if after_name(bytes, i) => {}
            b'$' if bytes
                .get(i + 1)
                .is_some_and(|b| *b == b'$' || b.is_ascii_alphabetic() || *b == b'_') =>
            {
                return Some("contains dollar quoting");
            }
            b';' => return Some("contains `;`, which would end the statement"),
            b'-' if bytes.get(i + 1) == Some(&b'-') => return Some("contains a `--` comment"),
            b'/' if bytes.get(i + 1) == Some(&b'*') => return Some("contains a `/*` comment"),
            b'\\' => return Some("contains a backslash"),
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return Some("closes a parenthesis it never opened");
                }
            }
            _ => {}
        }
        i += 1;
    }
    (depth != 0).then_some("has unbalanced parentheses")
}

/// Index of the quote that closes the one at `open`, treating a doubled quote as part of the text.
fn closing(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether the bytes just before `at` end a name, so PostgreSQL reads a `$` at `at` as part of it
/// (`price$1`) and an `e` there as a letter of it, not as the `E` of `E'…'`. A name starts with a
/// letter or underscore: after a number, `1$$…$$` is a dollar-quoted string and `1e'…'` (before
/// PostgreSQL 15) an escape string.
fn after_name(bytes: &[u8], at: usize) -> bool {
    let start = bytes[..at]
        .iter()
        .rposition(|b| !is_identifier_byte(*b))
        .map_or(0, |p| p + 1);
    start < at && !bytes[start].is_ascii_digit()
}

/// Whether `expr` calls the function `name` (as `name(`, `public.name(` or `"name"(`).
pub fn calls(expr: &str, name: &str) -> bool {
    let bytes = expr.as_bytes();
    let mut from = 0;
    while let Some(found) = expr[from..].find(name) {
        let start = from + found;
        let end = start + name.len();
        from = end;
        let quoted = start > 0 && bytes[start - 1] == b'"' && bytes.get(end) == Some(&b'"');
        let (before, after) = if quoted { (start - 1, end + 1) } else { (start, end) };
        let name_starts = before == 0 || !is_identifier_byte(bytes[before - 1]);
        let rest = expr[after..].trim_start();
        if name_starts && (quoted || !bytes.get(end).copied().is_some_and(is_identifier_byte)) && rest.starts_with('(')
        {
            return true;
        }
    }
    false
}

/// The delimiter around function bodies. A body containing it could end itself early.
pub const BODY_DELIMITER: &str = "$function$";

/// Why a function body cannot be placed between [`BODY_DELIMITER`]s; `None` means it can.
pub fn body_problem(body: &str) -> Option<&'static str> {
    if body.trim().is_empty() {
        Some("is empty")
    } else if body.contains(BODY_DELIMITER) {
        Some("contains `$function$`, the delimiter around function bodies")
    } else if body.contains('\0') {
        Some("contains a NUL character")
    } else if has_escape_string(body) {
        Some("uses an E'…' string, which the Supabase CLI splits wrongly")
    } else {
        None
    }
}

fn has_escape_string(text: &str) -> bool {
    let bytes = text.as_bytes();
    (0..bytes.len()).any(|i| bytes[i] == b'\'' && opens_escape_string(bytes, i))
}

/// Whether the quote at `quote` opens an `E'…'` string: an `e` right before it that is not the
/// last letter of a name.
fn opens_escape_string(bytes: &[u8], quote: usize) -> bool {
    quote > 0 && matches!(bytes[quote - 1], b'e' | b'E') && !after_name(bytes, quote - 1)
}

/// Calls that read the request's JWT. In a policy each must be wrapped in `(select …)` so it
/// runs once per statement (an InitPlan) instead of once per row.
const AUTH_CALLS: &[&str] = &["auth.uid()", "auth.jwt()", "auth.role()", "auth.email()"];

/// The first auth call in a policy expression that is not directly inside `(select …)`; a
/// `current_setting(…)` (what the auth calls read) counts as one.
pub fn unwrapped_auth_call(expr: &str) -> Option<&'static str> {
    let lowered = auth_call_spelling(expr).to_ascii_lowercase();
    let calls = AUTH_CALLS.iter().map(|call| (*call, *call));
    for (call, named) in calls.chain([("current_setting(", "current_setting()")]) {
        let mut from = 0;
        while let Some(found) = lowered[from..].find(call) {
            let at = from + found;
            let before = lowered[..at].trim_end();
            let wrapped = before
                .strip_suffix("select")
                .is_some_and(|rest| rest.trim_end().ends_with('('));
            if !wrapped {
                return Some(named);
            }
            from = at + call.len();
        }
    }
    None
}

/// Whether a policy expression reads `table` itself (`from table`, `join public.table`):
/// PostgreSQL then applies the table's policies inside its own policy, and every query on the
/// table fails with "infinite recursion detected in policy". Words inside string literals do
/// not count.
pub fn reads_table(expr: &str, table: &str) -> bool {
    let qualified = format!("{}.{table}", crate::model::SCHEMA);
    words(expr)
        .windows(2)
        .any(|pair| matches!(pair[0].as_str(), "from" | "join") && (pair[1] == table || pair[1] == qualified))
}

/// Whether `expr` names the column `column`, alone or qualified (`t.column`). Words inside
/// string literals do not count.
pub fn mentions(expr: &str, column: &str) -> bool {
    let column = column.to_ascii_lowercase();
    let qualified = format!(".{column}");
    words(expr)
        .iter()
        .any(|word| *word == column || word.ends_with(&qualified))
}

/// The names and keywords of an expression, lowercased, each with its `.`-qualifiers, in the
/// spelling PostgreSQL prints back; string literals are left out.
fn words(expr: &str) -> Vec<String> {
    let spelled = auth_call_spelling(expr).to_ascii_lowercase();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_string = false;
    for c in spelled.chars() {
        if in_string {
            in_string = c != '\'';
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            word.push(c);
            continue;
        }
        in_string = c == '\'';
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A policy expression spelled the way PostgreSQL prints it back, as far as the search for
/// auth calls is concerned: outside string literals, identifier quotes are dropped and blanks
/// around `.` and before `(` removed, so `"auth".uid()` and `auth . uid ()` are found like
/// `auth.uid()` (Supabase's `auth_rls_initplan` lint reads the server's spelling).
fn auth_call_spelling(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut chars = expr.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            in_string = c != '\'';
            continue;
        }
        match c {
            '\'' => {
                in_string = true;
                out.push(c);
            }
            '"' => {}
            c if c.is_whitespace() => {
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                let next_joins = chars.peek().is_some_and(|n| matches!(n, '.' | '('));
                if !out.ends_with('.') && !next_joins {
                    out.push(' ');
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_policy_that_reads_its_own_table() {
        for reads in [
            "exists (select 1 from members m where m.org_id = org_id)",
            "org_id in (SELECT org_id FROM public.members)",
            "exists (select 1 from orgs join \"members\" on true)",
            "exists (select 1 from public . members)",
        ] {
            assert!(reads_table(reads, "members"), "{reads}");
        }
        for other in [
            "exists (select 1 from members_archive)",
            "note <> 'from members'",
            "(select auth.uid()) = user_id",
            "exists (select 1 from other.members)",
        ] {
            assert!(!reads_table(other, "members"), "{other}");
        }
    }

    #[test]
    fn finds_the_columns_an_expression_names() {
        for (expr, column) in [
            ("state in ('a', 'b')", "state"),
            ("\"state\" <> 'x'", "state"),
            ("patients.visits > 0", "visits"),
            ("length(full_name) > 1", "full_name"),
        ] {
            assert!(mentions(expr, column), "{expr} names {column}");
        }
        for (expr, column) in [("state in ('visits')", "visits"), ("visits_total > 0", "visits")] {
            assert!(!mentions(expr, column), "{expr} does not name {column}");
        }
    }

    #[test]
    fn finds_calls_of_a_function_by_name() {
        assert!(calls("public.is_phone(phone)", "is_phone"));
        assert!(calls("is_phone (phone) and true", "is_phone"));
        assert!(calls("public.\"is_phone\"(phone)", "is_phone"));
        assert!(!calls("not_is_phone(phone)", "is_phone"));
        assert!(!calls("is_phone_ok(phone)", "is_phone"));
        assert!(!calls("is_phone", "is_phone"));
    }

    #[test]
    fn accepts_ordinary_expressions() {
        for ok in [
            "now()",
            "gen_random_uuid()",
            "'it''s; fine'",
            "ends_at > starts_at",
            "status in ('pending', 'confirmed')",
            "\"we;ird\" is not null",
            "tstzrange(starts_at, ends_at, '[)')",
            "price$1",
        ] {
            assert_eq!(expression_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn rejects_what_could_escape_the_statement() {
        for bad in [
            "now(); drop table patients",
            "now() -- the rest is gone",
            "now() /* */",
            "E'it\\'s'",
            "'open",
            "(now()",
            "now())",
            "$$x$$",
            "\"open",
            "",
        ] {
            assert!(expression_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn finds_auth_calls_that_run_per_row() {
        assert_eq!(unwrapped_auth_call("auth.uid() = doctor_id"), Some("auth.uid()"));
        assert_eq!(unwrapped_auth_call("(select auth.uid()) = doctor_id"), None);
        assert_eq!(
            unwrapped_auth_call("( SELECT  auth.uid() ) = a and auth.jwt() ->> 'x' = b"),
            Some("auth.jwt()")
        );
        assert_eq!(unwrapped_auth_call("doctor_id = (select auth.uid())"), None);
    }

    /// Each read of a setting must be wrapped, in any spelling: the server prints
    /// `( SELECT current_setting(…) AS current_setting)`, which `supaschema pull` reads back.
    #[test]
    fn finds_settings_read_per_row() {
        let printed = "(doctor_id = (NULLIF(( SELECT current_setting('app.id'::text, true) AS current_setting), ''::text))::uuid)";
        assert_eq!(unwrapped_auth_call(printed), None);
        assert_eq!(
            unwrapped_auth_call("doctor_id = nullif((select current_setting('app.id', true)), '')::uuid"),
            None
        );
        assert_eq!(
            unwrapped_auth_call("(select current_setting('app.a')) = a and current_setting('app.b') = b"),
            Some("current_setting()")
        );
        assert_eq!(
            unwrapped_auth_call("(select nullif(current_setting('app.id', true), '')::uuid) = id"),
            Some("current_setting()")
        );
    }
}
