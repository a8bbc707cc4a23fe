//! k-anonymity by global full-domain generalization and record suppression, on data
//! already encoded as small integers: what an anonymized export is to be built on.
//!
//! Each quasi-identifier's values are small integers (`0..m`), and its [`Hierarchy`] lists
//! levels from exact (level 0) to fully generalized (one value, `*`). A transformation is a
//! node of the lattice: one level per quasi-identifier for the whole file. Records whose
//! class (the records with the same generalized values) is smaller than k are suppressed,
//! up to a limit. Of the nodes that reach k within the limit, [`anonymize`] returns one with
//! the least information loss, and proves it optimal by bounding:
//!
//! - **Loss** is the non-uniform entropy (ARX's and Gionis and Tassa's measure): a cell
//!   whose value `v` is generalized to `g` loses `log2(f(g) / f(v))` bits, `f` counting
//!   records in the whole file; a suppressed record loses every cell entirely
//!   (`log2(n / f(v))`). Reported normalized by the loss of suppressing everything. Chosen
//!   because it charges generalization by how much it actually blurs the data (merging two
//!   rare provinces costs little, merging two large ones much), where the discernibility
//!   metric charges only class sizes.
//! - **Bound**: the loss of a node is at least `G(node)`, the loss of its generalization
//!   alone (every record kept), because a suppressed cell loses at least what generalizing
//!   it loses. `G` is a sum of per-quasi-identifier terms, so it costs nothing to compute,
//!   and it grows with every level raised.
//! - **Search**: nodes in increasing order of `G`; each is evaluated (records counted by
//!   class, hashing one packed key per record) unless known infeasible: a node below an
//!   infeasible one is infeasible (generalizing only merges classes, so the records in
//!   classes under k can only decrease). The search stops at the first node whose bound is
//!   no better than the best loss found: no later node can do better.
//!
//! The top node (everything `*`) always reaches k when there are at least k records, so a
//! solution exists exactly when `k <= n` (or there are no records at all).

use std::collections::HashMap;

/// The levels of one quasi-identifier: `levels[l][v]` is the level-`l` value of the
/// level-0 value `v`. Level 0 is the identity; the last level has one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    levels: Vec<Vec<u32>>,
    /// How many values each level has.
    sizes: Vec<u32>,
}

/// Why levels are not a hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HierarchyError {
    #[error("level {level} maps {got} values, not {expected}")]
    Length {
        level: usize,
        expected: usize,
        got: usize,
    },
    #[error("level {level} is not a coarsening of level {}: values {a} and {b} are together before and apart after", level - 1)]
    NotCoarser { level: usize, a: u32, b: u32 },
}

impl Hierarchy {
    /// A hierarchy of `values` exact values over the coarser `levels` given (each maps
    /// every exact value to a value of that level, numbered from 0); the identity comes
    /// first and a level of one value (`*`) last, added when not given.
    pub fn new(values: u32, levels: Vec<Vec<u32>>) -> Result<Hierarchy, HierarchyError> {
        let mut all = vec![(0..values).collect::<Vec<u32>>()];
        all.extend(levels);
        if all
            .last()
            .is_none_or(|top| top.iter().any(|g| *g != top[0]))
        {
            all.push(vec![0; values as usize]);
        }
        for (level, map) in all.iter().enumerate() {
            if map.len() != values as usize {
                return Err(HierarchyError::Length {
                    level,
                    expected: values as usize,
                    got: map.len(),
                });
            }
        }
        // Renumber each level's values densely, and check that values together at one
        // level stay together at the next.
        let mut levels = Vec::with_capacity(all.len());
        let mut sizes = Vec::with_capacity(all.len());
        for (level, map) in all.iter().enumerate() {
            let mut dense: HashMap<u32, u32> = HashMap::new();
            let renumbered: Vec<u32> = map
                .iter()
                .map(|g| {
                    let next = dense.len() as u32;
                    *dense.entry(*g).or_insert(next)
                })
                .collect();
            if level > 0 {
                let mut parent: HashMap<u32, (u32, u32)> = HashMap::new();
                for (v, (before, after)) in all[level - 1].iter().zip(&renumbered).enumerate() {
                    match parent.get(before) {
                        Some((first, g)) if g != after => {
                            return Err(HierarchyError::NotCoarser {
                                level,
                                a: *first,
                                b: v as u32,
                            });
                        }
                        Some(_) => {}
                        None => {
                            parent.insert(*before, (v as u32, *after));
                        }
                    }
                }
            }
            sizes.push(dense.len() as u32);
            levels.push(renumbered);
        }
        Ok(Hierarchy { levels, sizes })
    }

    /// How many levels, exact and `*` included.
    pub fn height(&self) -> usize {
        self.levels.len()
    }

    fn generalize(&self, level: usize, value: u32) -> u32 {
        self.levels[level][value as usize]
    }
}

/// What the anonymization asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Every combination of quasi-identifiers occurs at least this often (2 or more).
    pub k: u64,
    /// At most this many records may be suppressed.
    pub max_suppressed: u64,
}

/// One transformation, evaluated on the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The level chosen for each quasi-identifier.
    pub levels: Vec<usize>,
    /// Records in classes smaller than k.
    pub suppressed: u64,
    /// Normalized non-uniform entropy: 0 for the data as they are, 1 for all suppressed.
    pub loss: f64,
    /// The sizes of the classes kept.
    pub class_sizes: Vec<u64>,
}

/// The chosen transformation and what the search did.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub best: Evaluation,
    /// Which records are suppressed (by index).
    pub suppressed: Vec<bool>,
    /// Lattice nodes whose records were counted.
    pub nodes_evaluated: usize,
    /// Lattice nodes in all.
    pub nodes: usize,
}

/// Why no transformation was chosen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("k must be at least 2")]
    KTooSmall,
    #[error("k is {k} but there are only {records} records")]
    KAboveRecords { k: u64, records: u64 },
    #[error("the data have {columns} quasi-identifier columns for {hierarchies} hierarchies")]
    Shape { columns: usize, hierarchies: usize },
    #[error("a value of quasi-identifier {column} is outside its hierarchy")]
    ValueOutside { column: usize },
    #[error("at most {MAX_COLUMNS} quasi-identifiers of at most {MAX_HEIGHT} levels each")]
    TooLarge,
}

/// The records' quasi-identifiers, column by column (`columns[i][r]`), with a hierarchy
/// per column.
pub struct Table<'a> {
    pub columns: &'a [Vec<u32>],
    pub hierarchies: &'a [Hierarchy],
}

impl Table<'_> {
    fn records(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }
}

/// Per quasi-identifier and level, each exact value's loss in bits when generalized to
/// that level (`log2(f(g) / f(v))`), and the column's total at each level.
struct Costs {
    /// `cell[i][l][v]`.
    cell: Vec<Vec<Vec<f64>>>,
    /// `total[i][l]`: the sum over records of their cell's loss at level `l`.
    total: Vec<Vec<f64>>,
    /// The loss of suppressing everything.
    everything: f64,
}

fn costs(table: &Table) -> Costs {
    let mut cell = Vec::new();
    let mut total = Vec::new();
    let mut everything = 0.0;
    for (column, hierarchy) in table.columns.iter().zip(table.hierarchies) {
        let exact = hierarchy.sizes[0] as usize;
        let mut freq = vec![0u64; exact];
        for v in column {
            freq[*v as usize] += 1;
        }
        let mut by_level = Vec::new();
        let mut totals = Vec::new();
        for level in 0..hierarchy.height() {
            let mut gfreq = vec![0u64; hierarchy.sizes[level] as usize];
            for (v, f) in freq.iter().enumerate() {
                gfreq[hierarchy.generalize(level, v as u32) as usize] += f;
            }
            let bits: Vec<f64> = (0..exact)
                .map(|v| {
                    let f = freq[v];
                    if f == 0 {
                        0.0
                    } else {
                        let g = gfreq[hierarchy.generalize(level, v as u32) as usize];
                        (g as f64 / f as f64).log2()
                    }
                })
                .collect();
            totals.push(freq.iter().zip(&bits).map(|(f, b)| *f as f64 * b).sum());
            by_level.push(bits);
        }
        // At the top level every cell loses log2(n / f(v)).
        everything += totals.last().copied().unwrap_or(0.0);
        cell.push(by_level);
        total.push(totals);
    }
    Costs {
        cell,
        total,
        everything,
    }
}

/// Counts the classes of `levels` (by a packed key per record; by the values themselves
/// when the combinations do not fit in 128 bits), and which records are suppressed.
fn evaluate(table: &Table, costs: &Costs, levels: &[usize], k: u64) -> (Evaluation, Vec<bool>) {
    let n = table.records();
    let mut keys: Vec<u128> = vec![0; n];
    let mut fits = true;
    let mut span: u128 = 1;
    for ((column, hierarchy), level) in table.columns.iter().zip(table.hierarchies).zip(levels) {
        let size = u128::from(hierarchy.sizes[*level]);
        match span.checked_mul(size) {
            Some(s) => span = s,
            None => fits = false,
        }
        for (key, v) in keys.iter_mut().zip(column) {
            // Wrapping keeps the arithmetic defined; when the combinations do not fit
            // (never with real surveys), classes are counted by their values instead.
            *key = key
                .wrapping_mul(size)
                .wrapping_add(u128::from(hierarchy.generalize(*level, *v)));
        }
    }
    // A class number per record, then each class's size.
    let class: Vec<usize> = if fits {
        let mut ids: HashMap<u128, usize> = HashMap::with_capacity(n / 4 + 1);
        keys.iter()
            .map(|key| {
                let next = ids.len();
                *ids.entry(*key).or_insert(next)
            })
            .collect()
    } else {
        let mut ids: HashMap<Vec<u32>, usize> = HashMap::new();
        (0..n)
            .map(|r| {
                let values: Vec<u32> = table
                    .columns
                    .iter()
                    .zip(table.hierarchies)
                    .zip(levels)
                    .map(|((c, h), l)| h.generalize(*l, c[r]))
                    .collect();
                let next = ids.len();
                *ids.entry(values).or_insert(next)
            })
            .collect()
    };
    let mut size = vec![0u64; class.iter().max().map_or(0, |m| m + 1)];
    for c in &class {
        size[*c] += 1;
    }
    let class_of: Vec<u64> = class.iter().map(|c| size[*c]).collect();
    let suppressed: Vec<bool> = class_of.iter().map(|size| *size < k).collect();
    let mut loss = 0.0;
    for (i, (column, level)) in table.columns.iter().zip(levels).enumerate() {
        let top = costs.cell[i].len() - 1;
        for (v, gone) in column.iter().zip(&suppressed) {
            loss += costs.cell[i][if *gone { top } else { *level }][*v as usize];
        }
    }
    let mut class_sizes: Vec<u64> = size.into_iter().filter(|s| *s >= k).collect();
    class_sizes.sort_unstable();
    let evaluation = Evaluation {
        levels: levels.to_vec(),
        suppressed: suppressed.iter().filter(|s| **s).count() as u64,
        loss: if costs.everything > 0.0 {
            loss / costs.everything
        } else {
            0.0
        },
        class_sizes,
    };
    (evaluation, suppressed)
}

/// The most quasi-identifiers, and levels of one, a search takes: a node is packed in a
/// `u64`, four bits per quasi-identifier.
pub const MAX_COLUMNS: usize = 16;
pub const MAX_HEIGHT: usize = 16;

fn unpack(node: u64, columns: usize) -> Vec<usize> {
    (0..columns)
        .map(|i| ((node >> (4 * i)) & 0xf) as usize)
        .collect()
}

/// Every node of the lattice with its bound `G`, in increasing order of the bound.
fn nodes_by_bound(costs: &Costs, heights: &[usize]) -> Vec<(f64, u64)> {
    let mut nodes = vec![(0.0, 0u64)];
    for (i, height) in heights.iter().enumerate() {
        let mut next = Vec::with_capacity(nodes.len() * height);
        for (bound, node) in &nodes {
            for level in 0..*height {
                next.push((
                    bound + costs.total[i][level],
                    node | ((level as u64) << (4 * i)),
                ));
            }
        }
        nodes = next;
    }
    nodes.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    nodes
}

/// Whether `a` is at or below `b` on every quasi-identifier (packed nodes).
fn below(a: u64, b: u64, columns: usize) -> bool {
    (0..columns).all(|i| (a >> (4 * i)) & 0xf <= (b >> (4 * i)) & 0xf)
}

/// The transformation of least loss that makes `table` k-anonymous with at most
/// `params.max_suppressed` records suppressed. See the module documentation.
pub fn anonymize(table: &Table, params: Params) -> Result<Solution, Refusal> {
    if params.k < 2 {
        return Err(Refusal::KTooSmall);
    }
    if table.columns.len() != table.hierarchies.len() {
        return Err(Refusal::Shape {
            columns: table.columns.len(),
            hierarchies: table.hierarchies.len(),
        });
    }
    let n = table.records();
    for (i, (column, hierarchy)) in table.columns.iter().zip(table.hierarchies).enumerate() {
        if column.len() != n || column.iter().any(|v| *v >= hierarchy.sizes[0]) {
            return Err(Refusal::ValueOutside { column: i });
        }
    }
    if n > 0 && params.k > n as u64 {
        return Err(Refusal::KAboveRecords {
            k: params.k,
            records: n as u64,
        });
    }
    let heights: Vec<usize> = table.hierarchies.iter().map(Hierarchy::height).collect();
    if heights.len() > MAX_COLUMNS || heights.iter().any(|h| *h > MAX_HEIGHT) {
        return Err(Refusal::TooLarge);
    }
    let costs = costs(table);
    let columns = heights.len();
    let nodes = nodes_by_bound(&costs, &heights);
    let total_nodes = nodes.len();
    let everything = if costs.everything > 0.0 {
        costs.everything
    } else {
        1.0
    };
    let mut infeasible: Vec<u64> = Vec::new();
    let mut best: Option<(Evaluation, Vec<bool>)> = None;
    let mut evaluated = 0;
    for (bound, node) in nodes {
        if let Some((b, _)) = &best
            && bound / everything >= b.loss
        {
            break;
        }
        if infeasible.iter().any(|m| below(node, *m, columns)) {
            continue;
        }
        evaluated += 1;
        let (evaluation, suppressed) = evaluate(table, &costs, &unpack(node, columns), params.k);
        if evaluation.suppressed > params.max_suppressed {
            infeasible.retain(|m| !below(*m, node, columns));
            infeasible.push(node);
            continue;
        }
        if best.as_ref().is_none_or(|(b, _)| evaluation.loss < b.loss) {
            best = Some((evaluation, suppressed));
        }
    }
    let (best, suppressed) = match best {
        Some(found) => found,
        // Unreachable with k <= n (the top node keeps every record in one class); with no
        // records, the data as they are.
        None => evaluate(table, &costs, &vec![0; heights.len()], params.k),
    };
    Ok(Solution {
        best,
        suppressed,
        nodes_evaluated: evaluated,
        nodes: total_nodes,
    })
}

#[cfg(test)]
mod tests;
