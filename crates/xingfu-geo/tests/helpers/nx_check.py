#!/usr/bin/env python3
"""Independent check of xingfu-geo's nearest-facility distances with networkx.

Usage: nx_check.py GRAPH_DIR NEAREST_CSV [--access] [--cutoff-mm N]

GRAPH_DIR holds nodes.csv, edges.csv and facilities.csv as written by `xingfu circle
export-graph`; NEAREST_CSV has `node` and one `<function>_mm` column per function (empty where
no facility is within reach). For every function column, networkx computes the distance from
every node to the nearest facility of that function on the same graph (integer millimetre edge
weights, so sums are exact) and every node must match exactly. With --access each facility's
straight access leg (access_mm) is added at its start, as the coverage analysis does; without
it, distances are node to node, as pandana computes them.

Exit status: 0 all equal, 1 differences (listed), 2 bad input, 3 networkx missing.
"""

import csv
import sys


def main(argv):
    try:
        import networkx as nx
    except ImportError:
        print(
            "networkx is not installed, so the independent check cannot run: pip install networkx",
            file=sys.stderr,
        )
        return 3

    args = list(argv)
    access = "--access" in args
    if access:
        args.remove("--access")
    cutoff = None
    if "--cutoff-mm" in args:
        i = args.index("--cutoff-mm")
        cutoff = int(args[i + 1])
        del args[i : i + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    graph_dir, nearest_path = args

    graph = nx.Graph()
    with open(f"{graph_dir}/nodes.csv", newline="") as f:
        for row in csv.DictReader(f):
            graph.add_node(int(row["node"]))
    with open(f"{graph_dir}/edges.csv", newline="") as f:
        for row in csv.DictReader(f):
            a, b, w = int(row["from"]), int(row["to"]), int(row["length_mm"])
            # Parallel edges keep the shortest, as the Rust graph does.
            if graph.has_edge(a, b):
                w = min(w, graph[a][b]["weight"])
            graph.add_edge(a, b, weight=w)

    sources = {}
    with open(f"{graph_dir}/facilities.csv", newline="") as f:
        for row in csv.DictReader(f):
            node, leg = int(row["node"]), int(row["access_mm"])
            starts = sources.setdefault(row["function"], {})
            starts[node] = min(leg, starts.get(node, leg)) if access else 0

    with open(nearest_path, newline="") as f:
        reader = csv.DictReader(f)
        columns = [c for c in reader.fieldnames if c.endswith("_mm")]
        ours = {c: {} for c in columns}
        for row in reader:
            node = int(row["node"])
            for c in columns:
                if row[c] != "":
                    ours[c][node] = int(row[c])

    differences = []
    checked = 0
    for column in columns:
        function = column[: -len("_mm")]
        starts = sources.get(function, {})
        if not starts:
            expected = {}
        elif access:
            # A directed copy with a virtual source: its edges lead only out of it, so no
            # walk can pass through it between two facilities.
            directed = graph.to_directed()
            origin = ("source",)
            for node, leg in starts.items():
                directed.add_edge(origin, node, weight=leg)
            expected = nx.single_source_dijkstra_path_length(
                directed, origin, cutoff=cutoff, weight="weight"
            )
            expected.pop(origin, None)
        else:
            expected = nx.multi_source_dijkstra_path_length(
                graph, set(starts), cutoff=cutoff, weight="weight"
            )
        for node in graph.nodes:
            checked += 1
            a, b = ours[column].get(node), expected.get(node)
            if a != b:
                differences.append((function, node, a, b))

    if differences:
        print(
            f"{len(differences)} of {checked} distances differ (function, node, xingfu, networkx):",
            file=sys.stderr,
        )
        for d in differences[:20]:
            print(f"  {d}", file=sys.stderr)
        return 1
    print(
        f"networkx {nx.__version__}: {graph.number_of_nodes()} nodes x {len(columns)} functions, "
        f"{checked} distances identical"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
