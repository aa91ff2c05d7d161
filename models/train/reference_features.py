"""An independent implementation of the next-basket features in polars, written from the
feature definitions (not from the Rust code): the peer that `check_features.py` compares the
Rust table with, column by column.

Usage: python reference_features.py DATA_DIR OUT_CSV
"""

import os
import sys

import polars as pl


def read(data, name, **kwargs):
    return pl.read_csv(os.path.join(data, name), **kwargs)


def group_stats(lines, products, key, names):
    """Aisle or department counts over every prior line; ranks over every known id."""
    known = products.select(pl.col(key)).drop_nulls().unique()
    if names is not None:
        known = pl.concat([known, names.select(pl.col(key))]).unique()
    stats = (
        lines.filter(pl.col(key).is_not_null())
        .group_by(key)
        .agg(
            total_orders=pl.col("order_id").n_unique(),
            line_count=pl.len(),
            reorder_lines=pl.col("is_reorder").sum(),
            unique_products=pl.col("product_id").n_unique(),
            unique_users=pl.col("user_id").n_unique(),
        )
    )
    table = known.join(stats, on=key, how="left").with_columns(
        pl.col("total_orders", "line_count", "reorder_lines", "unique_products", "unique_users")
        .fill_null(0)
    )
    table = table.sort(["total_orders", key], descending=[True, False]).with_row_index("rank", 1)
    prefix = key.removesuffix("_id")
    return table.select(
        pl.col(key),
        pl.col("total_orders").cast(pl.Float64).alias(f"{prefix}_total_orders"),
        pl.col("unique_products").cast(pl.Float64).alias(f"{prefix}_unique_products"),
        pl.col("unique_users").cast(pl.Float64).alias(f"{prefix}_unique_users"),
        (pl.col("reorder_lines").cast(pl.Float64) / pl.col("line_count").cast(pl.Float64))
        .alias(f"{prefix}_reorder_rate"),
        pl.col("rank").cast(pl.Float64).alias(f"{prefix}_popularity_rank"),
    )


def main():
    data, out = sys.argv[1], sys.argv[2]
    orders = read(data, "orders.csv", schema_overrides={"days_since_prior_order": pl.Float64})
    prior_lines = read(data, "order_products__prior.csv")
    train_lines = read(data, "order_products__train.csv")
    products = read(data, "products.csv", schema_overrides={
        "aisle_id": pl.Int64, "department_id": pl.Int64})
    departments_path = os.path.join(data, "departments.csv")
    aisles_path = os.path.join(data, "aisles.csv")
    departments = read(data, "departments.csv") if os.path.exists(departments_path) else None
    aisles = read(data, "aisles.csv") if os.path.exists(aisles_path) else None

    prior_orders = (
        orders.filter(pl.col("eval_set") == "prior")
        .sort(["user_id", "order_number"])
        .with_columns(pos=pl.col("order_number").rank("ordinal").over("user_id").cast(pl.Int64) - 1)
    )
    targets = orders.filter(pl.col("eval_set") == "train").select(
        "user_id",
        pl.col("order_id").alias("target_order_id"),
        pl.col("order_dow").alias("t_dow"),
        pl.col("order_hour_of_day").alias("t_hour"),
        pl.col("days_since_prior_order").alias("t_days"),
    )
    order_counts = prior_orders.group_by("user_id").agg(n=pl.len())

    lines = (
        prior_lines.join(prior_orders.select("order_id", "user_id", "pos"), on="order_id")
        .group_by("order_id", "user_id", "pos", "product_id")
        .agg(cart=pl.col("add_to_cart_order").min())
        .with_columns(
            is_reorder=(pl.col("pos") > pl.col("pos").min().over("user_id", "product_id")).cast(pl.Int64)
        )
        .join(products.select("product_id", "aisle_id", "department_id"), on="product_id", how="left")
    )

    # User features.
    line_stats = lines.group_by("user_id").agg(
        line_count=pl.len(),
        distinct=pl.col("product_id").n_unique(),
        reorders=pl.col("is_reorder").sum(),
        later_lines=(pl.col("pos") > 0).sum(),
    )
    recent = (
        lines.sort(["user_id", "pos", "cart"])
        .group_by("user_id")
        .agg(pl.col("is_reorder").tail(100).alias("recent"))
        .select(
            "user_id",
            exploration=(pl.col("recent").list.len() - pl.col("recent").list.sum()).cast(pl.Float64)
            / pl.col("recent").list.len().cast(pl.Float64),
        )
    )
    order_stats = prior_orders.group_by("user_id").agg(
        mean_gap=pl.col("days_since_prior_order").mean(),
        max_gap=pl.col("days_since_prior_order").max(),
        weekend=pl.col("order_dow").is_in([0, 1]).mean(),
        night=((pl.col("order_hour_of_day") >= 22) | (pl.col("order_hour_of_day") < 6)).mean(),
    )
    favorite_dow = (
        prior_orders.group_by("user_id", "order_dow").agg(c=pl.len())
        .sort(["user_id", "c", "order_dow"], descending=[False, True, False])
        .group_by("user_id", maintain_order=True).first()
        .select("user_id", favorite=pl.col("order_dow"))
    )
    peak_hour = (
        prior_orders.group_by("user_id", "order_hour_of_day").agg(c=pl.len())
        .group_by("user_id").agg(peak=pl.col("c").max())
    )
    n = pl.col("n").cast(pl.Float64)
    users = (
        order_counts.join(line_stats, on="user_id", how="left")
        .join(recent, on="user_id", how="left")
        .join(order_stats, on="user_id", how="left")
        .join(favorite_dow, on="user_id", how="left")
        .join(peak_hour, on="user_id", how="left")
        .select(
            "user_id", "n",
            user_total_orders=n,
            user_avg_basket_size=pl.col("line_count").cast(pl.Float64) / n,
            user_distinct_products=pl.col("distinct").cast(pl.Float64),
            user_reorder_ratio=pl.col("reorders").cast(pl.Float64) / pl.col("later_lines").cast(pl.Float64),
            user_exploration_score=pl.col("exploration"),
            user_avg_days_between_orders=pl.col("mean_gap"),
            user_max_gap=pl.col("max_gap"),
            user_is_weekly_shopper=(pl.col("mean_gap") <= 7).cast(pl.Float64),
            user_is_monthly_shopper=(pl.col("mean_gap") >= 28).cast(pl.Float64),
            user_weekend_ratio=pl.col("weekend"),
            user_favorite_dow=pl.col("favorite").cast(pl.Float64),
            user_peak_hour_ratio=pl.col("peak").cast(pl.Float64) / n,
            user_night_ratio=pl.col("night"),
        )
    )

    # Product features over every shopper's prior lines.
    per_user_product = lines.group_by("user_id", "product_id").agg(times=pl.len())
    product_stats = lines.group_by("product_id").agg(
        orders=pl.len(), reorders=pl.col("is_reorder").sum(), cart_sum=pl.col("cart").sum(),
        unique_users=pl.col("user_id").n_unique(),
    ).join(
        per_user_product.group_by("product_id").agg(repeat_users=(pl.col("times") >= 2).sum()),
        on="product_id",
    ).select(
        "product_id",
        product_order_count=pl.col("orders").cast(pl.Float64),
        product_reorder_rate=pl.col("reorders").cast(pl.Float64) / pl.col("orders").cast(pl.Float64),
        product_unique_users=pl.col("unique_users").cast(pl.Float64),
        product_repeat_user_ratio=pl.col("repeat_users").cast(pl.Float64)
        / pl.col("unique_users").cast(pl.Float64),
        product_avg_cart_position=pl.col("cart_sum").cast(pl.Float64) / pl.col("orders").cast(pl.Float64),
    )
    aisle_stats = group_stats(lines, products, "aisle_id", aisles)
    department_stats = group_stats(lines, products, "department_id", departments)

    # Days from each prior order position to the target: suffix sums of the gaps after it.
    suffix = (
        prior_orders.sort(["user_id", "pos"], descending=[False, True])
        .with_columns(
            after=pl.col("days_since_prior_order").fill_null(0.0).cum_sum().over("user_id"),
            unknown_after=pl.col("days_since_prior_order").is_null().cast(pl.Int64).cum_sum().over("user_id"),
        )
        .select("user_id", pos=pl.col("pos") - 1, after="after", unknown_after="unknown_after")
    )

    # User x product features.
    up = (
        lines.join(order_counts, on="user_id")
        .sort(["user_id", "product_id", "pos"], descending=[False, False, True])
        .with_columns(
            from_end=pl.col("n") - 1 - pl.col("pos"),
            rank_from_end=pl.col("pos").rank("ordinal", descending=True).over("user_id", "product_id") - 1,
        )
        .group_by("user_id", "product_id")
        .agg(
            up_orders=pl.len(),
            first_pos=pl.col("pos").min(),
            last_pos=pl.col("pos").max(),
            cart_mean=pl.col("cart").cast(pl.Float64).mean(),
            streak=(pl.col("from_end") == pl.col("rank_from_end")).sum(),
            n=pl.col("n").first(),
        )
        .join(suffix, left_on=["user_id", "last_pos"], right_on=["user_id", "pos"], how="left")
        .join(targets, on="user_id")
        .with_columns(
            days_between=pl.when(pl.col("unknown_after").fill_null(0) > 0).then(None)
            .otherwise(pl.col("after").fill_null(0.0) + pl.col("t_days")),
        )
        .select(
            "user_id", "product_id", "target_order_id", "t_dow", "t_hour", "t_days",
            up_orders=pl.col("up_orders").cast(pl.Float64),
            up_order_rate=pl.col("up_orders").cast(pl.Float64) / pl.col("n").cast(pl.Float64),
            up_orders_since_last=(pl.col("n") - 1 - pl.col("last_pos")).cast(pl.Float64),
            up_order_rate_since_first=pl.col("up_orders").cast(pl.Float64)
            / (pl.col("n") - pl.col("first_pos")).cast(pl.Float64),
            up_first_order_number=(pl.col("first_pos") + 1).cast(pl.Float64),
            up_avg_cart_position=pl.col("cart_mean"),
            up_streak=pl.col("streak").cast(pl.Float64),
            up_days_since_last=pl.col("days_between"),
        )
    )
    truth = train_lines.select(
        pl.col("order_id").alias("target_order_id"), "product_id", label=pl.lit(1, pl.Int64)
    ).unique()

    table = (
        up.join(truth, on=["target_order_id", "product_id"], how="left")
        .join(users, on="user_id")
        .join(product_stats, on="product_id", how="left")
        .join(products.select("product_id", "aisle_id", "department_id"), on="product_id", how="left")
        .join(aisle_stats, on="aisle_id", how="left")
        .join(department_stats, on="department_id", how="left")
        .with_columns(
            label=pl.col("label").fill_null(0),
            aisle_id=pl.col("aisle_id").cast(pl.Float64),
            department_id=pl.col("department_id").cast(pl.Float64),
            order_dow=pl.col("t_dow").cast(pl.Float64),
            order_hour_of_day=pl.col("t_hour").cast(pl.Float64),
            days_since_prior_order=pl.col("t_days"),
        )
        .sort(["user_id", "product_id"])
    )
    columns = [
        "user_total_orders", "user_avg_basket_size", "user_distinct_products", "user_reorder_ratio",
        "user_exploration_score", "user_avg_days_between_orders", "user_max_gap",
        "user_is_weekly_shopper", "user_is_monthly_shopper", "user_weekend_ratio",
        "user_favorite_dow", "user_peak_hour_ratio", "user_night_ratio",
        "product_order_count", "product_reorder_rate", "product_unique_users",
        "product_repeat_user_ratio", "product_avg_cart_position",
        "aisle_id", "aisle_total_orders", "aisle_unique_products", "aisle_unique_users",
        "aisle_reorder_rate", "aisle_popularity_rank",
        "department_id", "department_total_orders", "department_unique_products",
        "department_unique_users", "department_reorder_rate", "department_popularity_rank",
        "up_orders", "up_order_rate", "up_orders_since_last", "up_order_rate_since_first",
        "up_first_order_number", "up_avg_cart_position", "up_streak", "up_days_since_last",
        "order_dow", "order_hour_of_day", "days_since_prior_order",
    ]
    # Ratios of 0/0 are NaN in polars; the table writes every missing value as an empty field.
    table = table.select(
        "user_id", "product_id", "label",
        *[pl.when(pl.col(c).is_nan()).then(None).otherwise(pl.col(c)).alias(c) for c in columns],
    )
    table.write_csv(out, float_precision=None)
    print(f"reference table: {table.height} rows x {len(columns)} features -> {out}")


if __name__ == "__main__":
    main()
