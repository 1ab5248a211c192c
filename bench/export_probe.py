"""Stream the full distribution-log export in a fresh process: rows/s and peak RSS of that process."""

from __future__ import annotations

import json
import os
import resource
import time

from bench.timing import setup_django


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
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


if __name__ == "__main__":
    main()
