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
//! Categorical splits: a feature split on categories gets one more column, holding the row's
//! category (`c`, the value truncated toward zero) when it can be in some split's bitset, and
//! one past every bitset otherwise (NaN, negative, beyond the last word of every set), so it
//! goes right everywhere, as LightGBM sends it. A categorical node stores the index of its
//! bitset (plus one) in the bound field, below every numerical bound (those are above
//! `BOUND_FIELD - 65_536`) and above a leaf's 0; the trees that have such nodes are walked with
//! a step that looks the category up in the node's bitset, and the others with the plain step.
//!
//! Indices are tree-relative and every tree is read through a fixed window of `WINDOW` entries,
//! and a row's codes through a fixed array of `CODE_STRIDE` entries, so the walk indexes with
//! masks the compiler can see are in bounds: no bounds check in the inner loop, and no
//! `unsafe`.

use super::tree::{
    snap_to_zero, MissingType, TreeArrays, CATEGORICAL_MASK, DEFAULT_LEFT_MASK, ZERO_THRESHOLD,
};

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
    /// The categorical column (`SINK` when no node splits on the feature's categories).
    category_column: u16,
    /// One past the highest category any of the feature's bitsets can hold: the code of every
    /// value that goes right at each of its categorical nodes.
    category_high: u16,
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
    /// Per group of `by_depth`, whether one of its trees has a categorical node.
    group_categorical: Vec<bool>,
    /// Per tree, whether it has a categorical node (and needs the categorical step).
    categorical: Vec<bool>,
    /// Each categorical node's bitset as (first word in `category_words`, words).
    category_sets: Vec<(u32, u32)>,
    category_words: Vec<u32>,
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
/// Bound fields below this (and above 0) are categorical nodes' bitset indices plus one.
const CATEGORY_SET_LIMIT: u32 = (1 << 24) - (1 << 16);
type Window = [u64; WINDOW];

std::thread_local! {
    /// The leaves of one row, one per tree, kept from call to call on each thread so that
    /// scoring a single row neither allocates nor clears a buffer.
    static LEAVES: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Forest {
    pub fn build(trees: &[TreeArrays], num_features: usize) -> Option<Forest> {
        if trees
            .iter()
            .any(|tree| 2 * tree.num_leaves - 1 > WINDOW || tree.linear.is_some())
        {
            return None;
        }
        // Columns and thresholds.
        let mut thresholds: Vec<Vec<f64>> = vec![Vec::new(); num_features];
        let mut used = vec![[false; RULES]; num_features];
        // Per feature, the most words of any of its bitsets, and whether it has one.
        let mut category_words = vec![0usize; num_features];
        let mut categorical_used = vec![false; num_features];
        for tree in trees {
            for node in 0..tree.num_nodes() {
                let feature = tree.split_feature[node] as usize;
                if tree.decision_type[node] & CATEGORICAL_MASK != 0 {
                    categorical_used[feature] = true;
                    category_words[feature] =
                        category_words[feature].max(tree.category_set(node).len());
                    continue;
                }
                thresholds[feature].push(tree.threshold[node]);
                used[feature][Rule::of(tree.decision_type[node]) as usize] = true;
            }
        }
        // Categories below `u16::MAX`, so that one past them is still a code.
        if category_words
            .iter()
            .any(|&words| words * 32 >= u16::MAX as usize)
        {
            return None;
        }
        let columns_used: usize = used.iter().flatten().filter(|&&u| u).count()
            + categorical_used.iter().filter(|&&u| u).count();
        if columns_used > SINK as usize {
            return None;
        }
        let mut coders = Vec::new();
        let mut next_column = 0u16;
        for (feature, mut list) in thresholds.into_iter().enumerate() {
            if list.is_empty() && !categorical_used[feature] {
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
            let category_column = if categorical_used[feature] {
                next_column += 1;
                next_column - 1
            } else {
                SINK
            };
            coders.push(FeatureCoder {
                feature,
                zero_code: 1 + list.partition_point(|&t| t < 0.0) as u16,
                high: list.len() as u16 + 1,
                thresholds: list,
                columns,
                category_column,
                category_high: (category_words[feature] * 32) as u16,
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
        let mut category_sets = Vec::new();
        let mut all_category_words = Vec::new();
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
                    let children = nodes.len();
                    let (column, bound) = if tree.decision_type[node] & CATEGORICAL_MASK != 0 {
                        let set = tree.category_set(node);
                        category_sets.push((all_category_words.len() as u32, set.len() as u32));
                        all_category_words.extend_from_slice(set);
                        let bound = category_sets.len() as u64;
                        if bound >= u64::from(CATEGORY_SET_LIMIT) {
                            return None;
                        }
                        (u64::from(coder.category_column), bound)
                    } else {
                        let threshold = tree.threshold[node];
                        let code = 1 + coder.thresholds.partition_point(|&t| t < threshold) as u64;
                        let rule = Rule::of(tree.decision_type[node]) as usize;
                        (u64::from(coder.columns[rule]), BOUND_FIELD - code)
                    };
                    nodes[entry] = column | bound << CODE_SHIFT | ((children - root) as u64) << 32;
                    nodes.extend([0, 0]);
                    values.extend([0.0, 0.0]);
                    queue.push_back((tree.left_child[node], children, level + 1));
                    queue.push_back((tree.right_child[node], children + 1, level + 1));
                }
            }
            depths.push(depth);
        }
        nodes.resize(nodes.len() + WINDOW, 0);
        let categorical: Vec<bool> = trees
            .iter()
            .map(TreeArrays::has_categorical_splits)
            .collect();
        let mut by_depth: Vec<u32> = (0..trees.len() as u32).collect();
        // Trees with categorical nodes together, so that most groups take the plain step.
        by_depth.sort_by_key(|&tree| (categorical[tree as usize], depths[tree as usize]));
        let group_categorical = by_depth
            .chunks(SINGLE_LANES)
            .map(|group| group.iter().any(|&tree| categorical[tree as usize]))
            .collect();
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
            group_categorical,
            categorical,
            category_sets,
            category_words: all_category_words,
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
            // LightGBM's `CategoricalDecision`: NaN and negative values go right, any other is
            // truncated toward zero; beyond every bitset is right as well.
            let category_high = u32::from(coder.category_high);
            let category = if nan {
                category_high
            } else {
                let truncated = snap_to_zero(x) as i32;
                if truncated < 0 {
                    category_high
                } else {
                    (truncated as u32).min(category_high)
                }
            };
            codes[usize::from(coder.category_column as u8)] = category << CODE_SHIFT;
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

    /// `step` for a tree with categorical nodes: a node whose bound field holds a bitset index
    /// looks the row's category up in it (left when its bit is set); other entries take the
    /// plain step.
    #[inline(always)]
    fn categorical_step(&self, tree: &Window, index: u32, codes: &Codes) -> u32 {
        let node = tree[index as usize & (WINDOW - 1)];
        let code = codes[usize::from(node as u8)];
        let bound = ((node >> CODE_SHIFT) as u32) & BOUND_FIELD as u32;
        if bound.wrapping_sub(1) < CATEGORY_SET_LIMIT - 1 {
            let category = code >> CODE_SHIFT;
            let (start, words) = self.category_sets[(bound - 1) as usize];
            let word = category / 32;
            let left = word < words
                && self
                    .category_words
                    .get((start + word) as usize)
                    .is_some_and(|bits| (bits >> (category % 32)) & 1 == 1);
            (node >> 32) as u32 + u32::from(!left)
        } else {
            ((node + u64::from(code)) >> 32) as u32
        }
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
        for (((group, &steps), roots), &categorical) in (&mut groups)
            .zip(&self.group_depths)
            .zip(&self.group_roots)
            .zip(&self.group_categorical)
        {
            let trees: [&Window; SINGLE_LANES] =
                std::array::from_fn(|lane| self.window(roots[lane]));
            let mut index = [0u32; SINGLE_LANES];
            if categorical {
                for _ in 0..steps {
                    for lane in 0..SINGLE_LANES {
                        index[lane] = self.categorical_step(trees[lane], index[lane], &codes);
                    }
                }
            } else {
                for _ in 0..steps {
                    for lane in 0..SINGLE_LANES {
                        index[lane] = Self::step(trees[lane], index[lane], &codes);
                    }
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
                index = if self.categorical[tree as usize] {
                    self.categorical_step(window, index, &codes)
                } else {
                    Self::step(window, index, &codes)
                };
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
            for ((&root, &steps), &categorical) in
                self.roots.iter().zip(&self.depths).zip(&self.categorical)
            {
                let tree = self.window(root);
                for (group, group_sums) in codes[..padded]
                    .chunks_exact(LANES)
                    .zip(sums.chunks_exact_mut(LANES))
                {
                    let mut index = [0u32; LANES];
                    if categorical {
                        for _ in 0..steps {
                            for lane in 0..LANES {
                                index[lane] =
                                    self.categorical_step(tree, index[lane], &group[lane]);
                            }
                        }
                    } else {
                        for _ in 0..steps {
                            for lane in 0..LANES {
                                index[lane] = Self::step(tree, index[lane], &group[lane]);
                            }
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
    pub(super) struct Rng(pub(super) u64);

    impl Rng {
        pub(super) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        pub(super) fn below(&mut self, n: usize) -> usize {
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

#[cfg(test)]
mod categorical_tests {
    use super::tests::Rng;
    use super::*;

    /// A chain-shaped tree whose nodes alternate between numerical splits and categorical ones
    /// with bitsets of 1 to 5 words over features 0 and 1.
    fn mixed_tree(rng: &mut Rng, nodes: usize) -> TreeArrays {
        let mut tree = TreeArrays {
            num_leaves: nodes + 1,
            leaf_value: (0..=nodes).map(|leaf| leaf as f64 * 0.5 - 2.0).collect(),
            leaf_count: vec![1; nodes + 1],
            internal_count: vec![1; nodes],
            cat_boundaries: vec![0],
            ..TreeArrays::default()
        };
        for node in 0..nodes {
            let feature = rng.below(3) as u32;
            tree.split_feature.push(feature);
            if feature < 2 && rng.below(3) > 0 {
                let words = 1 + rng.below(5);
                let set = tree.cat_boundaries.len() - 1;
                tree.cat_threshold
                    .extend((0..words).map(|_| rng.next() as u32));
                tree.cat_boundaries.push(tree.cat_threshold.len() as u32);
                tree.threshold.push(set as f64);
                tree.decision_type.push(1 | [0u8, 8, 10][rng.below(3)]);
            } else {
                tree.threshold.push((rng.below(41) as f64 - 20.0) / 4.0);
                tree.decision_type.push([0u8, 2, 4, 6, 8, 10][rng.below(6)]);
            }
            // Chain: the left child is the next node, the right one a leaf.
            tree.left_child.push(if node + 1 < nodes {
                node as i32 + 1
            } else {
                !(node as i32 + 1)
            });
            tree.right_child.push(!(node as i32));
        }
        tree
    }

    #[test]
    fn categorical_codes_take_the_same_leaves_as_lightgbms_rule() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let features = 3;
        let mut trees: Vec<TreeArrays> = (0..41)
            .map(|_| {
                let nodes = 1 + rng.below(12);
                mixed_tree(&mut rng, nodes)
            })
            .collect();
        trees.push(TreeArrays {
            num_leaves: 1,
            leaf_value: vec![0.25],
            ..TreeArrays::default()
        });
        for tree in &trees {
            assert!(tree.validate(features).is_ok(), "{tree:?}");
        }
        let forest = Forest::build(&trees, features).expect("fits the layout");
        let mut values: Vec<f64> = vec![
            f64::NAN,
            -0.5,
            -1.0,
            -1e-40,
            1e-40,
            0.0,
            0.9,
            2.7,
            31.0,
            32.0,
            159.0,
            160.0,
            1e6,
            2_147_483_648.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        values.extend((0..170).map(f64::from));
        values.extend((-20..=20).map(|t| f64::from(t) / 4.0));
        let rows: Vec<f64> = (0..4000 * features)
            .map(|_| values[rng.below(values.len())])
            .collect();
        let mut batch = vec![0.0; 4000];
        forest.raw_batch(&rows, features, &mut batch);
        for (row, batch_sum) in rows.chunks_exact(features).zip(&batch) {
            let expected = crate::tree::sum_of_leaves(&trees, row);
            assert_eq!(forest.raw(row).to_bits(), expected.to_bits(), "row {row:?}");
            assert_eq!(batch_sum.to_bits(), expected.to_bits(), "row {row:?}");
        }
    }
}
