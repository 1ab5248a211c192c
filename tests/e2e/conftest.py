"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against live_server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# pytest-playwright runs an event loop in the main thread; Django's ORM calls from the test body
# are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                if os.environ.get("REQUIRE_BROWSER"):
                    raise pytest.UsageError(f"{CHROMIUM} is missing: apt-get install -y chromium")
                item.add_marker(pytest.mark.skip(reason="Chromium not installed (apt-get install -y chromium)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
    }


@pytest.fixture
def login(page, live_server):
    """login(user) signs in through the real form and returns the page."""
    from tests.factories import TEST_PASSWORD

    def _login(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login
