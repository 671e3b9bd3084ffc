//! Incremental = fresh, as a property: a random walk of schema edits (tables, columns,
//! renames, types, defaults, indexes, checks, references, policies, triggers, comments) is
//! applied step by step as generated migrations to one database; at checkpoints and at the end
//! its catalog equals that of a fresh database built from the current schema.toml alone; there
//! the newest migration is rolled back with its reverse (the catalog equals a fresh build of the
//! schema before it) and applied again.
//!
//! `SUPASCHEMA_EVOLUTION_STEPS` sets the number of steps (default 200) and
//! `SUPASCHEMA_EVOLUTION_SEED` the seed (default fixed; `random` picks one). The seed is printed,
//! and named in every failure.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use supaschema_testkit::{Grants, TempProject, TestDb, assert_same_as_fresh, run_migration};

#[derive(Clone, Debug)]
struct Column {
    name: String,
    renamed_from: Option<String>,
    ty: &'static str,
    nullable: bool,
    default: Option<&'static str>,
    checked: bool,
    comment: Option<String>,
}

#[derive(Clone, Debug)]
struct Table {
    name: String,
    renamed_from: Option<String>,
    columns: Vec<Column>,
    indexed: Vec<String>,
    /// A nullable `parent_id` referencing this table.
    parent: Option<String>,
    owner: bool,
    updated_at: bool,
    comment: Option<String>,
}

#[derive(Default, Debug)]
struct Walk {
    tables: Vec<Table>,
    next_name: usize,
    allow_drop: Vec<String>,
}

impl Walk {
    fn fresh_name(&mut self, prefix: &str) -> String {
        self.next_name += 1;
        format!("{prefix}{}", self.next_name)
    }

    fn new_column(&mut self, rng: &mut StdRng) -> Column {
        let ty = ["text", "integer", "smallint"][rng.random_range(0..3)];
        let default = match (ty, rng.random_bool(0.5)) {
            ("text", true) => Some("'x'"),
            (_, true) => Some("0"),
            _ => None,
        };
        Column {
            name: self.fresh_name("c"),
            renamed_from: None,
            ty,
            nullable: default.is_none() || rng.random_bool(0.3),
            default,
            checked: false,
            comment: None,
        }
    }

    fn add_table(&mut self, rng: &mut StdRng) {
        let name = self.fresh_name("t");
        let columns = (0..rng.random_range(1..3)).map(|_| self.new_column(rng)).collect();
        self.tables.push(Table {
            name,
            renamed_from: None,
            columns,
            indexed: Vec::new(),
            parent: None,
            owner: rng.random_bool(0.5),
            updated_at: false,
            comment: None,
        });
    }

    /// Forgets the one-step settings (renames, drop permissions) of the previous step.
    fn settle(&mut self) {
        self.allow_drop.clear();
        for table in &mut self.tables {
            table.renamed_from = None;
            for column in &mut table.columns {
                column.renamed_from = None;
            }
        }
    }

    /// One random edit; returns what it did.
    fn edit(&mut self, rng: &mut StdRng) -> String {
        self.settle();
        loop {
            let t = rng.random_range(0..self.tables.len());
            let referenced = |walk: &Walk, name: &str| walk.tables.iter().any(|x| x.parent.as_deref() == Some(name));
            match rng.random_range(0..15) {
                0 => {
                    self.add_table(rng);
                    return "add table".into();
                }
                1 if self.tables.len() > 1 && !referenced(self, &self.tables[t].name) => {
                    let gone = self.tables.remove(t);
                    self.allow_drop.push(gone.name.clone());
                    return format!("drop table {}", gone.name);
                }
                2 => {
                    let name = self.fresh_name("t");
                    let old = std::mem::replace(&mut self.tables[t].name, name.clone());
                    self.tables[t].renamed_from = Some(old.clone());
                    for table in &mut self.tables {
                        if table.parent.as_deref() == Some(old.as_str()) {
                            table.parent = Some(name.clone());
                        }
                    }
                    return format!("rename table {old} to {name}");
                }
                3 => {
                    let column = self.new_column(rng);
                    let done = format!("add column {}.{}", self.tables[t].name, column.name);
                    self.tables[t].columns.push(column);
                    return done;
                }
                4 if !self.tables[t].columns.is_empty() => {
                    let c = rng.random_range(0..self.tables[t].columns.len());
                    let table = &mut self.tables[t];
                    let gone = table.columns.remove(c);
                    table.indexed.retain(|i| *i != gone.name);
                    let path = format!("{}.{}", table.name, gone.name);
                    self.allow_drop.push(path.clone());
                    return format!("drop column {path}");
                }
                5 if !self.tables[t].columns.is_empty() => {
                    let c = rng.random_range(0..self.tables[t].columns.len());
                    let name = self.fresh_name("c");
                    let table = &mut self.tables[t];
                    let old = std::mem::replace(&mut table.columns[c].name, name.clone());
                    table.columns[c].renamed_from = Some(old.clone());
                    for indexed in &mut table.indexed {
                        if *indexed == old {
                            indexed.clone_from(&name);
                        }
                    }
                    return format!("rename column {}.{old} to {name}", table.name);
                }
                6 => {
                    let table = &mut self.tables[t];
                    if let Some(column) = table
                        .columns
                        .iter_mut()
                        .find(|c| c.ty == "smallint" || c.ty == "integer")
                    {
                        column.ty = if column.ty == "smallint" { "integer" } else { "bigint" };
                        return format!("widen {}.{} to {}", table.name, column.name, column.ty);
                    }
                }
                7 if !self.tables[t].columns.is_empty() => {
                    let c = rng.random_range(0..self.tables[t].columns.len());
                    let column = &mut self.tables[t].columns[c];
                    if column.default.is_some() {
                        column.nullable = !column.nullable;
                        return format!("nullable {} = {}", column.name, column.nullable);
                    }
                }
                8 if !self.tables[t].columns.is_empty() => {
                    let c = rng.random_range(0..self.tables[t].columns.len());
                    let column = &mut self.tables[t].columns[c];
                    column.default = match (column.ty, column.default) {
                        ("text", Some("'x'")) => Some("'y'"),
                        ("text", _) => Some("'x'"),
                        (_, Some("0")) => Some("1"),
                        _ => Some("0"),
                    };
                    return format!("default of {}", column.name);
                }
                9 if !self.tables[t].columns.is_empty() => {
                    let c = rng.random_range(0..self.tables[t].columns.len());
                    let table = &mut self.tables[t];
                    let name = table.columns[c].name.clone();
                    if let Some(at) = table.indexed.iter().position(|i| *i == name) {
                        table.indexed.remove(at);
                        return format!("drop index on {name}");
                    }
                    table.indexed.push(name.clone());
                    return format!("index {name}");
                }
                10 if !self.tables[t].columns.is_empty() => {
                    let c = rng.random_range(0..self.tables[t].columns.len());
                    let column = &mut self.tables[t].columns[c];
                    column.checked = !column.checked;
                    return format!("check on {} = {}", column.name, column.checked);
                }
                11 => {
                    let table = &mut self.tables[t];
                    table.owner = !table.owner;
                    return format!("owner policies on {} = {}", table.name, table.owner);
                }
                12 => {
                    let table = &mut self.tables[t];
                    table.updated_at = !table.updated_at;
                    return format!("updated_at trigger on {} = {}", table.name, table.updated_at);
                }
                13 => {
                    let target = self.tables[rng.random_range(0..self.tables.len())].name.clone();
                    let table = &mut self.tables[t];
                    table.parent = if table.parent.is_some() { None } else { Some(target) };
                    if table.parent.is_none() {
                        self.allow_drop.push(format!("{}.parent_id", table.name));
                    }
                    return format!("reference from {} = {:?}", table.name, table.parent);
                }
                14 => {
                    let n = self.fresh_name("note ");
                    let table = &mut self.tables[t];
                    match table.columns.first_mut() {
                        Some(column) if rng.random_bool(0.5) => column.comment = Some(n),
                        _ => table.comment = Some(n),
                    }
                    return format!("comment on {}", table.name);
                }
                _ => {}
            }
        }
    }

    fn toml(&self) -> String {
        let mut out = String::from("[external.\"auth.users\"]\ncolumns = { id = \"uuid\" }\nprimary_key = [\"id\"]\n");
        for table in &self.tables {
            out.push_str(&format!("\n[tables.{}]\n", table.name));
            if let Some(from) = &table.renamed_from {
                out.push_str(&format!("renamed_from = \"{from}\"\n"));
            }
            if let Some(comment) = &table.comment {
                out.push_str(&format!("comment = \"{comment}\"\n"));
            }
            if table.owner {
                out.push_str("owner = { column = \"owner_id\" }\n");
            }
            if table.updated_at {
                out.push_str("updated_at = true\n");
            }
            let mut indexes = vec!["{ columns = [\"owner_id\"] }".to_owned()];
            if table.parent.is_some() {
                indexes.push("{ columns = [\"parent_id\"] }".to_owned());
            }
            indexes.extend(table.indexed.iter().map(|c| format!("{{ columns = [\"{c}\"] }}")));
            out.push_str(&format!("indexes = [{}]\n", indexes.join(", ")));
            out.push_str(&format!("\n[tables.{}.columns]\n", table.name));
            out.push_str("id = { type = \"uuid\", primary_key = true, default = \"gen_random_uuid()\", class = \"administrative\" }\n");
            out.push_str("owner_id = { type = \"uuid\", references = { table = \"auth.users\", column = \"id\" }, class = \"administrative\" }\n");
            out.push_str("updated_at = { type = \"timestamptz\", default = \"now()\", class = \"administrative\" }\n");
            if let Some(parent) = &table.parent {
                out.push_str(&format!(
                    "parent_id = {{ type = \"uuid\", nullable = true, references = {{ table = \"{parent}\", column = \"id\", on_delete = \"set_null\" }}, class = \"administrative\" }}\n"
                ));
            }
            for c in &table.columns {
                let mut fields = vec![format!("type = \"{}\"", c.ty), "class = \"administrative\"".to_owned()];
                if let Some(from) = &c.renamed_from {
                    fields.push(format!("renamed_from = \"{from}\""));
                }
                if c.nullable {
                    fields.push("nullable = true".to_owned());
                }
                if let Some(default) = c.default {
                    fields.push(format!("default = \"{default}\""));
                }
                if c.checked {
                    let check = if c.ty == "text" {
                        format!("char_length({}) < 100", c.name)
                    } else {
                        format!("{} >= 0", c.name)
                    };
                    fields.push(format!("check = \"{check}\""));
                }
                if let Some(comment) = &c.comment {
                    fields.push(format!("comment = \"{comment}\""));
                }
                out.push_str(&format!("{} = {{ {} }}\n", c.name, fields.join(", ")));
            }
        }
        if !self.allow_drop.is_empty() {
            let entries: Vec<String> = self.allow_drop.iter().map(|d| format!("\"{d}\"")).collect();
            out.push_str(&format!("\n[migration]\nallow_drop = [{}]\n", entries.join(", ")));
        }
        out
    }
}

#[test]
fn incremental_migrations_equal_a_fresh_build() {
    let steps: usize = std::env::var("SUPASCHEMA_EVOLUTION_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let seed: u64 = match std::env::var("SUPASCHEMA_EVOLUTION_SEED").as_deref() {
        Ok("random") => rand::random(),
        Ok(text) => text.parse().expect("SUPASCHEMA_EVOLUTION_SEED is a number or `random`"),
        Err(_) => 20_261_125,
    };
    println!("incremental = fresh: {steps} steps, seed {seed} (SUPASCHEMA_EVOLUTION_SEED={seed} repeats it)");
    let started = std::time::Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut walk = Walk::default();
    walk.add_table(&mut rng);
    walk.add_table(&mut rng);
    let mut project = TempProject::new(&walk.toml());
    let mut db = TestDb::new(Grants::Explicit);
    let mut applied = 0;
    let mut apply_new = |project: &TempProject, db: &mut TestDb, context: &str| {
        let migrations = project.migrations();
        for (file, sql) in &migrations[applied..] {
            let mut statements: Vec<&str> = sql
                .split(";\n")
                .map(str::trim)
                .filter(|s| s.starts_with("alter") || s.starts_with("drop"))
                // What a block builds on a temporary copy to compare with the table.
                .filter(|s| !s.contains("pg_temp.supaschema_probe"))
                .collect();
            let count = statements.len();
            statements.sort_unstable();
            statements.dedup();
            assert_eq!(statements.len(), count, "{context}: {file} repeats a statement\n{sql}");
            run_migration(&mut db.client, sql).unwrap_or_else(|e| panic!("{context}: {file} failed: {e:?}\n{sql}"));
        }
        applied = migrations.len();
    };
    apply_new(&project, &mut db, "initial");
    let mut migrations_written = 0;
    let mut rolled_back = 0;
    // The schema before the newest migration, and the number of files before it.
    let mut before_newest = (walk.toml(), project.migrations().len());
    for step in 1..=steps {
        let done = walk.edit(&mut rng);
        let context = format!("seed {seed}, step {step} ({done})");
        let previous = std::fs::read_to_string(project.path().join("schema.toml")).expect("schema.toml");
        let schema = walk.toml();
        let files_before = project.migrations().len();
        let written = project
            .build(&schema)
            .unwrap_or_else(|e| panic!("{context}: {e}\nschema:\n{schema}"));
        if written.iter().any(|w| w.ends_with(".sql")) {
            migrations_written += 1;
            before_newest = (previous, files_before);
        }
        apply_new(&project, &mut db, &context);
        if step % 50 == 0 || step == steps {
            assert_same_as_fresh(&project, &mut db, &schema, &context);
            let (before, first) = &before_newest;
            let newest = &project.migrations()[*first..];
            match project.reverse(&newest[0].0) {
                Ok(reverse) => {
                    run_migration(&mut db.client, &reverse.sql).unwrap_or_else(|e| {
                        panic!(
                            "{context}: the reverse of {} failed: {e:?}\n{}",
                            newest[0].0, reverse.sql
                        )
                    });
                    assert_same_as_fresh(&project, &mut db, before, &format!("{context}, rolled back"));
                    for (file, sql) in newest {
                        run_migration(&mut db.client, sql)
                            .unwrap_or_else(|e| panic!("{context}: {file} after the rollback failed: {e:?}"));
                    }
                    assert_same_as_fresh(&project, &mut db, &schema, &format!("{context}, applied again"));
                    rolled_back += 1;
                }
                Err(why) => assert!(
                    why.contains("NOT NULL without a default"),
                    "{context}: no reverse: {why}"
                ),
            }
        }
    }
    println!(
        "incremental = fresh: {steps} steps, {migrations_written} migrations, {rolled_back} rolled back and applied \
         again, {} tables at the end, {:.1} s",
        walk.tables.len(),
        started.elapsed().as_secs_f64()
    );
}
