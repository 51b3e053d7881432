"""Issue 22 (7): data sets with high-cardinality categoricals, derived from the shared ames_housing, for bench/learners.ts.
ames_hc: two crossed columns (Neighborhood x Bldg_Type, 73 levels; Neighborhood x House_Style, 108 levels) and three numeric
columns, with the skewed Sale_Price target; ames_hc_full: all of ames plus Neighborhood x House_Style and MS_SubClass x
Exterior_1st (123 levels). Run: /usr/bin/python3 bench/make_high_cardinality.py OUT, then
DATASETS=OUT LEARNERS=gbdt node --import tsx bench/learners.ts"""
import json, os, sys
import pandas as pd

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
d = pd.read_csv(os.path.join(here, "..", "..", "shared", "datasets", "ames_housing.csv"))
nbhd_bldg = d["Neighborhood"] + "|" + d["Bldg_Type"]
nbhd_style = d["Neighborhood"] + "|" + d["House_Style"]
subclass_ext = d["MS_SubClass"] + "|" + d["Exterior_1st"]
pd.DataFrame({"nbhd_bldg": nbhd_bldg, "nbhd_style": nbhd_style, "Gr_Liv_Area": d.Gr_Liv_Area, "Year_Built": d.Year_Built, "Lot_Area": d.Lot_Area, "Sale_Price": d.Sale_Price}).to_csv(os.path.join(out, "ames_hc.csv"), index=False)
full = d.copy()
full["nbhd_style"] = nbhd_style
full["subclass_ext"] = subclass_ext
full.to_csv(os.path.join(out, "ames_hc_full.csv"), index=False)
json.dump([{"name": n, "file": n + ".csv", "target": "Sale_Price", "task": "regression"} for n in ("ames_hc", "ames_hc_full")], open(os.path.join(out, "datasets.json"), "w"), indent=1)
print("levels:", nbhd_bldg.nunique(), nbhd_style.nunique(), subclass_ext.nunique())
