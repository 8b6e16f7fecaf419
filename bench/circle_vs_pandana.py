#!/usr/bin/env python3
"""Nearest facility of each function for every node: xingfu vs pandana, same graph, same run.

    python3 bench/circle_vs_pandana.py [--osm FILE] [--runs 5] [--max-metres 1000] [--xingfu BIN]

1. `xingfu circle export-graph` writes the walking graph (nodes.csv, edges.csv) and the
   facilities snapped to their nodes (facilities.csv) from an OpenStreetMap extract.
2. pandana (pip install pandana) gets exactly that graph: the same nodes, the same undirected
   edges and lengths, the facilities placed on the coordinates of the very nodes xingfu snapped
   them to. Per run it reads the CSV files, builds the network (contraction hierarchies),
   precomputes ranges to the search distance, then for each function sets the facilities as
   POIs and asks nearest_pois for every node.
3. xingfu does the same from the same files: `xingfu bench circle --graph DIR` reads them,
   builds the graph, runs one multi-source Dijkstra per function (node to node, no access
   legs, as pandana) and writes every node's distances. It is timed as a whole process, from
   start to exit, by this script.
4. Every distance must be identical: pandana stores edge weights as integer millimetres
   (weight × 1000, truncated) and returns them as float32 metres; xingfu's lengths are integer
   millimetres, handed to pandana as metres that truncate back to the same integers, so the
   comparison is exact (after rounding pandana's float32 back to millimetres). Nodes farther
   than the search distance: pandana fills in the distance itself, xingfu leaves them empty.

Medians of --runs runs are reported with the ratio. Machine, versions and figures are printed
for docs/circle.md.
"""

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def find_xingfu(given):
    if given:
        return Path(given)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = target / "release" / "xingfu"
    print("building xingfu (release) …", file=sys.stderr)
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "xingfu-cli"], cwd=ROOT, check=True
    )
    return binary


class Quiet:
    """Silences pandana's C++ progress output (written straight to file descriptor 1)."""

    def __enter__(self):
        sys.stdout.flush()
        self.saved = os.dup(1)
        self.null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(self.null, 1)

    def __exit__(self, *exc):
        sys.stdout.flush()
        os.dup2(self.saved, 1)
        os.close(self.null)
        os.close(self.saved)


def machine():
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, load average {load}, Python {platform.python_version()}"


def pandana_weights(lengths_mm):
    """Metres that pandana turns back into the same integer millimetres (it truncates)."""
    import numpy as np

    mm = np.asarray(lengths_mm, dtype=np.int64)
    metres = mm / 1000.0
    short = np.trunc(metres * 1000.0) < mm
    metres[short] = np.nextafter(metres[short], np.inf)
    assert (np.trunc(metres * 1000.0).astype(np.int64) == mm).all()
    return metres


def run_pandana(graph_dir, functions, max_metres):
    import pandas as pd
    import pandana

    timings = {}
    start = time.perf_counter()
    nodes = pd.read_csv(graph_dir / "nodes.csv", index_col="node")
    edges = pd.read_csv(graph_dir / "edges.csv")
    facilities = pd.read_csv(graph_dir / "facilities.csv")
    weights = pandana_weights(edges["length_mm"])
    timings["read"] = time.perf_counter() - start

    t = time.perf_counter()
    with Quiet():
        net = pandana.Network(
            nodes["lon"], nodes["lat"], edges["from"], edges["to"],
            pd.DataFrame({"length": weights}), twoway=True,
        )
    timings["build"] = time.perf_counter() - t

    t = time.perf_counter()
    with Quiet():
        net.precompute(max_metres)
    timings["precompute"] = time.perf_counter() - t

    t = time.perf_counter()
    results = {}
    remapped = 0
    with Quiet():
        for function in functions:
            at = facilities.loc[facilities["function"] == function, "node"].drop_duplicates()
            x, y = nodes.loc[at, "lon"], nodes.loc[at, "lat"]
            net.set_pois(category=function, maxdist=max_metres, maxitems=1, x_col=x, y_col=y)
            # set_pois maps coordinates to nodes with a KD-tree; where two graph nodes share
            # coordinates it may pick the other one. Put the POIs on xingfu's nodes then, the
            # way set_pois itself ends, so both programs search from the same nodes.
            mapped = net.get_node_ids(x, y)
            wrong = int((mapped.values != at.values).sum())
            if wrong:
                remapped += wrong
                ids = pd.Series(at.values, index=at.values)
                net.poi_category_indexes[function] = ids.index
                net.net.initialize_category(
                    max_metres, 1, function.encode("utf-8"),
                    net._node_indexes(ids).to_numpy(dtype="int64", copy=False),
                )
            nearest = net.nearest_pois(distance=max_metres, category=function, num_pois=1)
            results[function] = nearest[1]
    timings["nearest"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - start
    return timings, results, remapped


def run_xingfu(binary, graph_dir, max_metres, out, runs=1):
    start = time.perf_counter()
    done = subprocess.run(
        [str(binary), "bench", "circle", "--graph", str(graph_dir), "--max-metres",
         str(max_metres), "--runs", str(runs), "--out", str(out)],
        check=True, capture_output=True, text=True,
    )
    wall = time.perf_counter() - start
    return wall, json.loads(done.stdout)


def compare(ours_csv, pandana_results, max_metres):
    cutoff_mm = max_metres * 1000
    with open(ours_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    checked = differ = reached = 0
    examples = []
    for function, series in pandana_results.items():
        column = f"{function}_mm"
        for row in rows:
            node = int(row["node"])
            ours = int(row[column]) if row[column] != "" else cutoff_mm
            theirs = int(round(float(series.loc[node]) * 1000.0))
            checked += 1
            reached += ours < cutoff_mm
            if ours != theirs:
                differ += 1
                if len(examples) < 10:
                    examples.append((function, node, ours, theirs))
    return checked, differ, reached, examples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", default=str(ROOT / "crates/xingfu-geo/tests/data/helsinki.osm.pbf"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--max-metres", type=int, default=1000,
                        help="search distance (default 1000 m: 15 minutes at 4 km/h)")
    parser.add_argument("--xingfu", help="the xingfu binary (default: build the release binary)")
    args = parser.parse_args()

    try:
        import pandana  # noqa: F401
    except ImportError:
        sys.exit("pandana is not installed: pip install pandana")
    from importlib.metadata import version

    binary = find_xingfu(args.xingfu)
    with tempfile.TemporaryDirectory() as tmp:
        graph_dir = Path(tmp) / "graph"
        subprocess.run(
            [str(binary), "--lang", "en", "circle", "export-graph", "--osm", args.osm,
             "--communities", "none", "--out", str(graph_dir)],
            check=True, capture_output=True,
        )
        with open(graph_dir / "facilities.csv", newline="") as f:
            functions = sorted({row["function"] for row in csv.DictReader(f)})
        with open(graph_dir / "nodes.csv") as f:
            node_count = sum(1 for _ in f) - 1
        with open(graph_dir / "edges.csv") as f:
            edge_count = sum(1 for _ in f) - 1

        ours_wall, ours_compute, theirs = [], [], []
        checks = None
        for run in range(args.runs):
            out = Path(tmp) / f"nearest-{run}.csv"
            wall, report = run_xingfu(binary, graph_dir, args.max_metres, out)
            ours_wall.append(wall)
            ours_compute.append(report["compute_ms_median"] / 1000.0)
            timings, results, remapped = run_pandana(graph_dir, functions, args.max_metres)
            theirs.append(timings)
            result = compare(out, results, args.max_metres) + (remapped,)
            checks = result if checks is None else checks
            if result[1]:
                break
        _, in_process = run_xingfu(binary, graph_dir, args.max_metres, Path(tmp) / "n.csv", runs=max(args.runs, 5))

    checked, differ, reached, examples, remapped = checks
    med = statistics.median
    pandana_total = med(t["total"] for t in theirs)
    pandana_no_precompute = med(t["total"] - t["precompute"] for t in theirs)
    ours_total = med(ours_wall)
    print(f"machine: {machine()}")
    print(f"pandana {version('pandana')}, numpy {version('numpy')}, pandas {version('pandas')}")
    print(f"extract: {Path(args.osm).name}: {node_count} nodes, {edge_count} edges, "
          f"functions {', '.join(functions)}; search distance {args.max_metres} m; "
          f"medians of {len(theirs)} runs")
    print(f"distances: {checked} compared ({reached} within {args.max_metres} m), {differ} differ")
    if remapped:
        print(f"({remapped} facility node(s) shared coordinates with another node: pandana's KD-tree "
              "picked the other, so those POIs were placed on xingfu's node directly)")
    for e in examples:
        print(f"  differs: {e}")
    print()
    print("| stage | pandana | xingfu |")
    print("|---|---|---|")
    print(f"| read CSV files | {med(t['read'] for t in theirs) * 1000:.1f} ms | "
          f"{in_process['load_ms']:.1f} ms (incl. graph build) |")
    print(f"| build network (pandana: contraction hierarchies) | {med(t['build'] for t in theirs) * 1000:.1f} ms | — |")
    print(f"| precompute({args.max_metres}) | {med(t['precompute'] for t in theirs) * 1000:.1f} ms | — |")
    print(f"| nearest facility, every node, {len(functions)} functions | "
          f"{med(t['nearest'] for t in theirs) * 1000:.1f} ms | {in_process['compute_ms_median']:.2f} ms |")
    print(f"| **total** (xingfu: whole process, start to exit, incl. writing the CSV) | "
          f"**{pandana_total * 1000:.1f} ms** | **{ours_total * 1000:.1f} ms** |")
    print()
    print(f"ratio (pandana total / xingfu whole process): {pandana_total / ours_total:.1f}x")
    print(f"ratio without pandana's precompute: {pandana_no_precompute / ours_total:.1f}x")
    print(f"ratio of the searches alone (nearest_pois / multi-source Dijkstra): "
          f"{med(t['nearest'] for t in theirs) * 1000 / in_process['compute_ms_median']:.0f}x")
    if differ:
        sys.exit(1)


if __name__ == "__main__":
    main()
