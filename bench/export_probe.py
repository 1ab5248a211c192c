"""Stream the full distribution-log export in a fresh process: rows/s and peak RSS of that process."""

from __future__ import annotations

import json
import os
import time

from bench.timing import setup_django


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss: Linux carries that over
    exec from the forking parent, so a probe started by a bench holding 500 MB would report 500 MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    setup_django(os.environ["DATABASE_URL"])
    from django.test import Client

    from silqeqms.models import User

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    start = time.perf_counter()
    response = client.get("/admin/distribution-log/export/")
    lines = 0
    size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - start
    rows = lines - 1
    print(json.dumps({"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds),
                      "megabytes": round(size / 1e6, 1),
                      "peak_rss_mb": _peak_rss_mb()}))


if __name__ == "__main__":
    main()
