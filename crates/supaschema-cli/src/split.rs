//! The Supabase CLI's statement splitter, ported from the 2.117.0 binary (`legacy-sql-split.ts`,
//! itself a port of Go's `pkg/parser`). `supabase db push` records exactly these statements in
//! `supabase_migrations.schema_migrations.statements`, so our `push` must split the same way,
//! quirks included:
//!
//! - `;` splits only in the ready state;
//! - `'…'` and `"…"` with doubling (`''`, `""`); no `E'\''` escapes;
//! - `$$…$$` and `$tag$…$tag$` bodies (tag: letters, digits, `_`);
//! - `-- …` up to the end of the line, and nested `/* /* */ */` comments;
//! - `(` … `)`: a `;` inside parentheses never splits (nesting is tracked only one level,
//!   as in the CLI: the first `)` back in the ready state closes the group);
//! - `BEGIN ATOMIC` … `END` bodies (any word ending in `end` closes them, as in the CLI);
//! - `\` in the ready state skips the next character;
//! - each piece loses its trailing `;`s, then surrounding whitespace; empty pieces are dropped;
//!   a piece at the end without `;` is kept. Comments stay in the statement text.

/// One state of the splitter. `None` from [`State::next`] means: a statement ends here.
#[derive(Clone, Debug)]
enum State {
    Ready,
    /// Saw one `-`.
    Comment,
    /// Saw `/`; `depth` counts open `/*`.
    Block {
        depth: usize,
    },
    /// Inside `'…'` or `"…"`; `escape` is set right after a delimiter, which either closes the
    /// quote or, doubled, stays inside it.
    Quote {
        delimiter: char,
        escape: bool,
    },
    /// Inside a body that ends with `delimiter` (a dollar tag, or `\n` for a line comment).
    Dollar {
        delimiter: String,
    },
    /// Saw `$` at byte `offset`; reading a tag.
    Tag {
        offset: usize,
    },
    /// Saw `\`: the next character is skipped.
    Escape,
    /// Inside `(`…`)` or `BEGIN ATOMIC`…`END`: `inner` tracks quotes and comments, and the
    /// group ends when `inner` is ready and the text ends with `delimiter`.
    Group {
        inner: Box<State>,
        delimiter: &'static str,
    },
}

impl State {
    fn next(self, c: char, data: &str) -> Option<State> {
        match self {
            State::Ready => ready_next(c, data),
            State::Comment => {
                if c == '-' {
                    Some(State::Dollar { delimiter: "\n".into() })
                } else {
                    ready_next(c, data)
                }
            }
            State::Block { depth } => {
                let window = last_chars(data, 2);
                if window == "/*" {
                    return Some(State::Block { depth: depth + 1 });
                }
                if depth == 0 {
                    return ready_next(c, data);
                }
                if window == "*/" {
                    let depth = depth - 1;
                    if depth == 0 {
                        return Some(State::Ready);
                    }
                    return Some(State::Block { depth });
                }
                Some(State::Block { depth })
            }
            State::Quote { delimiter, escape } => {
                if escape {
                    if c == delimiter {
                        return Some(State::Quote {
                            delimiter,
                            escape: false,
                        });
                    }
                    return ready_next(c, data);
                }
                Some(State::Quote {
                    delimiter,
                    escape: c == delimiter,
                })
            }
            State::Dollar { delimiter } => {
                if data.ends_with(delimiter.as_str()) {
                    Some(State::Ready)
                } else {
                    Some(State::Dollar { delimiter })
                }
            }
            State::Tag { offset } => {
                if c == '$' {
                    return Some(State::Dollar {
                        delimiter: data[offset..].to_owned(),
                    });
                }
                if c.is_alphabetic() || is_decimal_digit(c) || c == '_' {
                    return Some(State::Tag { offset });
                }
                ready_next(c, data)
            }
            State::Escape => Some(State::Ready),
            State::Group { inner, delimiter } => {
                // A `None` from the inner state (a `;` at its level) keeps the inner state.
                let inner = match (*inner).clone().next(c, data) {
                    Some(next) => next,
                    None => *inner,
                };
                if matches!(inner, State::Ready) && ends_with_ignore_ascii_case(data, delimiter) {
                    return Some(State::Ready);
                }
                Some(State::Group {
                    inner: Box::new(inner),
                    delimiter,
                })
            }
        }
    }
}

fn ready_next(c: char, data: &str) -> Option<State> {
    Some(match c {
        '$' => State::Tag {
            offset: data.len() - c.len_utf8(),
        },
        '\'' | '"' => State::Quote {
            delimiter: c,
            escape: false,
        },
        '-' => State::Comment,
        '/' => State::Block { depth: 0 },
        '\\' => State::Escape,
        ';' => return None,
        '(' => State::Group {
            inner: Box::new(State::Ready),
            delimiter: ")",
        },
        'c' | 'C' if is_begin_atomic(data) => State::Group {
            inner: Box::new(State::Ready),
            delimiter: "END",
        },
        _ => State::Ready,
    })
}

/// `…BEGIN <whitespace> ATOMIC` at the end of `data`, neither word glued to an identifier.
fn is_begin_atomic(data: &str) -> bool {
    let Some(before_atomic) = strip_suffix_ignore_ascii_case(data, "ATOMIC") else {
        return false;
    };
    if before_atomic.chars().next_back().is_some_and(is_identifier_char) {
        return false;
    }
    let prefix = before_atomic.trim_end_matches(is_js_whitespace);
    let Some(before_begin) = strip_suffix_ignore_ascii_case(prefix, "BEGIN") else {
        return false;
    };
    !before_begin.chars().next_back().is_some_and(is_identifier_char)
}

/// The CLI's `[\p{L}\p{Nd}_$]`.
fn is_identifier_char(c: char) -> bool {
    c.is_alphabetic() || is_decimal_digit(c) || c == '_' || c == '$'
}

/// An approximation of `\p{Nd}`: ASCII digits plus the other numeric characters that are
/// not letters (exact for every script's decimal digits; also accepts a few `No` symbols,
/// which never appear in a dollar tag).
fn is_decimal_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

/// JavaScript's `\s` and `String.prototype.trim` set: Unicode white space and U+FEFF (a byte
/// order mark), but not U+0085.
fn is_js_whitespace(c: char) -> bool {
    c != '\u{85}' && (c.is_whitespace() || c == '\u{feff}')
}

fn last_chars(data: &str, count: usize) -> &str {
    let start = data.char_indices().rev().nth(count - 1).map_or(0, |(i, _)| i);
    &data[start..]
}

fn strip_suffix_ignore_ascii_case<'a>(data: &'a str, suffix: &str) -> Option<&'a str> {
    let start = data.len().checked_sub(suffix.len())?;
    if !data.is_char_boundary(start) || !data[start..].eq_ignore_ascii_case(suffix) {
        return None;
    }
    Some(&data[..start])
}

fn ends_with_ignore_ascii_case(data: &str, suffix: &str) -> bool {
    strip_suffix_ignore_ascii_case(data, suffix).is_some()
}

/// The pieces of `sql` as the splitter cuts them, untrimmed, each with its `;`.
pub fn split_raw(sql: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut state = State::Ready;
    let mut current = String::new();
    for c in sql.chars() {
        current.push(c);
        match state.next(c, &current) {
            Some(next) => state = next,
            None => {
                pieces.push(std::mem::take(&mut current));
                state = State::Ready;
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// The statements `supabase db push` records for a migration file's text: the pieces without
/// trailing `;` and surrounding whitespace, empty ones dropped.
pub fn split_and_trim(sql: &str) -> Vec<String> {
    split_raw(sql)
        .into_iter()
        .map(|piece| piece.trim_end_matches(';').trim_matches(is_js_whitespace).to_owned())
        .filter(|statement| !statement.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces joined give the input back, and are exactly `pieces` (the CLI's own tests).
    fn check_split(pieces: &[&str]) {
        let input: String = pieces.concat();
        assert_eq!(split_raw(&input), pieces, "splitting {input:?}");
    }

    #[test]
    fn line_comments() {
        check_split(&["END;", "-- comment"]);
        check_split(&["SELECT --; 1"]);
        check_split(&["- ;", "END"]);
        check_split(&["-- /* \n;", " */ END"]);
    }

    #[test]
    fn block_comments_nest() {
        check_split(&["SELECT /* ; */ 1;"]);
        check_split(&["SELECT /*; /*;*/ ;*/ 1"]);
        check_split(&["/ * ;", " */ END"]);
    }

    #[test]
    fn separators_and_backslash() {
        check_split(&[";", "END;", ";"]);
        check_split(&["BEGIN   ;", "  END"]);
        check_split(&["\\;;", "\\;"]);
    }

    #[test]
    fn dollar_quotes() {
        check_split(&["$tag$ any ; string$tag$"]);
        check_split(&["$$\"Dane's horse\"$$"]);
        check_split(&["SELECT \"$\";", " $$"]);
    }

    #[test]
    fn single_quotes_double_to_escape() {
        check_split(&["SELECT ';' 1"]);
        check_split(&["SELECT ';'';' 1"]);
        check_split(&["SELECT '\\';", " 1'"]);
    }

    #[test]
    fn double_quotes() {
        check_split(&[r#"CREATE POLICY "cats;dogs" on cats_dogs;"#, " END"]);
        check_split(&[r#"CREATE POLICY "cat's and dog's" on cats_dogs;"#, " END"]);
        check_split(&[r#"CREATE POLICY "pet""name" on pets;"#, " END"]);
    }

    #[test]
    fn parentheses_never_split() {
        check_split(&[
            r#"CREATE RULE notify_me AS ON UPDATE TO mytable DO (NOTIFY mytable; SELECT "1");"#,
            "SELECT 1",
        ]);
        check_split(&["CREATE RULE notify_me AS ON UPDATE TO mytable DO (-- )\nSELECT ')';\n-- )\n)\n"]);
    }

    #[test]
    fn begin_atomic_bodies() {
        check_split(&[
            "CREATE FUNCTION add(a integer, b integer) RETURNS integer\nLANGUAGE SQL\nIMMUTABLE STRICT PARALLEL SAFE\nRETURNS NULL ON NULL INPUT\nBEGIN ATOMIC\n\tSELECT 'add';\n\tSELECT a + b;\nEND;",
        ]);
        check_split(&["begin atomic; select 'end'; end"]);
        check_split(&["CREATE FUNCTION test() BEGIN\nATOMIC-- END;\n-- END;\nEND\n;"]);
        check_split(&["create table public.atomic_test (id int);", "\nselect 1;"]);
        check_split(&["select is_atomic from flags;", "\nselect 1;"]);
        check_split(&["select col1atomic from t;", "\nselect 1;"]);
        check_split(&[
            "CREATE OR REPLACE FUNCTION public.my_function_atomic(p_id uuid)\nRETURNS void\nLANGUAGE plpgsql\nAS $$\nBEGIN\n  RAISE NOTICE 'hello';\nEND;\n$$;",
            "\nGRANT EXECUTE ON FUNCTION public.my_function_atomic(uuid) TO authenticated;",
        ]);
    }

    #[test]
    fn trims_semicolons_and_whitespace_and_drops_empty_statements() {
        assert_eq!(
            split_and_trim("  select 1 ;;\n\n ; \n select 2\n"),
            ["select 1", "select 2"]
        );
        assert_eq!(split_and_trim(""), Vec::<String>::new());
        assert_eq!(split_and_trim("\u{feff}select 1;"), ["select 1"]);
        // A file of only comments is one statement (the CLI records it and runs it as an empty query).
        assert_eq!(split_and_trim("-- only a comment\n"), ["-- only a comment"]);
    }

    /// The facts file's experiment: one file, six statements, split as the CLI split it.
    #[test]
    fn the_empirical_file_from_the_facts() {
        let sql = "-- a comment; with a semicolon\n\
            create table t1 (a text default 'a;b', \"we;ird\" int);\n\
            /* block /* nested; */ still; */\n\
            create function f1() returns text language plpgsql as $$\n\
            declare x text := 'semi;'; -- ; in a comment\n\
            begin x := x || 'colon;'; return x; end;\n\
            $$;\n\
            create function f2() returns int language sql as $body$ select 1; $body$;\n\
            create function f3() returns int language sql\n\
            begin atomic\n  select 1;\n  select 2;\nend;\n\
            insert into t1 (a) values ('it''s; fine'), (E'tab\\there; ok');\n\
            create table t2 (b int);\n";
        let statements = split_and_trim(sql);
        assert_eq!(statements.len(), 6, "{statements:#?}");
        assert!(statements[0].starts_with("-- a comment; with a semicolon\ncreate table t1"));
        assert!(statements[1].starts_with("/* block /* nested; */ still; */\ncreate function f1()"));
        assert!(statements[1].ends_with("$$"));
        assert!(statements[3].ends_with("end"));
        assert_eq!(
            statements[4],
            "insert into t1 (a) values ('it''s; fine'), (E'tab\\there; ok')"
        );
        assert_eq!(statements[5], "create table t2 (b int)");
    }

    /// The CLI's known limitation, kept so the recorded statements stay identical.
    #[test]
    fn backslash_escaped_quotes_mis_split_like_the_cli() {
        assert_eq!(
            split_and_trim("select E'it\\'s; tricky' as x; select 2;"),
            ["select E'it\\'s", "tricky' as x; select 2"]
        );
    }

    #[test]
    fn nested_parentheses_close_early_like_the_cli() {
        assert_eq!(split_and_trim("select ((1); 2)"), ["select ((1)", "2)"]);
    }

    #[test]
    fn multibyte_text_is_kept_intact() {
        assert_eq!(
            split_and_trim("select 'ä;ö'; select $ü$ ; $ü$;"),
            ["select 'ä;ö'", "select $ü$ ; $ü$"]
        );
    }
}
