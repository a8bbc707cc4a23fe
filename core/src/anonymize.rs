//! k-anonymity (and, optionally, distinct ℓ-diversity) by global full-domain
//! generalization and record suppression, on data already encoded as small integers: what
//! an anonymized export is built on.
//!
//! Each quasi-identifier's values are small integers (`0..m`), and its [`Hierarchy`] lists
//! levels from exact (level 0) to fully generalized (one value, `*`). A transformation is a
//! node of the lattice: one level per quasi-identifier for the whole file. Records whose
//! class (the records with the same generalized values) is smaller than k, or holds fewer
//! than ℓ distinct values of a sensitive attribute, are suppressed, up to a limit. Of the
//! nodes that reach k (and ℓ) within the limit, [`anonymize`] returns one with the least
//! information loss, and proves it optimal by bounding:
//!
//! - **Loss** is the non-uniform entropy (ARX's and Gionis and Tassa's measure): a cell
//!   whose value `v` is generalized to `g` loses `log2(f(g) / f(v))` bits, `f` counting
//!   records in the whole file; a suppressed record loses every cell entirely
//!   (`log2(n / f(v))`). Reported normalized by the loss of suppressing everything. Chosen
//!   because it charges generalization by how much it actually blurs the data (merging two
//!   rare provinces costs little, merging two large ones much), where the discernibility
//!   metric charges only class sizes. A suppressed cell's loss beyond its generalization's
//!   is `log2(n / f(g))`, which depends only on the generalized value: the loss of a node
//!   can be computed from its classes alone.
//! - **Bound**: the loss of a node is at least `G(node)`, the loss of its generalization
//!   alone (every record kept), because a suppressed cell loses at least what generalizing
//!   it loses. `G` is a sum of per-quasi-identifier terms, so it costs nothing to compute,
//!   and it grows with every level raised.
//! - **Search**: nodes in increasing order of `G`, stopping at the first whose bound is no
//!   better than the best loss found: no later node can do better. A node is evaluated
//!   unless known infeasible: generalizing only merges classes, so the records suppressed
//!   can only decrease going up the lattice, and a node below an infeasible one is
//!   infeasible. Since every node below a node comes before it in this order, an
//!   infeasible node found is first **climbed**: each quasi-identifier in turn raised as
//!   far as the node stays infeasible (a binary search along it), giving a maximal
//!   infeasible node whose whole down-set is then skipped. Feasible nodes met while
//!   climbing count as candidates too.
//! - **Counting**: the records are first reduced to their distinct combinations with
//!   counts (the frequency set), and a node's classes are counted by **rolling up** the
//!   smallest frequency set already computed for a node below it (a node's set is a
//!   roll-up of any set below it), by a dense array when the node's combinations are few
//!   and by hashing one packed key per combination otherwise.
//!
//! The top node (everything `*`) always reaches k when there are at least k records, so
//! without ℓ-diversity a solution exists exactly when `k <= n` (or there are no records).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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

    /// How many values each level has, exact first.
    pub fn sizes(&self) -> &[u32] {
        &self.sizes
    }

    /// The level-`level` value of the exact value `value`.
    pub fn generalize(&self, level: usize, value: u32) -> u32 {
        self.levels[level][value as usize]
    }

    /// The same hierarchy with its exact values renumbered so that every level's values
    /// follow in the same order as the exact values (each group's values contiguous, by
    /// their path from the top), and each old exact value's new number. Rolling a set up
    /// keeps it nearly in order then, so counting touches memory nearly in order.
    fn ordered(&self) -> (Hierarchy, Vec<u32>) {
        let values = self.sizes[0];
        let mut order: Vec<u32> = (0..values).collect();
        order.sort_by_key(|v| {
            self.levels
                .iter()
                .rev()
                .map(|level| level[*v as usize])
                .collect::<Vec<u32>>()
        });
        let mut new_of = vec![0u32; values as usize];
        for (new, old) in order.iter().enumerate() {
            new_of[*old as usize] = new as u32;
        }
        let levels = self.levels[1..]
            .iter()
            .map(|level| order.iter().map(|old| level[*old as usize]).collect())
            .collect();
        let ordered = Hierarchy::new(values, levels).unwrap_or_else(|_| self.clone());
        (ordered, new_of)
    }

    /// The level-`to` value of the level-`from` value `value` (`from <= to`), for every
    /// level-`from` value.
    fn between(&self, from: usize, to: usize) -> Vec<u32> {
        let mut map = vec![0; self.sizes[from] as usize];
        for (exact, g) in self.levels[from].iter().enumerate() {
            map[*g as usize] = self.levels[to][exact];
        }
        map
    }
}

/// What the anonymization asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Every combination of quasi-identifiers occurs at least this often (2 or more).
    pub k: u64,
    /// At most this many records may be suppressed.
    pub max_suppressed: u64,
    /// Distinct ℓ-diversity: every class kept holds at least this many distinct values of
    /// each sensitive column (2 or more; `None` for none).
    pub l: Option<u32>,
}

impl Params {
    /// k-anonymity alone.
    pub fn k(k: u64, max_suppressed: u64) -> Params {
        Params {
            k,
            max_suppressed,
            l: None,
        }
    }
}

/// One transformation, evaluated on the data.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The level chosen for each quasi-identifier.
    pub levels: Vec<usize>,
    /// Records in classes smaller than k (or not ℓ-diverse).
    pub suppressed: u64,
    /// Normalized non-uniform entropy: 0 for the data as they are, 1 for all suppressed.
    pub loss: f64,
    /// The sizes of the classes kept, smallest first.
    pub class_sizes: Vec<u64>,
}

/// The chosen transformation and what the search did.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub best: Evaluation,
    /// Which records are suppressed (by index).
    pub suppressed: Vec<bool>,
    /// Lattice nodes whose classes were counted.
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
    #[error("ℓ must be at least 2")]
    LTooSmall,
    #[error("the data have {columns} quasi-identifier columns for {hierarchies} hierarchies")]
    Shape { columns: usize, hierarchies: usize },
    #[error("a value of quasi-identifier {column} is outside its hierarchy")]
    ValueOutside { column: usize },
    #[error("a sensitive column does not have one value per record")]
    SensitiveShape,
    #[error(
        "at most {MAX_COLUMNS} quasi-identifiers of at most {MAX_HEIGHT} levels each, and at most {MAX_NODES} transformations"
    )]
    TooLarge,
    /// No transformation reaches k and ℓ within the limit; the closest is the one that
    /// suppresses fewest.
    #[error("no transformation reaches k and ℓ within the suppression limit: the closest suppresses {} records", closest.suppressed)]
    NotReached { closest: Evaluation },
}

/// The records' quasi-identifiers, column by column (`columns[i][r]`), with a hierarchy
/// per column, and the sensitive attributes that ℓ-diversity reads (`sensitive[j][r]`, any
/// numbers; empty for none). A class is ℓ-diverse when its records take at least ℓ distinct
/// values of each. A missing answer is a value like any other: were a class with no
/// answers let pass, merging it into a class that fails would fail it, and the search's
/// pruning rests on merging never doing that.
pub struct Table<'a> {
    pub columns: &'a [Vec<u32>],
    pub hierarchies: &'a [Hierarchy],
    pub sensitive: &'a [Vec<u32>],
}

impl Table<'_> {
    fn records(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }
}

/// The most quasi-identifiers, and levels of one, a search takes (a node is packed in a
/// `u128`, a byte per quasi-identifier), and the most nodes.
pub const MAX_COLUMNS: usize = 16;
pub const MAX_HEIGHT: usize = 16;
pub const MAX_NODES: usize = 4_000_000;

/// A node: byte `i` is the level of quasi-identifier `i`.
type Node = u128;

fn level_of(node: Node, i: usize) -> usize {
    ((node >> (8 * i)) & 0xff) as usize
}

fn with_level(node: Node, i: usize, level: usize) -> Node {
    (node & !(0xff << (8 * i))) | ((level as u128) << (8 * i))
}

/// Whether `a` is at or below `b` on every quasi-identifier: each byte of `b`, its top bit
/// set, minus `a`'s byte keeps the top bit exactly when `b`'s is not smaller (levels are
/// under 128, so no byte borrows from the next).
fn below(a: Node, b: Node) -> bool {
    const TOP: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;
    ((b | TOP).wrapping_sub(a)) & TOP == TOP
}

/// A multiplicative hash for the packed keys (SipHash, the default, resists crafted keys
/// at a cost these keys, computed from small integers, do not need).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type KeyMap<K> = HashMap<K, u32, BuildHasherDefault<KeyHasher>>;

/// The distinct combinations of a node's generalized values, with how many records have
/// each: `width` values per combination (the quasi-identifiers' at the node's levels, then
/// the sensitive attributes' as they are).
#[derive(Debug, Clone)]
struct FreqSet {
    node: Node,
    values: Vec<u32>,
    counts: Vec<u64>,
}

impl FreqSet {
    fn len(&self) -> usize {
        self.counts.len()
    }
}

/// A node's classes as counted.
struct Counted {
    set: FreqSet,
    /// Each combination of the source set → its combination in `set`.
    from_source: Vec<u32>,
    /// Each combination of `set` → its class (its quasi-identifiers' values).
    class: Vec<u32>,
    /// Each class: kept (at least k records and ℓ-diverse)?
    kept: Vec<bool>,
    class_sizes: Vec<u64>,
    suppressed: u64,
    /// The loss of suppressing the suppressed records beyond generalizing them (bits).
    extra: f64,
}

/// Dense counting is used when a node's combinations number at most this.
const DENSE: u64 = 1 << 24;
/// Frequency sets kept for rolling up (beside the exact one), and their values in all.
const CACHE_SETS: usize = 512;
const CACHE_VALUES: usize = 48 << 20;

struct Engine {
    columns: usize,
    sensitive: usize,
    /// `sizes[i][l]`: values of quasi-identifier `i` at level `l`.
    sizes: Vec<Vec<u32>>,
    /// `up[i][a][b][g]`: level-`b` value of level-`a` value `g` (`a <= b`).
    up: Vec<Vec<Vec<Vec<u32>>>>,
    /// Values of each sensitive column (they are renumbered densely).
    sensitive_sizes: Vec<u32>,
    /// `suppressing[i][l][g]`: bits a suppressed cell loses beyond being generalized to
    /// level-`l` value `g`: `log2(n / f(g))`.
    suppressing: Vec<Vec<Vec<f64>>>,
    /// `total[i][l]`: the loss of generalizing quasi-identifier `i` to level `l` (bits).
    total: Vec<Vec<f64>>,
    everything: f64,
    /// What each level raised adds to `total`, so that ties go to the less general.
    tie: f64,
    params: Params,
    /// Scratch for dense counting: slot → combination + 1 (0: none yet).
    dense: Vec<u32>,
    /// The exact frequency set first, then the hubs, then sets of nodes evaluated.
    cache: Vec<FreqSet>,
    /// How many sets at the cache's start are never forgotten.
    pinned: usize,
    /// The quasi-identifiers from fewest exact values to most: the order of descents.
    order: Vec<usize>,
    evaluated: usize,
}

impl Engine {
    fn width(&self) -> usize {
        self.columns + self.sensitive
    }

    fn levels(&self, node: Node) -> Vec<usize> {
        (0..self.columns).map(|i| level_of(node, i)).collect()
    }

    fn bound(&self, node: Node) -> f64 {
        (0..self.columns)
            .map(|i| self.total[i][level_of(node, i)])
            .sum()
    }

    fn normalized(&self, bits: f64) -> f64 {
        if self.everything > 0.0 {
            bits / self.everything
        } else {
            0.0
        }
    }

    /// Rolls `source` up to `node` (at or above it) and counts the classes.
    fn count(&self, dense: &mut Vec<u32>, source: &FreqSet, node: Node) -> Counted {
        let width = self.width();
        let maps: Vec<&Vec<u32>> = (0..self.columns)
            .map(|i| &self.up[i][level_of(source.node, i)][level_of(node, i)])
            .collect();
        let radix: Vec<u64> = (0..self.columns)
            .map(|i| u64::from(self.sizes[i][level_of(node, i)]))
            .chain(self.sensitive_sizes.iter().map(|s| u64::from(*s)))
            .collect();
        let span = radix.iter().try_fold(1u64, |s, r| s.checked_mul(*r));
        // Each source combination → its combination at `node` (numbered as first met),
        // and the first source combination of each.
        let mut from_source: Vec<u32> = Vec::with_capacity(source.len());
        let mut first: Vec<u32> = Vec::new();
        if let Some(span) = span {
            // One packed key per combination, summed from each column's part: the
            // generalized value times the column's place.
            let mut place = span;
            let parts: Vec<Vec<u64>> = radix
                .iter()
                .enumerate()
                .map(|(j, r)| {
                    place /= r;
                    if j < self.columns {
                        maps[j].iter().map(|g| u64::from(*g) * place).collect()
                    } else {
                        (0..*r).map(|v| v * place).collect()
                    }
                })
                .collect();
            let keys = source.values.chunks_exact(width).map(|combination| {
                combination
                    .iter()
                    .zip(&parts)
                    .map(|(v, part)| part[*v as usize])
                    .sum::<u64>()
            });
            if span <= DENSE {
                if dense.len() < span as usize {
                    dense.resize(span as usize, 0);
                }
                let mut touched = Vec::new();
                for (s, key) in keys.enumerate() {
                    let slot = &mut dense[key as usize];
                    if *slot == 0 {
                        first.push(s as u32);
                        touched.push(key);
                        *slot = first.len() as u32;
                    }
                    from_source.push(*slot - 1);
                }
                // Leave the scratch empty for the next count.
                for key in touched {
                    dense[key as usize] = 0;
                }
            } else {
                let mut ids: KeyMap<u64> = KeyMap::default();
                ids.reserve(source.len() / 2);
                for (s, key) in keys.enumerate() {
                    let next = first.len() as u32;
                    let c = *ids.entry(key).or_insert(next);
                    if c == next {
                        first.push(s as u32);
                    }
                    from_source.push(c);
                }
            }
        } else {
            // Combinations that do not fit in 64 bits (never with real surveys): counted
            // by their values.
            let mut ids: KeyMap<Vec<u32>> = KeyMap::default();
            for (s, combination) in source.values.chunks_exact(width).enumerate() {
                let generalized: Vec<u32> = combination
                    .iter()
                    .enumerate()
                    .map(|(j, v)| {
                        if j < self.columns {
                            maps[j][*v as usize]
                        } else {
                            *v
                        }
                    })
                    .collect();
                let next = first.len() as u32;
                let c = *ids.entry(generalized).or_insert(next);
                if c == next {
                    first.push(s as u32);
                }
                from_source.push(c);
            }
        }
        let mut counts = vec![0u64; first.len()];
        for (c, count) in from_source.iter().zip(&source.counts) {
            counts[*c as usize] += count;
        }
        let mut values = Vec::with_capacity(first.len() * width);
        for s in &first {
            let combination = &source.values[*s as usize * width..(*s as usize + 1) * width];
            values.extend(combination.iter().enumerate().map(|(j, v)| {
                if j < self.columns {
                    maps[j][*v as usize]
                } else {
                    *v
                }
            }));
        }
        let set = FreqSet {
            node,
            values,
            counts,
        };
        self.classes(set, from_source)
    }

    /// Groups a node's combinations into classes (by their quasi-identifiers alone, when
    /// sensitive attributes are carried) and decides which are kept.
    fn classes(&self, set: FreqSet, from_source: Vec<u32>) -> Counted {
        let width = self.width();
        let (class, mut sizes) = if self.sensitive == 0 {
            (
                (0..set.len() as u32).collect::<Vec<u32>>(),
                set.counts.clone(),
            )
        } else {
            let mut ids: KeyMap<Vec<u32>> = KeyMap::default();
            let mut sizes: Vec<u64> = Vec::new();
            let class = set
                .values
                .chunks_exact(width)
                .zip(&set.counts)
                .map(|(combination, count)| {
                    let quasi = &combination[..self.columns];
                    let c = match ids.get(quasi) {
                        Some(c) => *c,
                        None => {
                            let c = sizes.len() as u32;
                            ids.insert(quasi.to_vec(), c);
                            sizes.push(0);
                            c
                        }
                    };
                    sizes[c as usize] += count;
                    c
                })
                .collect();
            (class, sizes)
        };
        let mut kept: Vec<bool> = sizes.iter().map(|s| *s >= self.params.k).collect();
        if let Some(l) = self.params.l {
            // Distinct values of each sensitive column per class: the combinations are
            // distinct, so distinct (class, value) pairs are counted by sorting them.
            for j in 0..self.sensitive {
                let mut pairs: Vec<(u32, u32)> = set
                    .values
                    .chunks_exact(width)
                    .zip(&class)
                    .map(|(combination, c)| (*c, combination[self.columns + j]))
                    .collect();
                pairs.sort_unstable();
                pairs.dedup();
                let mut distinct = vec![0u32; sizes.len()];
                for (c, _) in pairs {
                    distinct[c as usize] += 1;
                }
                for (keep, d) in kept.iter_mut().zip(distinct) {
                    *keep &= d >= l;
                }
            }
        }
        let mut suppressed = 0;
        let mut extra = 0.0;
        for (combination, (count, c)) in set
            .values
            .chunks_exact(width)
            .zip(set.counts.iter().zip(&class))
        {
            if !kept[*c as usize] {
                suppressed += count;
                let bits: f64 = (0..self.columns)
                    .map(|i| self.suppressing[i][level_of(set.node, i)][combination[i] as usize])
                    .sum();
                extra += *count as f64 * bits;
            }
        }
        let mut class_sizes: Vec<u64> = sizes
            .drain(..)
            .zip(&kept)
            .filter_map(|(s, k)| k.then_some(s))
            .collect();
        class_sizes.sort_unstable();
        Counted {
            set,
            from_source,
            class,
            kept,
            class_sizes,
            suppressed,
            extra,
        }
    }

    /// Counts `node`'s classes from the smallest cached set below it, and keeps its set
    /// for later roll-ups while the cache has room.
    fn evaluate(&mut self, node: Node) -> Counted {
        let source = self
            .cache
            .iter()
            .enumerate()
            .filter(|(_, s)| below(s.node, node))
            .min_by_key(|(_, s)| s.len())
            .map_or(0, |(i, _)| i);
        let mut dense = std::mem::take(&mut self.dense);
        let counted = self.count(&mut dense, &self.cache[source], node);
        self.dense = dense;
        self.evaluated += 1;
        let source = self.cache[source].len();
        self.remember(&counted.set, source);
        counted
    }

    /// Keeps `set` (rolled up from a set of `source` combinations) when it is a quarter
    /// smaller at least: a set not much smaller than its source saves little as a source.
    fn remember(&mut self, set: &FreqSet, source: usize) {
        if set.len() * 4 > source * 3 || self.cache.iter().any(|s| s.node == set.node) {
            return;
        }
        self.cache.push(set.clone());
        let pinned = self.pinned;
        let held = |cache: &[FreqSet]| {
            cache[pinned..]
                .iter()
                .map(|s| s.values.len())
                .sum::<usize>()
        };
        while self.cache.len() > CACHE_SETS + pinned || held(&self.cache) > CACHE_VALUES {
            // Forget the largest: the small ones are the cheap sources.
            let Some(largest) = (pinned..self.cache.len()).max_by_key(|i| self.cache[*i].len())
            else {
                break;
            };
            self.cache.swap_remove(largest);
        }
    }

    fn evaluation(&self, node: Node, counted: &Counted) -> Evaluation {
        Evaluation {
            levels: self.levels(node),
            suppressed: counted.suppressed,
            loss: self.normalized(
                self.bound(node) - self.tie * self.levels(node).iter().sum::<usize>() as f64
                    + counted.extra,
            ),
            class_sizes: counted.class_sizes.clone(),
        }
    }
}

/// Per quasi-identifier: the loss of generalizing it to each level (bits, over the whole
/// file), and what a suppressed cell loses beyond each level's value.
fn losses(column: &[u32], hierarchy: &Hierarchy, n: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut freq = vec![0u64; hierarchy.sizes[0] as usize];
    for v in column {
        freq[*v as usize] += 1;
    }
    let mut totals = Vec::new();
    let mut suppressing = Vec::new();
    for level in 0..hierarchy.height() {
        let mut gfreq = vec![0u64; hierarchy.sizes[level] as usize];
        for (v, f) in freq.iter().enumerate() {
            gfreq[hierarchy.generalize(level, v as u32) as usize] += f;
        }
        let total: f64 = freq
            .iter()
            .enumerate()
            .filter(|(_, f)| **f > 0)
            .map(|(v, f)| {
                let g = gfreq[hierarchy.generalize(level, v as u32) as usize];
                *f as f64 * (g as f64 / *f as f64).log2()
            })
            .sum();
        totals.push(total);
        suppressing.push(
            gfreq
                .iter()
                .map(|g| {
                    if *g == 0 {
                        0.0
                    } else {
                        (n as f64 / *g as f64).log2()
                    }
                })
                .collect(),
        );
    }
    (totals, suppressing)
}

/// Every node of the lattice with its bound `G`, in increasing order of the bound.
fn nodes_by_bound(total: &[Vec<f64>]) -> Vec<(f64, Node)> {
    let mut nodes = vec![(0.0, 0 as Node)];
    for (i, levels) in total.iter().enumerate() {
        let mut next = Vec::with_capacity(nodes.len() * levels.len());
        for (bound, node) in &nodes {
            for (level, loss) in levels.iter().enumerate() {
                next.push((bound + loss, with_level(*node, i, level)));
            }
        }
        nodes = next;
    }
    nodes.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    nodes
}

/// Checks the request and the data's shape.
fn check(table: &Table, params: Params) -> Result<(), Refusal> {
    if params.k < 2 {
        return Err(Refusal::KTooSmall);
    }
    if params.l.is_some_and(|l| l < 2) {
        return Err(Refusal::LTooSmall);
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
    if table.sensitive.iter().any(|s| s.len() != n) {
        return Err(Refusal::SensitiveShape);
    }
    if n > 0 && params.k > n as u64 {
        return Err(Refusal::KAboveRecords {
            k: params.k,
            records: n as u64,
        });
    }
    let heights = table.hierarchies.iter().map(Hierarchy::height);
    let nodes = heights
        .clone()
        .try_fold(1usize, |product, h| product.checked_mul(h));
    if table.columns.len() > MAX_COLUMNS
        || heights.clone().any(|h| h > MAX_HEIGHT)
        || nodes.is_none_or(|n| n > MAX_NODES)
    {
        return Err(Refusal::TooLarge);
    }
    Ok(())
}

/// The transformation of least loss that makes `table` k-anonymous (and ℓ-diverse) with
/// at most `params.max_suppressed` records suppressed. See the module documentation.
pub fn anonymize(table: &Table, params: Params) -> Result<Solution, Refusal> {
    check(table, params)?;
    let (hierarchies, columns): (Vec<Hierarchy>, Vec<Vec<u32>>) = table
        .hierarchies
        .iter()
        .zip(table.columns)
        .map(|(h, column)| {
            let (ordered, new_of) = h.ordered();
            (
                ordered,
                column.iter().map(|v| new_of[*v as usize]).collect(),
            )
        })
        .unzip();
    let table = &Table {
        columns: &columns,
        hierarchies: &hierarchies,
        sensitive: table.sensitive,
    };
    let n = table.records();
    let nodes = table
        .hierarchies
        .iter()
        .map(Hierarchy::height)
        .product::<usize>();
    if n == 0 {
        // No records: the data as they are (and nothing to count).
        return Ok(Solution {
            best: Evaluation {
                levels: vec![0; table.columns.len()],
                suppressed: 0,
                loss: 0.0,
                class_sizes: Vec::new(),
            },
            suppressed: Vec::new(),
            nodes_evaluated: 0,
            nodes,
        });
    }
    let columns = table.columns.len();
    let mut total = Vec::with_capacity(columns);
    let mut suppressing = Vec::with_capacity(columns);
    for (column, hierarchy) in table.columns.iter().zip(table.hierarchies) {
        let (t, s) = losses(column, hierarchy, n);
        total.push(t);
        suppressing.push(s);
    }
    // At the top level every cell loses log2(n / f(v)): suppressing everything.
    let everything: f64 = total.iter().map(|t| t.last().copied().unwrap_or(0.0)).sum();
    // Ties go to the less general node: each level raised costs a trillionth more (a
    // column of one value loses nothing when generalized, yet would be left out).
    let tie = everything.max(1.0) * 1e-12;
    for levels in &mut total {
        for (level, loss) in levels.iter_mut().enumerate() {
            *loss += tie * level as f64;
        }
    }
    // Sensitive values renumbered densely, so they pack small.
    let mut sensitive_sizes = Vec::new();
    let sensitive: Vec<Vec<u32>> = table
        .sensitive
        .iter()
        .map(|column| {
            let mut ids: KeyMap<u32> = KeyMap::default();
            let dense = column
                .iter()
                .map(|v| {
                    let next = ids.len() as u32;
                    *ids.entry(*v).or_insert(next)
                })
                .collect();
            sensitive_sizes.push(ids.len().max(1) as u32);
            dense
        })
        .collect();
    let width = columns + sensitive.len();
    // The records themselves, as a set of count-1 combinations at the exact levels.
    let mut records = Vec::with_capacity(n * width);
    for r in 0..n {
        records.extend(table.columns.iter().map(|c| c[r]));
        records.extend(sensitive.iter().map(|c| c[r]));
    }
    let records = FreqSet {
        node: 0,
        values: records,
        counts: vec![1; n],
    };
    let mut engine = Engine {
        columns,
        sensitive: sensitive.len(),
        sizes: table.hierarchies.iter().map(|h| h.sizes.clone()).collect(),
        up: table
            .hierarchies
            .iter()
            .map(|h| {
                (0..h.height())
                    .map(|a| {
                        (0..h.height())
                            .map(|b| if a <= b { h.between(a, b) } else { Vec::new() })
                            .collect()
                    })
                    .collect()
            })
            .collect(),
        sensitive_sizes,
        suppressing,
        total,
        everything,
        tie,
        params,
        dense: Vec::new(),
        cache: Vec::new(),
        pinned: 0,
        order: Vec::new(),
        evaluated: 0,
    };
    let exact = engine.count(&mut Vec::new(), &records, 0);
    drop(records);
    // The exact set in order of its values.
    let mut order: Vec<usize> = (0..exact.set.len()).collect();
    let combination = |i: usize| &exact.set.values[i * width..(i + 1) * width];
    order.sort_unstable_by(|a, b| combination(*a).cmp(combination(*b)));
    let mut new_of = vec![0u32; order.len()];
    let mut values = Vec::with_capacity(exact.set.values.len());
    let mut counts = Vec::with_capacity(order.len());
    for (new, old) in order.iter().enumerate() {
        new_of[*old] = new as u32;
        values.extend_from_slice(combination(*old));
        counts.push(exact.set.counts[*old]);
    }
    let record_combination: Vec<u32> = exact
        .from_source
        .iter()
        .map(|c| new_of[*c as usize])
        .collect();
    drop(exact);
    engine.cache.push(FreqSet {
        node: 0,
        values,
        counts,
    });
    // The hubs: the first j quasi-identifiers (by number of values) exact, the others at
    // `*`, each rolled up from the next. A descent's node at step j is above hub j, whose
    // set is no larger than the distinct combinations of those j columns.
    let mut order: Vec<usize> = (0..columns).collect();
    order.sort_by_key(|i| std::cmp::Reverse(table.hierarchies[*i].sizes[0]));
    let top_of = |i: usize| table.hierarchies[i].height() - 1;
    let mut hub: Node = 0;
    let mut dense = Vec::new();
    for i in order.iter().rev() {
        hub = with_level(hub, *i, top_of(*i));
        let source = engine.cache.last().expect("the exact set");
        let counted = engine.count(&mut dense, source, hub);
        // A hub not much smaller than the last one saves little.
        if counted.set.len() * 4 <= source.len() * 3 {
            engine.cache.push(counted.set);
        }
    }
    engine.dense = dense;
    engine.pinned = engine.cache.len();
    engine.order = order;
    let nodes = nodes_by_bound(&engine.total);
    let total_nodes = nodes.len();
    let mut search = Search {
        engine,
        known: HashMap::new(),
        infeasible: Vec::new(),
        feasible: Vec::new(),
        extras: Vec::new(),
        top: nodes
            .iter()
            .map(|(_, n)| *n)
            .max_by_key(|n| (0..columns).map(|i| level_of(*n, i)).sum::<usize>())
            .unwrap_or(0),
        best: None,
        closest: None,
    };
    for (bound, node) in &nodes {
        if search.best.as_ref().is_some_and(|(_, _, b)| *bound >= *b) {
            break;
        }
        if search.known.contains_key(node)
            || search.infeasible.iter().any(|m| below(*node, *m))
            || search.beaten(*node, *bound)
        {
            continue;
        }
        search.settle(*node);
    }
    let evaluated = search.engine.evaluated;
    let Some((node, best, _)) = search.best else {
        // The top node is always evaluated: with records, the closest is known.
        return Err(Refusal::NotReached {
            closest: search.closest.map(|(_, c)| c).unwrap_or(Evaluation {
                levels: vec![0; columns],
                suppressed: n as u64,
                loss: 1.0,
                class_sizes: Vec::new(),
            }),
        });
    };
    // Which records the chosen node suppresses: record → exact combination → the node's
    // combination → its class.
    let mut engine = search.engine;
    let mut dense = std::mem::take(&mut engine.dense);
    let counted = engine.count(&mut dense, &engine.cache[0], node);
    let suppressed = record_combination
        .iter()
        .map(|c| !counted.kept[counted.class[counted.from_source[*c as usize] as usize] as usize])
        .collect();
    Ok(Solution {
        best,
        suppressed,
        nodes_evaluated: evaluated,
        nodes: total_nodes,
    })
}

/// The search's state: what is known of the nodes met.
struct Search {
    engine: Engine,
    /// Nodes evaluated → feasible.
    known: HashMap<Node, bool>,
    /// Maximal infeasible nodes found: everything below them is infeasible.
    infeasible: Vec<Node>,
    /// Feasible nodes found by descending: everything above them is feasible.
    feasible: Vec<Node>,
    /// Every quasi-identifier at `*`.
    top: Node,
    /// The best node found, and its loss in bits.
    best: Option<(Node, Evaluation, f64)>,
    /// Evaluated nodes and what suppressing cost them beyond generalizing (bits), for the
    /// nodes below them: they suppress at least those records, each losing at least as
    /// much, so their loss is at least their bound plus that.
    extras: Vec<(Node, f64)>,
    /// The node that suppressed fewest, when none is feasible yet.
    closest: Option<(Node, Evaluation)>,
}

impl Search {
    /// Evaluates `node` (once) and keeps it when it is the best so far.
    fn feasible(&mut self, node: Node) -> bool {
        if let Some(known) = self.known.get(&node) {
            return *known;
        }
        let counted = self.engine.evaluate(node);
        if counted.extra > 0.0 {
            self.extras.push((node, counted.extra));
        }
        let feasible = counted.suppressed <= self.engine.params.max_suppressed;
        self.known.insert(node, feasible);
        if feasible {
            let bits = self.engine.bound(node) + counted.extra;
            if self.best.as_ref().is_none_or(|(_, _, b)| bits < *b) {
                self.best = Some((node, self.engine.evaluation(node, &counted), bits));
            }
        } else if self
            .closest
            .as_ref()
            .is_none_or(|(_, c)| counted.suppressed < c.suppressed)
        {
            self.closest = Some((node, self.engine.evaluation(node, &counted)));
        }
        feasible
    }

    /// Whether `node`, of bound `bound` (bits), cannot lose less than the best found, by
    /// what a node above it suppresses.
    fn beaten(&self, node: Node, bound: f64) -> bool {
        let Some((_, _, best)) = self.best else {
            return false;
        };
        self.extras
            .iter()
            .any(|(m, extra)| bound + extra >= best && below(node, *m))
    }

    /// Finds out whether `node` is feasible, and evaluates it if so. A node above a known
    /// feasible one is evaluated at once. Otherwise the search descends from the top
    /// towards it, one quasi-identifier at a time (fewest values first, so the nodes
    /// evaluated have few classes and a small hub below them): every step is a node above
    /// `node`, so the first infeasible one shows `node` infeasible, and is climbed to a
    /// maximal one; reaching `node` shows it feasible.
    fn settle(&mut self, node: Node) {
        if self.feasible.iter().any(|f| below(*f, node)) {
            self.feasible(node);
            return;
        }
        if !self.feasible(self.top) {
            self.infeasible = vec![self.top];
            return;
        }
        let mut current = self.top;
        for j in 0..self.engine.columns {
            let i = self.engine.order[j];
            if level_of(current, i) == level_of(node, i) {
                continue;
            }
            let step = with_level(current, i, level_of(node, i));
            if !self.feasible(step) {
                self.climb(step);
                return;
            }
            current = step;
        }
        self.feasible.retain(|f| !below(node, *f));
        self.feasible.push(node);
    }

    /// From an infeasible node, raises each quasi-identifier as far as the node stays
    /// infeasible, and records the maximal infeasible node reached.
    fn climb(&mut self, mut node: Node) {
        for i in 0..self.engine.columns {
            let (mut low, mut high) = (level_of(node, i), self.engine.sizes[i].len() - 1);
            while low < high {
                let mid = (low + high).div_ceil(2);
                if self.feasible(with_level(node, i, mid)) {
                    high = mid - 1;
                } else {
                    low = mid;
                }
            }
            node = with_level(node, i, low);
        }
        self.infeasible.retain(|m| !below(*m, node));
        self.infeasible.push(node);
    }
}

#[cfg(test)]
mod tests;
