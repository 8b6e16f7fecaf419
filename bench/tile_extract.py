#!/usr/bin/env python3
"""Tile an OpenStreetMap extract N×N times side by side, for the circle's speed benchmark.

Each copy is shifted east and north by the extract's own width and height, and its node, way
and relation ids by a multiple of the largest id. Neighbouring copies are joined by one footway
(from the east-most street node of a copy to the west-most of the next, from the north-most to
the south-most of the one above), so the walking graph is one network of N² copies, as a city's
is, and its largest component is all of them. The output is sorted as the PBF convention asks
(nodes, then ways, then relations, each by id).

    pip install osmium
    python3 bench/tile_extract.py ../data/helsinki.osm.pbf /tmp/helsinki-x64.osm.pbf --side 8
"""
import argparse
import os

import osmium


def bounds(path):
    lo_lon = lo_lat = 180.0
    hi_lon = hi_lat = -180.0
    top = 0
    for obj in osmium.FileProcessor(path):
        top = max(top, obj.id)
        if obj.is_node() and obj.location.valid():
            lo_lon, hi_lon = min(lo_lon, obj.location.lon), max(hi_lon, obj.location.lon)
            lo_lat, hi_lat = min(lo_lat, obj.location.lat), max(hi_lat, obj.location.lat)
    return lo_lon, lo_lat, hi_lon, hi_lat, top


# Streets every reader counts as walkable; the joins are made between nodes of the largest
# network of these.
STREETS = {"pedestrian", "living_street", "residential"}


def street_ends(path):
    """The east-, west-, north- and south-most nodes of the largest connected street network."""
    parent = {}

    def root(n):
        while parent.setdefault(n, n) != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for way in osmium.FileProcessor(path, osmium.osm.WAY):
        if way.tags.get("highway") in STREETS and way.tags.get("access") not in ("private", "no"):
            refs = [n.ref for n in way.nodes]
            for a, b in zip(refs, refs[1:]):
                ra, rb = root(a), root(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    sizes = {}
    for n in list(parent):
        sizes[root(n)] = sizes.get(root(n), 0) + 1
    largest = max(sizes, key=sizes.get)
    where = {}
    for node in osmium.FileProcessor(path, osmium.osm.NODE):
        if node.id in parent and root(node.id) == largest:
            where[node.id] = (node.location.lon, node.location.lat)
    return (max(where, key=lambda n: where[n][0]), min(where, key=lambda n: where[n][0]),
            max(where, key=lambda n: where[n][1]), min(where, key=lambda n: where[n][1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--side", type=int, default=8, help="copies per side (8 gives ×64)")
    args = parser.parse_args()
    lo_lon, lo_lat, hi_lon, hi_lat, top = bounds(args.source)
    width, height = (hi_lon - lo_lon) * 1.001, (hi_lat - lo_lat) * 1.001
    step = 10 ** len(str(top))  # ids of copy k start at k·step
    copies = [(i, j) for j in range(args.side) for i in range(args.side)]
    east, west, north, south = street_ends(args.source)
    joins = []  # (from copy, node, to copy, node)
    for k, (i, j) in enumerate(copies):
        if i + 1 < args.side:
            joins.append((k, east, k + 1, west))
        if j + 1 < args.side:
            joins.append((k, north, k + args.side, south))
    if os.path.exists(args.target):
        os.remove(args.target)
    writer = osmium.SimpleWriter(args.target)
    try:
        for kind in ("node", "way", "relation"):
            for k, (i, j) in enumerate(copies):
                base = k * step
                for obj in osmium.FileProcessor(args.source):
                    if kind == "node" and obj.is_node():
                        loc = obj.location
                        writer.add_node(obj.replace(
                            id=base + obj.id,
                            location=osmium.osm.Location(loc.lon + i * width, loc.lat + j * height)))
                    elif kind == "way" and obj.is_way():
                        writer.add_way(obj.replace(
                            id=base + obj.id, nodes=[base + n.ref for n in obj.nodes]))
                    elif kind == "relation" and obj.is_relation():
                        writer.add_relation(obj.replace(
                            id=base + obj.id,
                            members=[(m.type, base + m.ref, m.role) for m in obj.members]))
            if kind == "way":
                for number, (a, na, b, nb) in enumerate(joins):
                    writer.add_way(osmium.osm.mutable.Way(
                        id=len(copies) * step + number,
                        nodes=[a * step + na, b * step + nb],
                        tags={"highway": "footway"}))
    finally:
        writer.close()
    print(f"{args.target}: {len(copies)} copies of {args.source}, {len(joins)} joins, "
          f"{os.path.getsize(args.target):,} bytes")


if __name__ == "__main__":
    main()
