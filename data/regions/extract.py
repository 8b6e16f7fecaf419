"""Regenerates wenzhou.csv from the shared division data (nothing is downloaded).

Usage: python3 extract.py [SHARED_DATA_DIR]   (default: ../../../shared/data)
Reads china-division/*.csv(.gz) (NBS 2023 codes) and adcode-urcode/adcode/3303*.csv (urban/rural
class codes, 2016) and writes every division of 温州市 (3303) with 12-digit codes.
"""
import csv, glob, gzip, io, os, sys

base = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../shared/data")
div = os.path.join(base, "china-division")
CITY = "3303"

def rows(name):
    path = os.path.join(div, name)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from csv.DictReader(f)

def pad(code):
    return code + "0" * (12 - len(code))

ur = {}
for path in glob.glob(os.path.join(base, "adcode-urcode/adcode", CITY + "*.csv")):
    with open(path, encoding="utf-8") as f:
        for r in csv.reader(f):
            if len(r) > 8 and r[8]:
                ur[r[0]] = r[8]

out = []
for r in rows("provinces.csv"):
    if r["code"] == CITY[:2]:
        out.append((pad(r["code"]), r["name"], "province", ""))
for r in rows("cities.csv"):
    if r["code"] == CITY:
        out.append((pad(r["code"]), r["name"], "city", pad(r["provinceCode"])))
for r in rows("areas.csv"):
    if r["cityCode"] == CITY:
        out.append((pad(r["code"]), r["name"], "district", pad(r["cityCode"])))
for r in rows("streets.csv"):
    if r["cityCode"] == CITY:
        out.append((pad(r["code"]), r["name"], "street", pad(r["areaCode"])))
for r in rows("villages.csv.gz"):
    if r["cityCode"] == CITY:
        out.append((r["code"], r["name"], "community", pad(r["streetCode"])))

out.sort()
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["code", "name", "level", "parent", "urban_rural"])
for code, name, level, parent in out:
    w.writerow([code, name, level, parent, ur.get(code, "")])
with open(os.path.join(os.path.dirname(__file__) or ".", "wenzhou.csv"), "w", encoding="utf-8") as f:
    f.write(buf.getvalue())
counts = {}
for _, _, level, _ in out:
    counts[level] = counts.get(level, 0) + 1
print(len(out), counts, "with urban/rural code:", sum(1 for r in out if r[0] in ur))
