"""Import a 100k-row CSV (rolled back) in a fresh process, as `manage.py import_distribution` would run:
the bench's own process has by then held a million rows of the naive dashboard baseline in memory."""

from __future__ import annotations

import json
import os
import sys

from bench.timing import setup_django


def main() -> None:
    setup_django(os.environ["DATABASE_URL"])
    from bench import pages

    print(json.dumps(pages.measure_import(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)))


if __name__ == "__main__":
    main()
