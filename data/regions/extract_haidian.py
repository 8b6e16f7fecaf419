"""Regenerates haidian-xueyuanlu.csv: 海淀区学院路街道 (110108010) and every community in it, with
the street's ancestors (北京市, 市辖区, 海淀区), from the shared division data. It is the demo's
second district, matching the OpenStreetMap extract of 学院路 the 15-minute circle is shown on.

Usage: python3 extract_haidian.py [SHARED_DATA_DIR]   (default: ../../../shared/data beside this file)

Reads only china-division/{provinces,cities,areas,streets}.csv and villages.csv.gz (NBS 2023 codes)
and writes code,name,level,parent,urban_rural with 12-digit codes, sorted by code. Names are copied
unchanged; urban_rural stays empty (adcode-urcode has no Beijing files). Every assumption about the
sources is checked and the script stops if one fails.
"""

import csv
import gzip
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../shared/data")
STREET = "110108010"
WANTED = {
    "provinces.csv": ("province", STREET[:2], None),
    "cities.csv": ("city", STREET[:4], "provinceCode"),
    "areas.csv": ("district", STREET[:6], "cityCode"),
    "streets.csv": ("street", STREET, "areaCode"),
}


def fail(message):
    sys.exit("extract_haidian.py: " + message)


def rows(name):
    path = os.path.join(BASE, "china-division", name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def pad(code):
    return code + "0" * (12 - len(code))


out = []
for name, (level, code, parent_col) in WANTED.items():
    found = [r for r in rows(name) if r["code"] == code]
    if len(found) != 1:
        fail(f"{name}: {len(found)} rows with code {code}")
    r = found[0]
    parent = pad(r[parent_col]) if parent_col else ""
    if parent_col and not code.startswith(r[parent_col]):
        fail(f"{name}: {code}'s parent {r[parent_col]} is not its prefix")
    out.append((pad(code), r["name"], level, parent, ""))
communities = [r for r in rows("villages.csv.gz") if r["streetCode"] == STREET]
if not communities:
    fail("no communities in " + STREET)
for r in communities:
    code = r["code"]
    if len(code) != 12 or not code.isdigit() or not code.startswith(STREET):
        fail(f"villages.csv.gz: code {code!r} is not a 12-digit code inside {STREET}")
    out.append((code, r["name"], "community", pad(STREET), ""))
out.sort()
if len({row[0] for row in out}) != len(out):
    fail("a code appears twice")
with open(os.path.join(HERE, "haidian-xueyuanlu.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name", "level", "parent", "urban_rural"])
    w.writerows(out)
print(f"haidian-xueyuanlu.csv: {len(out)} rows ({len(communities)} communities)")
