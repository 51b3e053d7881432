"""A command step in Python: reads the manifest Capstan wrote, adds a feature, writes the file output and a value output."""
import csv
import json
import os

manifest = json.load(open(os.environ["CAPSTAN_MANIFEST"]))
source = manifest["inputs"]["data"]["path"]
target = manifest["outputs"]["data"]["path"]
rows = 0
with open(source, newline="") as f, open(target, "w", newline="") as out:
    reader = csv.DictReader(f)
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames + ["charges_per_month"])
    writer.writeheader()
    for row in reader:
        tenure = float(row["tenure"] or 0)
        total = float(row["total_charges"] or 0)
        row["charges_per_month"] = round(total / max(tenure, 1.0), 4)
        writer.writerow(row)
        rows += 1
json.dump({"rows": rows}, open(manifest["values"], "w"))
print(f"added charges_per_month to {rows} rows")
