//! Dependency order: a table is created after every table its foreign keys point to. Foreign
//! keys inside a cycle cannot be inline; they are added by `alter table` once all tables exist.

use crate::model::{SCHEMA, Schema};
use std::collections::{BTreeSet, HashMap};

/// The order to create tables in, and the foreign keys that must wait until all exist.
#[derive(Debug, PartialEq, Eq)]
pub struct TableOrder {
    /// Indexes into `schema.tables`.
    pub tables: Vec<usize>,
    /// `(table index, foreign key index)` pairs added after every table is created.
    pub deferred: Vec<(usize, usize)>,
}

/// Kahn's algorithm, taking ready tables in declaration order so the output is stable; when
/// only cycles are left, the first remaining table goes next and its open references wait.
pub fn table_order(schema: &Schema) -> TableOrder {
    let index: HashMap<&str, usize> = schema
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let targets: Vec<Vec<Option<usize>>> = schema
        .tables
        .iter()
        .enumerate()
        .map(|(i, table)| {
            table
                .foreign_keys
                .iter()
                .map(|fk| {
                    (fk.target_schema == SCHEMA)
                        .then(|| index.get(fk.target_table.as_str()).copied())
                        .flatten()
                        .filter(|&target| target != i)
                })
                .collect()
        })
        .collect();
    let mut waiting_on: Vec<BTreeSet<usize>> = targets.iter().map(|t| t.iter().flatten().copied().collect()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); schema.tables.len()];
    for (i, deps) in waiting_on.iter().enumerate() {
        for &d in deps {
            dependents[d].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..schema.tables.len()).filter(|&i| waiting_on[i].is_empty()).collect();
    let mut created = vec![false; schema.tables.len()];
    let mut order = TableOrder {
        tables: Vec::new(),
        deferred: Vec::new(),
    };
    while order.tables.len() < schema.tables.len() {
        let next = match ready.pop_first() {
            Some(next) => next,
            None => {
                let stuck = (0..schema.tables.len()).find(|&i| !created[i]).unwrap_or_default();
                for (fk, target) in targets[stuck].iter().enumerate() {
                    if target.is_some_and(|t| !created[t]) {
                        order.deferred.push((stuck, fk));
                    }
                }
                stuck
            }
        };
        created[next] = true;
        order.tables.push(next);
        for &dependent in &dependents[next] {
            if waiting_on[dependent].remove(&next) && waiting_on[dependent].is_empty() && !created[dependent] {
                ready.insert(dependent);
            }
        }
    }
    order
}
