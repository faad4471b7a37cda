//! A small least-recently-used cache with a byte budget (decoded tiles, kept apart from header bytes).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// LRU map from `K` to shared byte buffers, evicting the oldest entries beyond `budget` bytes.
#[derive(Debug)]
pub struct ByteLru<K> {
    budget: usize,
    used: usize,
    tick: u64,
    map: HashMap<K, (Arc<Vec<u8>>, u64)>,
}

impl<K: Hash + Eq + Clone> ByteLru<K> {
    /// An empty cache holding at most `budget` bytes.
    pub fn new(budget: usize) -> Self {
        ByteLru { budget, used: 0, tick: 0, map: HashMap::new() }
    }
    /// The entry for `k`, marked as just used.
    pub fn get(&mut self, k: &K) -> Option<Arc<Vec<u8>>> {
        self.tick += 1;
        let t = self.tick;
        self.map.get_mut(k).map(|(v, used)| {
            *used = t;
            v.clone()
        })
    }
    /// Inserts `v`, evicting old entries to stay within budget (an entry larger than the budget is not kept).
    pub fn insert(&mut self, k: K, v: Arc<Vec<u8>>) {
        if v.len() > self.budget {
            return;
        }
        self.tick += 1;
        if let Some((old, _)) = self.map.insert(k, (v.clone(), self.tick)) {
            self.used -= old.len();
        }
        self.used += v.len();
        while self.used > self.budget {
            let Some(oldest) = self.map.iter().min_by_key(|(_, (_, t))| *t).map(|(k, _)| k.clone()) else {
                break;
            };
            if let Some((old, _)) = self.map.remove(&oldest) {
                self.used -= old.len();
            }
        }
    }
    /// Bytes held.
    pub fn used(&self) -> usize {
        self.used
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn evicts_least_recently_used_beyond_budget() {
        let mut c = ByteLru::new(10);
        c.insert(1, Arc::new(vec![0; 4]));
        c.insert(2, Arc::new(vec![0; 4]));
        assert!(c.get(&1).is_some()); // 1 is now newer than 2
        c.insert(3, Arc::new(vec![0; 4]));
        assert!(c.get(&2).is_none());
        assert!(c.get(&1).is_some() && c.get(&3).is_some());
        assert_eq!(c.used(), 8);
        c.insert(4, Arc::new(vec![0; 11]));
        assert!(c.get(&4).is_none());
    }
}
