//! The forest compiled for fast scoring with integer codes, exactly equivalent to LightGBM's
//! numerical decisions.
//!
//! Why: a node decision on raw `f64` values has to handle NaN, the zero band
//! (`|x| <= kZeroThreshold`) and the default side before comparing. Here each row is turned once
//! into small integer codes, and every node decision becomes one unsigned comparison:
//!
//! - per feature, the split thresholds used anywhere in the model are sorted and deduplicated
//!   (`t_0 < t_1 < ... < t_{m-1}`); an ordinary value `x` gets the code `1 + rank(x)`, with
//!   `rank(x)` the number of thresholds below `x`, and a node with threshold `t_k` stores `k + 1`;
//!   then `x <= t_k` iff `code <= k + 1` (the thresholds are distinct and sorted);
//! - the missing-value rules depend on the node's missing type and default side, so each
//!   feature has up to five coded columns, one per rule (see `Rule`): in a column the value
//!   that must take the default side gets code `0` (always left) or `m + 1` (always right), and
//!   zero and NaN read as `0.0` get the code of `0.0`. A node reads the column of its rule.
//!
//! Nodes are 8 bytes (`u64`: column in bits 0..8, `2^24 - 1 - (k + 1)` in bits 8..32, first child
//! in bits 32..64), breadth first, so that a split's two children are adjacent and the next
//! entry is `first_child + (code > k + 1)`, with no select and no comparison: codes are stored
//! shifted left by 8, and adding one to its node carries into the first child exactly when it
//! is above `k + 1`, so a step is a load, an add and a shift. A leaf is an entry whose children
//! are itself and whose bound field is 0, which no code carries out of, so a walk may take more
//! steps than its path is long without leaving its leaf: every walk of a tree takes exactly that
//! tree's depth in steps, with no data-dependent branch.
//!
//! Indices are tree-relative and every tree is read through a fixed window of `WINDOW` entries,
//! and a row's codes through a fixed array of `CODE_STRIDE` entries, so the walk indexes with
//! masks the compiler can see are in bounds: no bounds check in the inner loop, and no
//! `unsafe`.

use super::tree::{MissingType, TreeArrays, DEFAULT_LEFT_MASK, ZERO_THRESHOLD};

/// How a column codes the missing values for the nodes that read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Missing type None (NaN is read as 0.0) and NaN-type zero: compared like 0.0.
    Plain = 0,
    /// Missing type NaN, default left: NaN always left; zero compared like 0.0.
    NanLeft = 1,
    /// Missing type NaN, default right.
    NanRight = 2,
    /// Missing type Zero, default left: NaN and the zero band always left.
    ZeroLeft = 3,
    /// Missing type Zero, default right.
    ZeroRight = 4,
}

const RULES: usize = 5;

impl Rule {
    fn of(decision_type: u8) -> Rule {
        let default_left = decision_type & DEFAULT_LEFT_MASK != 0;
        match (MissingType::from_decision_type(decision_type), default_left) {
            (Some(MissingType::NaN), true) => Rule::NanLeft,
            (Some(MissingType::NaN), false) => Rule::NanRight,
            (Some(MissingType::Zero), true) => Rule::ZeroLeft,
            (Some(MissingType::Zero), false) => Rule::ZeroRight,
            _ => Rule::Plain,
        }
    }
}

/// One input feature as the coder sees it.
#[derive(Debug, Clone)]
struct FeatureCoder {
    /// Index of the feature in the row.
    feature: usize,
    /// Distinct split thresholds on this feature, ascending.
    thresholds: Vec<f64>,
    /// Code of 0.0: 1 + the number of thresholds below 0.0.
    zero_code: u16,
    /// m + 1: above every node's `k + 1`.
    high: u16,
    /// Column of each rule; `sink` when no node uses the rule.
    columns: [u16; RULES],
}

/// The compiled forest. `None` from `build` when a model is beyond this layout (a tree of more
/// than `WINDOW / 2` leaves, more than `CODE_STRIDE - 2` columns, more than 65,533 distinct
/// thresholds on one feature); the caller then walks the trees' own arrays.
#[derive(Debug, Clone)]
pub struct Forest {
    /// Entries of all trees, breadth first,
    /// `column | (BOUND_FIELD - (k + 1)) << CODE_SHIFT | first_child << 32` with `first_child`
    /// relative to the tree's root, followed by `WINDOW` entries of padding so that
    /// every tree's window is in bounds.
    nodes: Vec<u64>,
    /// The leaf value at each leaf entry (0.0 at split entries).
    values: Vec<f64>,
    /// Entry index of each tree's root.
    roots: Vec<u32>,
    /// Steps of each tree: its depth (0 for a single leaf).
    depths: Vec<u32>,
    /// The trees sorted by depth, so that the `LANES` trees a single row walks side by side
    /// take about as many steps each.
    by_depth: Vec<u32>,
    /// Per group of `SINGLE_LANES` trees of `by_depth`, the largest depth.
    group_depths: Vec<u32>,
    /// Per group of `SINGLE_LANES` trees of `by_depth`, the entry index of each tree's root.
    group_roots: Vec<[u32; SINGLE_LANES]>,
    coders: Vec<FeatureCoder>,
}

/// Independent walks interleaved: rows of a batch, or trees of a single row.
pub(crate) const LANES: usize = 8;
/// Trees of a single row walked side by side.
const SINGLE_LANES: usize = 16;
/// Rows coded and scored together in a batch.
const ROW_CHUNK: usize = 32;
/// Entries each tree is read through (a power of two): trees of up to `WINDOW / 2` leaves.
const WINDOW: usize = 4096;
/// Codes per row (a power of two): the columns, the sink for unused rules, the constant.
const CODE_STRIDE: usize = 256;
/// The column written for rules no node reads.
const SINK: u16 = (CODE_STRIDE - 1) as u16;

/// A row's codes, one per column, each stored shifted left by `CODE_SHIFT`, ready to be added
/// to an entry.
type Codes = [u32; CODE_STRIDE];
/// Where a code sits in the sum of entry and code: above the column byte.
const CODE_SHIFT: u32 = 8;
/// The entry field a split's bound is stored in: `BOUND_FIELD - (k + 1)` in bits 8..32, so that
/// adding a code shifted by `CODE_SHIFT` carries into bit 32 exactly when the code is above
/// `k + 1`.
const BOUND_FIELD: u64 = (1 << 24) - 1;
type Window = [u64; WINDOW];

std::thread_local! {
    /// The leaves of one row, one per tree, kept from call to call on each thread so that
    /// scoring a single row neither allocates nor clears a buffer.
    static LEAVES: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Forest {
    pub fn build(trees: &[TreeArrays], num_features: usize) -> Option<Forest> {
        if trees.iter().any(|tree| {
            2 * tree.num_leaves - 1 > WINDOW
                || tree.linear.is_some()
                || tree.has_categorical_splits()
        }) {
            return None;
        }
        // Columns and thresholds.
        let mut thresholds: Vec<Vec<f64>> = vec![Vec::new(); num_features];
        let mut used = vec![[false; RULES]; num_features];
        for tree in trees {
            for node in 0..tree.num_nodes() {
                let feature = tree.split_feature[node] as usize;
                thresholds[feature].push(tree.threshold[node]);
                used[feature][Rule::of(tree.decision_type[node]) as usize] = true;
            }
        }
        let columns_used: usize = used.iter().flatten().filter(|&&u| u).count();
        if columns_used > SINK as usize {
            return None;
        }
        let mut coders = Vec::new();
        let mut next_column = 0u16;
        for (feature, mut list) in thresholds.into_iter().enumerate() {
            if list.is_empty() {
                continue;
            }
            list.sort_by(|a, b| a.total_cmp(b));
            list.dedup_by(|a, b| a == b);
            // Codes run from 0 to m + 1; u16::MAX is the leaves' constant.
            if list.len() + 2 > u16::MAX as usize {
                return None;
            }
            let mut columns = [SINK; RULES];
            for (rule, column) in columns.iter_mut().enumerate() {
                if used[feature][rule] {
                    *column = next_column;
                    next_column += 1;
                }
            }
            coders.push(FeatureCoder {
                feature,
                zero_code: 1 + list.partition_point(|&t| t < 0.0) as u16,
                high: list.len() as u16 + 1,
                thresholds: list,
                columns,
            });
        }
        let mut coder_of = vec![None; num_features];
        for (index, coder) in coders.iter().enumerate() {
            coder_of[coder.feature] = Some(index);
        }

        let total: usize = trees.iter().map(|tree| 2 * tree.num_leaves - 1).sum();
        if total > u32::MAX as usize - WINDOW {
            return None;
        }
        let mut nodes = Vec::with_capacity(total + WINDOW);
        let mut values = Vec::with_capacity(total);
        let mut roots = Vec::with_capacity(trees.len());
        let mut depths = Vec::with_capacity(trees.len());
        for tree in trees {
            let root = nodes.len();
            roots.push(root as u32);
            let mut depth = 0u32;
            // Breadth first: each split's two children get two adjacent entries.
            // (child as in the arrays, its entry, depth)
            let mut queue = std::collections::VecDeque::from([(
                if tree.num_nodes() == 0 { -1 } else { 0 },
                root,
                0u32,
            )]);
            nodes.push(0);
            values.push(0.0);
            while let Some((child, entry, level)) = queue.pop_front() {
                let relative = (entry - root) as u64;
                depth = depth.max(level);
                if child < 0 {
                    // A leaf: its children are itself, and its bound field is 0, which no code
                    // carries out of.
                    nodes[entry] = relative << 32;
                    values[entry] = tree.leaf_value[!child as usize];
                } else {
                    let node = child as usize;
                    let feature = tree.split_feature[node] as usize;
                    let coder = &coders[coder_of[feature]?];
                    let threshold = tree.threshold[node];
                    let code = 1 + coder.thresholds.partition_point(|&t| t < threshold) as u64;
                    let column =
                        u64::from(coder.columns[Rule::of(tree.decision_type[node]) as usize]);
                    let children = nodes.len();
                    nodes[entry] = column
                        | (BOUND_FIELD - code) << CODE_SHIFT
                        | ((children - root) as u64) << 32;
                    nodes.extend([0, 0]);
                    values.extend([0.0, 0.0]);
                    queue.push_back((tree.left_child[node], children, level + 1));
                    queue.push_back((tree.right_child[node], children + 1, level + 1));
                }
            }
            depths.push(depth);
        }
        nodes.resize(nodes.len() + WINDOW, 0);
        let mut by_depth: Vec<u32> = (0..trees.len() as u32).collect();
        by_depth.sort_by_key(|&tree| depths[tree as usize]);
        let group_depths = by_depth
            .chunks(SINGLE_LANES)
            .map(|group| {
                group
                    .iter()
                    .map(|&tree| depths[tree as usize])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let group_roots = by_depth
            .chunks_exact(SINGLE_LANES)
            .map(|group| std::array::from_fn(|lane| roots[group[lane] as usize]))
            .collect();
        Some(Forest {
            nodes,
            values,
            roots,
            depths,
            by_depth,
            group_depths,
            group_roots,
            coders,
        })
    }

    /// Codes of one row.
    #[inline]
    fn encode(&self, row: &[f64], codes: &mut Codes) {
        for coder in &self.coders {
            let x = row[coder.feature];
            let nan = x.is_nan();
            let zero = x.abs() <= ZERO_THRESHOLD;
            let plain = if nan || zero {
                coder.zero_code
            } else {
                1 + coder.thresholds.partition_point(|&t| t < x) as u16
            };
            let high = coder.high;
            let [c_plain, c_nan_left, c_nan_right, c_zero_left, c_zero_right] =
                coder.columns.map(|column| usize::from(column as u8));
            let [plain, high] = [plain, high].map(|code| u32::from(code) << CODE_SHIFT);
            codes[c_plain] = plain;
            codes[c_nan_left] = if nan { 0 } else { plain };
            codes[c_nan_right] = if nan { high } else { plain };
            codes[c_zero_left] = if nan || zero { 0 } else { plain };
            codes[c_zero_right] = if nan || zero { high } else { plain };
        }
    }

    /// The window of entries starting at a tree's root.
    #[inline(always)]
    fn window(&self, root: u32) -> &Window {
        let start = root as usize;
        // In bounds by construction: the array ends with `WINDOW` entries of padding.
        self.nodes[start..start + WINDOW]
            .try_into()
            .unwrap_or(&[0; WINDOW])
    }

    /// One step of a walk: the next entry (tree-relative) from `index` for a row with `codes`.
    #[inline(always)]
    fn step(tree: &Window, index: u32, codes: &Codes) -> u32 {
        let node = tree[index as usize & (WINDOW - 1)];
        let code = u64::from(codes[usize::from(node as u8)]);
        // The carry out of the bound field is the step to the right child.
        ((node + code) >> 32) as u32
    }

    /// Sum of one row's leaves, in tree order. The trees are walked `SINGLE_LANES` at a time in
    /// order of depth; their leaves are kept per tree (in a buffer reused by the thread's next
    /// call) and added in tree order at the end.
    pub fn raw(&self, row: &[f64]) -> f64 {
        LEAVES.with(|leaves| {
            let mut leaves = leaves.borrow_mut();
            // Every entry is written below before it is read: no need to clear it.
            if leaves.len() < self.roots.len() {
                leaves.resize(self.roots.len(), 0.0);
            }
            self.raw_with(row, &mut leaves[..self.roots.len()])
        })
    }

    /// `raw` with `leaves` (one entry per tree) as the scratch space for the leaves.
    fn raw_with(&self, row: &[f64], leaves: &mut [f64]) -> f64 {
        let mut codes = [0u32; CODE_STRIDE];
        self.encode(row, &mut codes);
        let mut groups = self.by_depth.chunks_exact(SINGLE_LANES);
        for ((group, &steps), roots) in (&mut groups).zip(&self.group_depths).zip(&self.group_roots)
        {
            let trees: [&Window; SINGLE_LANES] =
                std::array::from_fn(|lane| self.window(roots[lane]));
            let mut index = [0u32; SINGLE_LANES];
            for _ in 0..steps {
                for lane in 0..SINGLE_LANES {
                    index[lane] = Self::step(trees[lane], index[lane], &codes);
                }
            }
            for lane in 0..SINGLE_LANES {
                leaves[group[lane] as usize] = self.values[(roots[lane] + index[lane]) as usize];
            }
        }
        for &tree in groups.remainder() {
            let root = self.roots[tree as usize];
            let window = self.window(root);
            let mut index = 0;
            for _ in 0..self.depths[tree as usize] {
                index = Self::step(window, index, &codes);
            }
            leaves[tree as usize] = self.values[(root + index) as usize];
        }
        let mut sum = 0.0;
        for leaf in leaves.iter() {
            sum += leaf;
        }
        sum
    }

    /// Sums of leaves of row-major `rows` (`num_features` values each) into `out`, in tree
    /// order.
    pub fn raw_batch(&self, rows: &[f64], num_features: usize, out: &mut [f64]) {
        let mut codes = vec![[0u32; CODE_STRIDE]; ROW_CHUNK];
        for (row_chunk, out_chunk) in rows
            .chunks(ROW_CHUNK * num_features)
            .zip(out.chunks_mut(ROW_CHUNK))
        {
            let count = out_chunk.len();
            // Rows past the end of a short chunk keep the codes they had: their walks stay in
            // their trees and their sums are dropped.
            let padded = count.div_ceil(LANES) * LANES;
            for (row, row_codes) in row_chunk.chunks_exact(num_features).zip(codes.iter_mut()) {
                self.encode(row, row_codes);
            }
            let mut sums = [0.0f64; ROW_CHUNK];
            for (&root, &steps) in self.roots.iter().zip(&self.depths) {
                let tree = self.window(root);
                for (group, group_sums) in codes[..padded]
                    .chunks_exact(LANES)
                    .zip(sums.chunks_exact_mut(LANES))
                {
                    let mut index = [0u32; LANES];
                    for _ in 0..steps {
                        for lane in 0..LANES {
                            index[lane] = Self::step(tree, index[lane], &group[lane]);
                        }
                    }
                    for (sum, lane) in group_sums.iter_mut().zip(index) {
                        *sum += self.values[(root + lane) as usize];
                    }
                }
            }
            out_chunk.copy_from_slice(&sums[..count]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so the test needs no extra crate.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const SPECIAL_THRESHOLDS: [f64; 8] = [
        0.0,
        -0.0,
        1e-36,
        -1e-36,
        ZERO_THRESHOLD,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.5,
    ];

    /// A random tree over `features` features with every decision type LightGBM writes.
    fn random_tree(rng: &mut Rng, leaves: usize, features: usize) -> TreeArrays {
        let nodes = leaves - 1;
        let mut tree = TreeArrays {
            num_leaves: leaves,
            split_feature: Vec::new(),
            threshold: Vec::new(),
            decision_type: Vec::new(),
            left_child: vec![0; nodes],
            right_child: vec![0; nodes],
            leaf_value: (0..leaves).map(|leaf| leaf as f64 * 0.25 - 1.0).collect(),
            leaf_count: vec![1; leaves],
            internal_count: vec![1; nodes],
            ..TreeArrays::default()
        };
        for _ in 0..nodes {
            tree.split_feature.push(rng.below(features) as u32);
            tree.threshold.push(if rng.below(3) == 0 {
                SPECIAL_THRESHOLDS[rng.below(SPECIAL_THRESHOLDS.len())]
            } else {
                (rng.below(41) as f64 - 20.0) / 8.0
            });
            tree.decision_type.push([0u8, 2, 4, 6, 8, 10][rng.below(6)]);
        }
        // Grow by splitting a random open leaf slot: node i's children are filled in order.
        let mut open: Vec<(usize, bool)> = vec![];
        let mut next_leaf = 0i32;
        for node in 0..nodes {
            if node > 0 {
                let (parent, left) = open.swap_remove(rng.below(open.len()));
                if left {
                    tree.left_child[parent] = node as i32;
                } else {
                    tree.right_child[parent] = node as i32;
                }
            }
            open.push((node, true));
            open.push((node, false));
        }
        for (parent, left) in open {
            let leaf = !next_leaf;
            next_leaf += 1;
            if left {
                tree.left_child[parent] = leaf;
            } else {
                tree.right_child[parent] = leaf;
            }
        }
        tree
    }

    #[test]
    fn codes_take_the_same_leaves_as_lightgbms_rule() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let features = 4;
        let mut trees: Vec<TreeArrays> = (0..37)
            .map(|_| {
                let leaves = 1 + rng.below(20);
                random_tree(&mut rng, leaves, features)
            })
            .collect();
        for tree in &trees {
            assert!(tree.validate(features).is_ok());
        }
        trees.push(random_tree(&mut rng, 1, features));
        let forest = Forest::build(&trees, features).expect("fits the layout");
        let mut values: Vec<f64> = vec![f64::NAN, 1e-40, -1e-40, 2e-35, -2e-35, 1e308, -1e308];
        for tree in &trees {
            for &t in &tree.threshold {
                values.extend([t, t.next_up(), t.next_down()]);
            }
        }
        let rows: Vec<f64> = (0..3000 * features)
            .map(|_| values[rng.below(values.len())])
            .collect();
        let mut batch = vec![0.0; 3000];
        forest.raw_batch(&rows, features, &mut batch);
        for (row, batch_sum) in rows.chunks_exact(features).zip(&batch) {
            let expected = crate::tree::sum_of_leaves(&trees, row);
            assert_eq!(forest.raw(row).to_bits(), expected.to_bits(), "row {row:?}");
            assert_eq!(batch_sum.to_bits(), expected.to_bits(), "row {row:?}");
        }
    }
}
