"""Regenerates wenzhou.csv (every division of 温州市, code prefix 3303) from the shared data.

Usage: python3 extract.py [SHARED_DATA_DIR]     (default: ../../../shared/data beside this file)

Reads only local files and downloads nothing:
  china-division/{provinces,cities,areas,streets}.csv and villages.csv.gz  (NBS 2023 codes)
  adcode-urcode/adcode/3303*.csv                                          (ur_code, NBS 2016)
and writes wenzhou.csv next to this script: code,name,level,parent,urban_rural, 12-digit codes,
sorted by code. Names are copied unchanged. Every assumption about the sources is checked and the
script stops if one fails.
"""

import csv
import glob
import gzip
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../shared/data")
CITY = "3303"
PROVINCE = CITY[:2]

# file, level, digits of its codes, the column naming the parent, the ancestor columns
FILES = [
    ("provinces.csv", "province", 2, None, {}),
    ("cities.csv", "city", 4, "provinceCode", {"provinceCode": 2}),
    ("areas.csv", "district", 6, "cityCode", {"cityCode": 4, "provinceCode": 2}),
    ("streets.csv", "street", 9, "areaCode", {"areaCode": 6, "provinceCode": 2, "cityCode": 4}),
    (
        "villages.csv.gz",
        "community",
        12,
        "streetCode",
        {"streetCode": 9, "provinceCode": 2, "cityCode": 4, "areaCode": 6},
    ),
]
UR_CODES = {"111", "112", "121", "122", "123", "210", "220"}


def rows(name):
    path = os.path.join(BASE, "china-division", name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def pad(code):
    return code + "0" * (12 - len(code))


def fail(message):
    sys.exit("extract.py: " + message)


# The urban/rural class code of each village-level unit of 温州 in the 2016 release.
ur, ur_name = {}, {}
for path in sorted(glob.glob(os.path.join(BASE, "adcode-urcode", "adcode", CITY + "*.csv"))):
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.reader(f):
            code, name, level, ur_code = r[0], r[2], r[3], r[8]
            if len(code) != 12 or not code.isdigit():
                fail(f"{path}: code {code!r} is not 12 digits")
            if level == "village":
                if ur_code not in UR_CODES:
                    fail(f"{path}: {code} has urban/rural code {ur_code!r}")
                ur[code], ur_name[code] = ur_code, name
            elif ur_code:
                fail(f"{path}: {code} ({level}) has an urban/rural code")
if not ur:
    fail("no adcode-urcode files for " + CITY)

out = []
for name, level, digits, parent_col, ancestors in FILES:
    for r in rows(name):
        code = r["code"]
        # Every code in the file has the length of its level (checked before padding).
        if len(code) != digits or not code.isdigit():
            fail(f"{name}: code {code!r} is not {digits} digits")
        for col, n in ancestors.items():
            if r[col] != code[:n]:
                fail(f"{name}: {code} has {col} {r[col]!r}")
        if not code.startswith(PROVINCE if level == "province" else CITY):
            continue
        parent = pad(r[parent_col]) if parent_col else ""
        out.append((pad(code), r["name"], level, parent))

out.sort()
codes = [row[0] for row in out]
if len(set(codes)) != len(codes):
    fail("two divisions have the same 12-digit code")
known = set(codes)
for code, _, level, parent in out:
    if level != "province" and parent not in known:
        fail(f"the parent {parent} of {code} is not in the output")
    if parent == code:
        fail(f"{code} pads to its parent's code")

buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["code", "name", "level", "parent", "urban_rural"])
for code, name, level, parent in out:
    w.writerow([code, name, level, parent, ur.get(code, "") if level == "community" else ""])
with open(os.path.join(HERE, "wenzhou.csv"), "w", encoding="utf-8", newline="") as f:
    f.write(buf.getvalue())

counts = {}
for _, _, level, _ in out:
    counts[level] = counts.get(level, 0) + 1
joined = [(c, n) for c, n, level, _ in out if level == "community" and c in ur]
renamed = [(c, n, ur_name[c]) for c, n in joined if n != ur_name[c]]
print(len(out), "rows:", counts)
print("with an urban/rural code:", len(joined), "of", counts.get("community", 0))
print("of those, 2016 name differs from the 2023 name:", len(renamed))
for code, new, old in renamed:
    print(f"  {code} {new} (2016: {old})")
