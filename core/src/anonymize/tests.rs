use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

/// The generalized values of record `r` under `levels`, read the plain way.
fn generalized(table: &Table, levels: &[usize], r: usize) -> Vec<u32> {
    table
        .columns
        .iter()
        .zip(table.hierarchies)
        .zip(levels)
        .map(|((column, h), l)| h.levels[*l][column[r] as usize])
        .collect()
}

/// An independent check: a plain group-by over the kept records' generalized values.
fn smallest_kept_class(table: &Table, solution: &Solution) -> Option<u64> {
    let mut classes: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
    for r in 0..table.records() {
        if !solution.suppressed[r] {
            *classes
                .entry(generalized(table, &solution.best.levels, r))
                .or_default() += 1;
        }
    }
    classes.values().min().copied()
}

#[test]
fn a_hierarchy_must_coarsen_level_by_level_and_gets_a_top_level() {
    let h = Hierarchy::new(4, vec![vec![0, 0, 1, 1]]).expect("a hierarchy");
    assert_eq!(h.height(), 3, "exact, pairs, and * added");
    assert_eq!(h.sizes, vec![4, 2, 1]);
    assert_eq!(
        Hierarchy::new(4, vec![vec![0, 0, 1, 1], vec![0, 1, 1, 1]]),
        Err(HierarchyError::NotCoarser {
            level: 2,
            a: 0,
            b: 1
        })
    );
    assert_eq!(
        Hierarchy::new(4, vec![vec![0, 0, 1]]),
        Err(HierarchyError::Length {
            level: 1,
            expected: 4,
            got: 3
        })
    );
    let topped = Hierarchy::new(3, vec![vec![7, 7, 7]]).expect("a hierarchy");
    assert_eq!(topped.height(), 2, "a given top level is not doubled");
}

#[test]
fn bad_parameters_are_refused_naming_what_is_wrong() {
    let h = vec![Hierarchy::new(2, vec![]).expect("h")];
    let columns = vec![vec![0, 1, 1]];
    let table = Table {
        columns: &columns,
        hierarchies: &h,
        sensitive: &[],
    };
    let params = |k| Params::k(k, 0);
    assert_eq!(anonymize(&table, params(1)), Err(Refusal::KTooSmall));
    assert_eq!(
        anonymize(&table, params(4)),
        Err(Refusal::KAboveRecords { k: 4, records: 3 })
    );
    let outside = vec![vec![0, 2, 1]];
    let table = Table {
        columns: &outside,
        hierarchies: &h,
        sensitive: &[],
    };
    assert_eq!(
        anonymize(&table, params(2)),
        Err(Refusal::ValueOutside { column: 0 })
    );
    let table = Table {
        columns: &[],
        hierarchies: &h,
        sensitive: &[],
    };
    assert_eq!(
        anonymize(&table, params(2)),
        Err(Refusal::Shape {
            columns: 0,
            hierarchies: 1
        })
    );
}

#[test]
fn the_cheapest_transformation_is_chosen_and_rare_values_suppressed_within_the_limit() {
    // Province (4 values, two regions) and grade (3 values, no coarser level but *).
    let hierarchies = vec![
        Hierarchy::new(4, vec![vec![0, 0, 1, 1]]).expect("h"),
        Hierarchy::new(3, vec![]).expect("h"),
    ];
    // 13 records: provinces 0 and 1 common, 2 and 3 rarer; one record of grade 1.
    let columns = vec![
        vec![0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3],
        vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    ];
    let table = Table {
        columns: &columns,
        hierarchies: &hierarchies,
        sensitive: &[],
    };
    // Suppressing the lone record of grade 1 costs its cells; taking the grade to * costs
    // a little on every record as well: with one record suppressible, suppression wins.
    let grades = vec![columns[1].clone()];
    let grade_only = Table {
        columns: &grades,
        hierarchies: &hierarchies[1..],
        sensitive: &[],
    };
    let solution = anonymize(&grade_only, Params::k(2, 1)).expect("a solution");
    assert_eq!(solution.best.levels, vec![0]);
    assert_eq!(solution.best.suppressed, 1);
    assert!(solution.suppressed[12]);
    assert!(solution.best.loss < 1.0);
    let solution = anonymize(&grade_only, Params::k(2, 0)).expect("a solution");
    assert_eq!(
        (solution.best.levels.clone(), solution.best.loss),
        (vec![1], 1.0)
    );
    // Both columns, k = 2 without suppression: the grade goes to *, the provinces stay.
    let solution = anonymize(&table, Params::k(2, 0)).expect("a solution");
    assert_eq!(solution.best.levels, vec![0, 1]);
    assert_eq!(smallest_kept_class(&table, &solution), Some(2));
    // k = 4 without suppression: the rare provinces merge into their region.
    let solution = anonymize(&table, Params::k(4, 0)).expect("a solution");
    assert_eq!(solution.best.levels, vec![1, 1]);
    assert_eq!(smallest_kept_class(&table, &solution), Some(5));
    assert!(solution.best.loss > 0.0 && solution.best.loss < 1.0);
    assert!(solution.nodes_evaluated <= solution.nodes);
}

#[test]
fn no_records_are_trivially_anonymous() {
    let hierarchies = vec![Hierarchy::new(3, vec![]).expect("h")];
    let columns = vec![Vec::new()];
    let table = Table {
        columns: &columns,
        hierarchies: &hierarchies,
        sensitive: &[],
    };
    let solution = anonymize(&table, Params::k(5, 0)).expect("a solution");
    assert_eq!(solution.best.suppressed, 0);
    assert_eq!(solution.best.loss, 0.0);
    // Hierarchies built over the values met have no values at all then.
    let empty = vec![Hierarchy::new(0, vec![]).expect("h")];
    let table = Table {
        columns: &columns,
        hierarchies: &empty,
        sensitive: &[],
    };
    let solution = anonymize(&table, Params::k(5, 0)).expect("a solution");
    assert_eq!(solution.best.levels, vec![0]);
}

/// A random hierarchy over `values`: the values shuffled by `order`, then grouped by
/// growing divisors (each a multiple of the one before, so each level coarsens the last).
fn hierarchy(values: u32, order: &[u32], divisors: &[u32]) -> Hierarchy {
    let levels = divisors
        .iter()
        .map(|d| (0..values).map(|v| order[v as usize] / d).collect())
        .collect();
    Hierarchy::new(values, levels).expect("divisor chains coarsen")
}

/// The reference: every node of the lattice evaluated the plain way, record by record
/// (a group-by over generalized values, each cell's loss from the frequencies), sharing
/// nothing with the search but the hierarchies' maps.
fn brute_force(table: &Table, params: Params) -> Vec<(Vec<usize>, u64, f64)> {
    let n = table.records();
    let freq = |i: usize, level: usize, g: u32| -> f64 {
        (0..n)
            .filter(|r| table.hierarchies[i].levels[level][table.columns[i][*r] as usize] == g)
            .count() as f64
    };
    let mut nodes: Vec<Vec<usize>> = vec![vec![]];
    for h in table.hierarchies {
        nodes = nodes
            .into_iter()
            .flat_map(|node| {
                (0..h.height()).map(move |l| {
                    let mut next = node.clone();
                    next.push(l);
                    next
                })
            })
            .collect();
    }
    let everything: f64 = (0..n)
        .map(|r| {
            (0..table.columns.len())
                .map(|i| (n as f64 / freq(i, 0, table.columns[i][r])).log2())
                .sum::<f64>()
        })
        .sum();
    nodes
        .into_iter()
        .map(|levels| {
            let mut classes: BTreeMap<Vec<u32>, Vec<usize>> = BTreeMap::new();
            for r in 0..n {
                classes
                    .entry(generalized(table, &levels, r))
                    .or_default()
                    .push(r);
            }
            let mut suppressed = vec![false; n];
            for members in classes.values() {
                let diverse = params.l.is_none_or(|l| {
                    table.sensitive.iter().all(|s| {
                        let distinct: std::collections::BTreeSet<u32> =
                            members.iter().map(|r| s[*r]).collect();
                        distinct.len() >= l as usize
                    })
                });
                if (members.len() as u64) < params.k || !diverse {
                    for r in members {
                        suppressed[*r] = true;
                    }
                }
            }
            let mut loss = 0.0;
            for (r, gone) in suppressed.iter().enumerate() {
                for (i, l) in levels.iter().enumerate() {
                    let v = table.columns[i][r];
                    let f = freq(i, 0, v);
                    loss += if *gone {
                        (n as f64 / f).log2()
                    } else {
                        let g = table.hierarchies[i].levels[*l][v as usize];
                        (freq(i, *l, g) / f).log2()
                    };
                }
            }
            let count = suppressed.iter().filter(|s| **s).count() as u64;
            let loss = if everything > 0.0 {
                loss / everything
            } else {
                0.0
            };
            (levels, count, loss)
        })
        .collect()
}

#[allow(clippy::type_complexity)]
fn table_strategy() -> impl Strategy<Value = (Vec<Hierarchy>, Vec<Vec<u32>>, Vec<Vec<u32>>, Params)>
{
    (1usize..4, 0usize..50).prop_flat_map(|(qis, n)| {
        let column = (2u32..7).prop_flat_map(move |values| {
            (
                Just(values).prop_perturb(|v, mut rng| {
                    let mut order: Vec<u32> = (0..v).collect();
                    for i in (1..order.len()).rev() {
                        order.swap(i, rng.random_range(0..=i));
                    }
                    order
                }),
                prop::collection::vec(1u32..3, 0..3),
                prop::collection::vec(0..values, n),
            )
                .prop_map(move |(order, steps, data)| {
                    let mut divisors = Vec::new();
                    let mut d = 1;
                    for step in steps {
                        d *= step + 1;
                        divisors.push(d);
                    }
                    (hierarchy(values, &order, &divisors), data)
                })
        });
        (
            prop::collection::vec(column, qis),
            2u64..6,
            0u64..10,
            prop::option::of(2u32..4),
            prop::collection::vec(prop::collection::vec(0u32..4, n), 0..3),
        )
            .prop_map(|(cols, k, limit, l, sensitive)| {
                let (hierarchies, columns) = cols.into_iter().unzip();
                let params = Params {
                    k,
                    max_suppressed: limit,
                    l: l.filter(|_| !sensitive.is_empty()),
                };
                (hierarchies, columns, sensitive, params)
            })
    })
}

proptest! {
    #[test]
    fn the_result_is_k_anonymous_within_the_limit_and_no_node_loses_less(
        (hierarchies, columns, sensitive, params) in table_strategy()
    ) {
        let table = Table { columns: &columns, hierarchies: &hierarchies, sensitive: &sensitive };
        let n = table.records() as u64;
        let reference = brute_force(&table, params);
        let feasible = reference.iter().filter(|(_, s, _)| *s <= params.max_suppressed);
        let least = feasible.clone().map(|(_, _, loss)| *loss).fold(f64::INFINITY, f64::min);
        match anonymize(&table, params) {
            Err(Refusal::KAboveRecords { .. }) => prop_assert!(n > 0 && params.k > n),
            Err(Refusal::NotReached { closest }) => {
                prop_assert!(params.l.is_some(), "k alone is always reachable");
                prop_assert_eq!(feasible.count(), 0, "a feasible node was missed");
                let fewest = reference.iter().map(|(_, s, _)| *s).min();
                prop_assert_eq!(Some(closest.suppressed), fewest);
            }
            Err(other) => prop_assert!(false, "refused: {other}"),
            Ok(solution) => {
                prop_assert!(n == 0 || params.k <= n);
                let flagged = solution.suppressed.iter().filter(|s| **s).count() as u64;
                prop_assert_eq!(flagged, solution.best.suppressed);
                prop_assert!(solution.best.suppressed <= params.max_suppressed);
                if let Some(smallest) = smallest_kept_class(&table, &solution) {
                    prop_assert!(smallest >= params.k, "a class of {} under k = {}", smallest, params.k);
                }
                if n > 0 {
                    // The reference agrees on the chosen node, and none loses less.
                    let (_, s, loss) = reference.iter().find(|(l, _, _)| *l == solution.best.levels).expect("a node");
                    prop_assert_eq!(*s, solution.best.suppressed);
                    prop_assert!((loss - solution.best.loss).abs() < 1e-9, "{} vs {}", loss, solution.best.loss);
                    prop_assert!(least >= solution.best.loss - 1e-9, "a node loses {} < {}", least, solution.best.loss);
                }
            }
        }
    }
}
