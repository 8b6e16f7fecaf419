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
4. Two more baselines from the same files, in the same run: pandana without `precompute`
   (which `nearest_pois` does not need; it only speeds up repeated range queries), and SciPy's
   `csgraph.dijkstra(min_only=True)` with every facility of a function as a source: the same
   multi-source Dijkstra xingfu runs, so that column shows what the algorithm gives and what the
   implementation adds.
5. Every distance must be identical: pandana stores edge weights as integer millimetres
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


def run_pandana(graph_dir, functions, max_metres, precompute=True):
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
    if precompute:
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


def run_scipy(graph_dir, functions, max_metres):
    """Multi-source Dijkstra per function with SciPy (the algorithm xingfu runs), in-process."""
    import numpy as np
    import pandas as pd
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    timings = {}
    start = time.perf_counter()
    nodes = pd.read_csv(graph_dir / "nodes.csv")
    edges = pd.read_csv(graph_dir / "edges.csv")
    facilities = pd.read_csv(graph_dir / "facilities.csv")
    index = pd.Series(np.arange(len(nodes)), index=nodes["node"].to_numpy())
    rows = index.loc[edges["from"]].to_numpy()
    cols = index.loc[edges["to"]].to_numpy()
    # Integer millimetres as floats: sums stay exact far beyond any walking distance.
    graph = csr_matrix(
        (edges["length_mm"].to_numpy(dtype=np.float64), (rows, cols)),
        shape=(len(nodes), len(nodes)),
    )
    timings["read"] = time.perf_counter() - start

    t = time.perf_counter()
    results = {}
    for function in functions:
        sources = index.loc[facilities.loc[facilities["function"] == function, "node"].unique()]
        distances = dijkstra(graph, directed=False, indices=sources.to_numpy(),
                             min_only=True, limit=max_metres * 1000)
        results[function] = pd.Series(distances / 1000.0, index=nodes["node"].to_numpy())
    timings["nearest"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - start
    return timings, results


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
            value = float(series.loc[node])
            theirs = cutoff_mm if value == float("inf") else int(round(value * 1000.0))
            theirs = min(theirs, cutoff_mm)
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

        load_before = os.getloadavg()
        ours_wall, theirs, bare, same_algorithm = [], [], [], []
        checks = {}
        for run in range(args.runs):
            out = Path(tmp) / f"nearest-{run}.csv"
            wall, _ = run_xingfu(binary, graph_dir, args.max_metres, out)
            ours_wall.append(wall)
            for name, (timings, results) in {
                "pandana": run_pandana(graph_dir, functions, args.max_metres)[:2],
                "pandana without precompute":
                    run_pandana(graph_dir, functions, args.max_metres, precompute=False)[:2],
                "SciPy min_only Dijkstra": run_scipy(graph_dir, functions, args.max_metres),
            }.items():
                {"pandana": theirs, "pandana without precompute": bare,
                 "SciPy min_only Dijkstra": same_algorithm}[name].append(timings)
                result = compare(out, results, args.max_metres)
                checks.setdefault(name, result)
                if result[1]:
                    checks[name] = result
        _, in_process = run_xingfu(binary, graph_dir, args.max_metres, Path(tmp) / "n.csv", runs=max(args.runs, 5))
        load_after = os.getloadavg()

    med = statistics.median
    ours_total = med(ours_wall)
    ours_in_process = in_process["load_ms"] / 1000.0 + in_process["compute_ms_median"] / 1000.0
    print(f"machine: {machine()}")
    print("load average (1, 5, 15 min) before the runs "
          f"{', '.join(f'{x:.2f}' for x in load_before)}, after "
          f"{', '.join(f'{x:.2f}' for x in load_after)}")
    print(f"pandana {version('pandana')}, scipy {version('scipy')}, numpy {version('numpy')}, "
          f"pandas {version('pandas')}")
    print(f"extract: {Path(args.osm).name}: {node_count} nodes, {edge_count} edges, "
          f"functions {', '.join(functions)}; search distance {args.max_metres} m; "
          f"medians of {args.runs} runs")
    differ = 0
    for name, (checked, wrong, reached, examples) in checks.items():
        differ += wrong
        print(f"distances, xingfu against {name}: {checked} compared "
              f"({reached} within {args.max_metres} m), {wrong} differ")
        for e in examples:
            print(f"  differs: {e}")
    print()
    ms = lambda runs, key: f"{med(t[key] for t in runs) * 1000:.1f} ms"  # noqa: E731
    print("| stage | pandana | pandana, no precompute | SciPy min_only Dijkstra | xingfu |")
    print("|---|---|---|---|---|")
    print(f"| read CSV files, build the graph | {ms(theirs, 'read')} | {ms(bare, 'read')} | "
          f"{ms(same_algorithm, 'read')} | {in_process['load_ms']:.1f} ms |")
    print(f"| build network (contraction hierarchies) | {ms(theirs, 'build')} | {ms(bare, 'build')} | — | — |")
    print(f"| precompute({args.max_metres}) | {ms(theirs, 'precompute')} | — | — | — |")
    print(f"| nearest facility, every node, {len(functions)} functions | {ms(theirs, 'nearest')} | "
          f"{ms(bare, 'nearest')} | {ms(same_algorithm, 'nearest')} | "
          f"{in_process['compute_ms_median']:.2f} ms |")
    print(f"| **total in-process** | **{ms(theirs, 'total')}** | **{ms(bare, 'total')}** | "
          f"**{ms(same_algorithm, 'total')}** | **{ours_in_process * 1000:.1f} ms** |")
    print(f"| xingfu as a whole process, start to exit (incl. writing the CSV) | | | | "
          f"{ours_total * 1000:.1f} ms |")
    print()
    for name, runs in [("pandana", theirs), ("pandana without precompute", bare),
                       ("SciPy min_only Dijkstra", same_algorithm)]:
        total = med(t["total"] for t in runs)
        print(f"{name} / xingfu in-process: {total / ours_in_process:.1f}x; "
              f"/ xingfu whole process: {total / ours_total:.1f}x; searches alone: "
              f"{med(t['nearest'] for t in runs) * 1000 / in_process['compute_ms_median']:.1f}x")
    if differ:
        sys.exit(1)


if __name__ == "__main__":
    main()
