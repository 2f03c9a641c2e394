#!/usr/bin/python3
"""Draws columns of an example's CSV against one column, to PNG (matplotlib from Debian:
python3-matplotlib; the script says so when it is missing).

    scripts/plot.py lsa.csv --x step --y loss_ratio sensitivity_cosine [--out lsa.png] [--logy] [--ylim LOW HIGH]

Every example that writes a CSV names the columns to plot in its header comment. An empty
cell is a point a column does not have.
"""
import argparse
import csv
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", help="the CSV an example wrote (header row first)")
    parser.add_argument("--x", required=True, help="the column on the horizontal axis")
    parser.add_argument("--y", nargs="+", required=True, help="the columns to draw")
    parser.add_argument("--out", help="the PNG to write (default: the CSV's name with .png)")
    parser.add_argument("--logy", action="store_true", help="logarithmic vertical axis")
    parser.add_argument("--title", help="the figure's title (default: the CSV's name)")
    parser.add_argument("--ylim", type=float, nargs=2, metavar=("LOW", "HIGH"), help="the vertical axis' range")
    args = parser.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("scripts/plot.py needs matplotlib: sudo apt-get install -y python3-matplotlib")

    with open(args.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{args.csv}: no rows")
    for column in [args.x] + args.y:
        if column not in rows[0]:
            sys.exit(f"{args.csv}: no column {column!r}; the columns are {', '.join(rows[0])}")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for column in args.y:  # an empty cell is a point the column does not have (a stage that is not running)
        points = [(float(r[args.x]), float(r[column])) for r in rows if r[column] != "" and r[args.x] != ""]
        ax.plot([p[0] for p in points], [p[1] for p in points], label=column)
    ax.set_xlabel(args.x)
    if args.logy:
        ax.set_yscale("log")
    if args.ylim:
        ax.set_ylim(*args.ylim)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(args.title or args.csv)
    out = args.out or (args.csv[:-4] if args.csv.endswith(".csv") else args.csv) + ".png"
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
