#!/usr/bin/env python3
"""Makes the two subset fonts in this folder from Debian's fonts-noto-cjk.

Needs: apt-get install fonts-noto-cjk; pip install fonttools.
Run:  python3 subset.py DIVISIONS  (DIVISIONS: the folder of the national division table,
provinces.csv … villages.csv.gz, as published with the data set the demo's regions come from)

The subset holds GB 2312 (every character of its 87 rows), every character of the national
division names (data/china-division, so every province to village name sets), ASCII, full-width
forms, circled numbers and the punctuation documents use.
"""
import gzip
import pathlib
import subprocess
import sys

here = pathlib.Path(__file__).resolve().parent
if len(sys.argv) != 2:
    sys.exit("usage: subset.py DIVISIONS (the folder holding provinces.csv … villages.csv.gz)")
data = pathlib.Path(sys.argv[1])
chars = set()
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for name in ["provinces.csv", "cities.csv", "areas.csv", "streets.csv"]:
    chars.update((data / name).read_text(encoding="utf-8"))
chars.update(gzip.open(data / "villages.csv.gz", "rt", encoding="utf-8").read())
chars.update(chr(c) for c in range(0x20, 0x7F))
chars.update(chr(c) for c in range(0xFF01, 0xFF5F))
chars.update(chr(c) for c in range(0x2460, 0x2474))
chars.update("，。、；：？！“”‘’（）《》【】〔〕—…·★☆○●◎×√％～")
chars -= set("\r\n\t")
text = here / "chars.txt"
text.write_text("".join(sorted(chars)), encoding="utf-8")
noto = pathlib.Path("/usr/share/fonts/opentype/noto")
for source, target in [
    ("NotoSerifCJK-Regular.ttc", "NotoSerifCJK-SC-Regular-subset.otf"),
    ("NotoSansCJK-Bold.ttc", "NotoSansCJK-SC-Bold-subset.otf"),
]:
    # Font 2 of each collection is the Simplified Chinese one.
    subprocess.run(
        ["pyftsubset", str(noto / source), "--font-number=2", f"--text-file={text}",
         f"--output-file={here / target}", "--no-hinting"],
        check=True,
    )
text.unlink()
print(f"{len(chars)} characters")
