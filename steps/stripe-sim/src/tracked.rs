//! Collections that remember what changed since they were last saved, so a
//! persistent simulator writes only the objects an operation touched. Reads
//! go through `Deref`; every way to change a value marks it, and there is no
//! `DerefMut`, so a change cannot bypass the tracking.

use std::collections::{HashMap, HashSet};
use std::ops::Deref;

/// Objects by id, with the ids changed (inserted, modified or removed) since
/// the last [`Table::take_changed`].
#[derive(Debug)]
pub struct Table<V> {
    rows: HashMap<String, V>,
    changed: HashSet<String>,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Self {
            rows: HashMap::new(),
            changed: HashSet::new(),
        }
    }
}

impl<V> Table<V> {
    /// A table holding `rows`, nothing changed.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub fn loaded(rows: HashMap<String, V>) -> Self {
        Self {
            rows,
            changed: HashSet::new(),
        }
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut V> {
        let row = self.rows.get_mut(id)?;
        self.changed.insert(id.to_owned());
        Some(row)
    }

    pub fn insert(&mut self, id: String, value: V) -> Option<V> {
        self.changed.insert(id.clone());
        self.rows.insert(id, value)
    }

    pub fn remove(&mut self, id: &str) -> Option<V> {
        let removed = self.rows.remove(id)?;
        self.changed.insert(id.to_owned());
        Some(removed)
    }

    /// The ids changed since the last call, each with its value now (`None`
    /// once removed).
    pub fn take_changed(&mut self) -> Vec<(String, Option<&V>)> {
        let changed = std::mem::take(&mut self.changed);
        changed
            .into_iter()
            .map(|id| {
                let value = self.rows.get(&id);
                (id, value)
            })
            .collect()
    }

    /// Forgets what changed (nothing is saved).
    pub fn clear_changed(&mut self) {
        self.changed.clear();
    }
}

impl<V> Deref for Table<V> {
    type Target = HashMap<String, V>;

    fn deref(&self) -> &Self::Target {
        &self.rows
    }
}

/// A value saved whole, with a flag set by every change.
#[derive(Debug, Default)]
pub struct Tracked<T> {
    value: T,
    changed: bool,
}

impl<T> Tracked<T> {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub fn loaded(value: T) -> Self {
        Self {
            value,
            changed: false,
        }
    }

    /// The value, to change: marks it changed.
    pub fn edit(&mut self) -> &mut T {
        self.changed = true;
        &mut self.value
    }

    /// The value if it changed since the last call.
    pub fn take_changed(&mut self) -> Option<&T> {
        std::mem::take(&mut self.changed).then_some(&self.value)
    }
}

impl<T> Deref for Tracked<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `take_changed` reports, sorted by id.
    fn changed(table: &mut Table<i32>) -> Vec<(String, Option<i32>)> {
        let mut changed: Vec<_> = table
            .take_changed()
            .into_iter()
            .map(|(id, v)| (id, v.copied()))
            .collect();
        changed.sort();
        changed
    }

    #[test]
    fn every_change_is_reported_once() {
        let mut table = Table::default();
        table.insert("a".to_owned(), 1);
        table.insert("b".to_owned(), 2);
        assert_eq!(
            changed(&mut table),
            [("a".to_owned(), Some(1)), ("b".to_owned(), Some(2))]
        );
        assert!(table.take_changed().is_empty());

        // Reading marks nothing; a write through get_mut and a removal do.
        assert_eq!(table.get("a"), Some(&1));
        assert!(table.take_changed().is_empty());
        *table.get_mut("a").unwrap() = 10;
        table.remove("b");
        assert!(table.get_mut("missing").is_none());
        assert_eq!(
            changed(&mut table),
            [("a".to_owned(), Some(10)), ("b".to_owned(), None)]
        );
    }

    #[test]
    fn a_tracked_value_reports_edits() {
        let mut value = Tracked::loaded(vec![1]);
        assert!(value.take_changed().is_none());
        assert_eq!(value.len(), 1);
        assert!(value.take_changed().is_none());
        value.edit().push(2);
        assert_eq!(value.take_changed(), Some(&vec![1, 2]));
        assert!(value.take_changed().is_none());
    }
}
