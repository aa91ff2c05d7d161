//! TreeSHAP (Lundberg et al., "Consistent Individualized Feature Attribution for Tree
//! Ensembles"), computed in the same order and with the same floating-point expressions as
//! LightGBM's `pred_contrib`, so the contributions match LightGBM bit for bit.
//!
//! The path weights come from the training-row counts stored with each tree (`leaf_count`,
//! `internal_count`); the branch a row takes is chosen by the prediction's decision rule.

use super::tree::TreeArrays;

/// One entry of the path of distinct features from the root to the current node.
#[derive(Debug, Clone, Copy, Default)]
pub struct PathElement {
    /// Feature index, or -1 for the root placeholder.
    feature_index: i64,
    zero_fraction: f64,
    one_fraction: f64,
    weight: f64,
}

/// Size of the path buffer a tree of this depth needs: (D+1)(D+2)/2.
pub fn path_buffer_len(max_depth: usize) -> usize {
    (max_depth + 1) * (max_depth + 2) / 2
}

/// A tree's expected value: its leaves weighted by the share of training rows they received,
/// summed in leaf order.
pub fn expected_value(tree: &TreeArrays) -> f64 {
    if tree.num_leaves <= 1 {
        return tree.leaf_value.first().copied().unwrap_or(0.0);
    }
    let total = tree.internal_count[0] as f64;
    let mut value = 0.0;
    for (count, leaf_value) in tree.leaf_count.iter().zip(&tree.leaf_value) {
        value += (*count as f64 / total) * leaf_value;
    }
    value
}

fn extend_path(
    path: &mut [PathElement],
    depth: usize,
    zero_fraction: f64,
    one_fraction: f64,
    feature_index: i64,
) {
    path[depth] = PathElement {
        feature_index,
        zero_fraction,
        one_fraction,
        weight: if depth == 0 { 1.0 } else { 0.0 },
    };
    let denominator = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].weight += one_fraction * path[i].weight * (i + 1) as f64 / denominator;
        path[i].weight = zero_fraction * path[i].weight * (depth - i) as f64 / denominator;
    }
}

fn unwind_path(path: &mut [PathElement], depth: usize, path_index: usize) {
    let one_fraction = path[path_index].one_fraction;
    let zero_fraction = path[path_index].zero_fraction;
    let mut next_one_portion = path[depth].weight;
    let depth_plus_one = (depth + 1) as f64;
    for i in (0..depth).rev() {
        if one_fraction != 0.0 {
            let previous = path[i].weight;
            path[i].weight = next_one_portion * depth_plus_one / ((i + 1) as f64 * one_fraction);
            next_one_portion =
                previous - path[i].weight * zero_fraction * (depth - i) as f64 / depth_plus_one;
        } else {
            path[i].weight =
                (path[i].weight * depth_plus_one) / (zero_fraction * (depth - i) as f64);
        }
    }
    for i in path_index..depth {
        path[i].feature_index = path[i + 1].feature_index;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

fn unwound_path_sum(path: &[PathElement], depth: usize, path_index: usize) -> f64 {
    let one_fraction = path[path_index].one_fraction;
    let zero_fraction = path[path_index].zero_fraction;
    let mut next_one_portion = path[depth].weight;
    let depth_plus_one = (depth + 1) as f64;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one_fraction != 0.0 {
            let share = next_one_portion * depth_plus_one / ((i + 1) as f64 * one_fraction);
            total += share;
            next_one_portion =
                path[i].weight - share * zero_fraction * ((depth - i) as f64 / depth_plus_one);
        } else {
            total += (path[i].weight / zero_fraction) / ((depth - i) as f64 / depth_plus_one);
        }
    }
    total
}

fn data_count(tree: &TreeArrays, index: i32) -> f64 {
    if index >= 0 {
        tree.internal_count[index as usize] as f64
    } else {
        tree.leaf_count[(!index) as usize] as f64
    }
}

/// Adds one tree's contributions for `row` into `phi` (one slot per feature). `buffer` must
/// hold at least `path_buffer_len(depth of this tree)` elements.
pub fn add_tree_contributions(
    tree: &TreeArrays,
    row: &[f64],
    phi: &mut [f64],
    buffer: &mut [PathElement],
) {
    if tree.num_leaves <= 1 {
        return;
    }
    recurse(tree, row, phi, buffer, 0, 0, 0, 1.0, 1.0, -1);
}

#[allow(clippy::too_many_arguments)]
fn recurse(
    tree: &TreeArrays,
    row: &[f64],
    phi: &mut [f64],
    buffer: &mut [PathElement],
    parent_start: usize,
    node: i32,
    mut depth: usize,
    parent_zero_fraction: f64,
    parent_one_fraction: f64,
    parent_feature_index: i64,
) {
    let start = parent_start + depth;
    if depth > 0 {
        buffer.copy_within(parent_start..parent_start + depth, start);
    }
    let path = &mut buffer[start..];
    extend_path(
        path,
        depth,
        parent_zero_fraction,
        parent_one_fraction,
        parent_feature_index,
    );

    if node < 0 {
        let leaf_value = tree.leaf_value[(!node) as usize];
        for i in 1..=depth {
            let weight = unwound_path_sum(path, depth, i);
            let element = path[i];
            phi[element.feature_index as usize] +=
                weight * (element.one_fraction - element.zero_fraction) * leaf_value;
        }
        return;
    }

    let index = node as usize;
    let feature = tree.split_feature[index];
    let hot = tree.next(index, row[feature as usize]);
    let cold = if hot == tree.left_child[index] {
        tree.right_child[index]
    } else {
        tree.left_child[index]
    };
    let weight = data_count(tree, node);
    let hot_zero_fraction = data_count(tree, hot) / weight;
    let cold_zero_fraction = data_count(tree, cold) / weight;
    let mut incoming_zero_fraction = 1.0;
    let mut incoming_one_fraction = 1.0;

    let feature_index = i64::from(feature);
    if let Some(path_index) = (0..=depth).find(|&i| path[i].feature_index == feature_index) {
        incoming_zero_fraction = path[path_index].zero_fraction;
        incoming_one_fraction = path[path_index].one_fraction;
        unwind_path(path, depth, path_index);
        depth -= 1;
    }

    recurse(
        tree,
        row,
        phi,
        buffer,
        start,
        hot,
        depth + 1,
        hot_zero_fraction * incoming_zero_fraction,
        incoming_one_fraction,
        feature_index,
    );
    recurse(
        tree,
        row,
        phi,
        buffer,
        start,
        cold,
        depth + 1,
        cold_zero_fraction * incoming_zero_fraction,
        0.0,
        feature_index,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stump on feature 0 (threshold 0.5, 3 rows left with value 1.0, 1 row right with 5.0).
    /// Worked by hand: expected value = 0.75*1 + 0.25*5 = 2; a row going left gets
    /// phi_0 = 1 - 2 = -1, a row going right gets 5 - 2 = 3.
    #[test]
    fn stump_contributions_worked_by_hand() {
        let tree = TreeArrays {
            num_leaves: 2,
            split_feature: vec![0],
            threshold: vec![0.5],
            decision_type: vec![8],
            left_child: vec![-1],
            right_child: vec![-2],
            leaf_value: vec![1.0, 5.0],
            leaf_count: vec![3, 1],
            internal_count: vec![4],
            ..TreeArrays::default()
        };
        assert_eq!(expected_value(&tree), 2.0);
        let mut buffer = vec![PathElement::default(); path_buffer_len(1)];
        let mut phi = vec![0.0; 2];
        add_tree_contributions(&tree, &[0.0, 9.0], &mut phi, &mut buffer);
        assert_eq!(phi, vec![-1.0, 0.0]);
        let mut phi = vec![0.0; 2];
        add_tree_contributions(&tree, &[1.0, 9.0], &mut phi, &mut buffer);
        assert_eq!(phi, vec![3.0, 0.0]);
    }
}
