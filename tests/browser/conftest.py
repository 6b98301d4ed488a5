"""Real-browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright can't download its own browser on these machines, so the system Chromium is used. The
live server serves static files through Django's StaticFilesHandler (staticfiles is installed), so
the pages are checked with their real stylesheet, their real JavaScript and the real
Content-Security-Policy header.

Every browser test runs on a transactional database (the live server's threads must see the test's
rows), which is flushed after each test; `browser_db` first puts back what the data migrations
wrote (areas, skills, teams), which the personas need.

Set CHILDSAFE_SCREENSHOTS=/some/dir (outside the repository) to keep a full-page screenshot of
every page the tests check.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}  # CSS pixels of a small current phone (iPhone 11 Pro, 12 mini)
BLOCKING_IMPACTS = ("serious", "critical")
# Scrollbars and sub-pixel rounding: a page wider than its window by more than this scrolls sideways.
SCROLL_TOLERANCE_PX = 2
SCREENSHOT_DIR = os.environ.get("CHILDSAFE_SCREENSHOTS", "")
# How long Playwright waits for an element or a page; these pages answer in milliseconds.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Argon2 takes most of a second per password here, and the personas make ten accounts per test.

    These tests are about pages, not password storage (the unit tests keep the real hasher), so they
    hash with MD5 to stay within their time budget. Signing in through the form still checks it.
    """
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="package")
def migrated_state(django_db_setup: None) -> Iterator[dict[str, str]]:
    """The rows the migrations wrote (areas, skills, teams, phrases...), serialized per database.

    pytest-django serialized them when it created the test database, because these tests ask for
    `django_db_serialized_rollback`. They are taken off the connections for the length of this
    package and put back by `reset_to_migrated_state` instead: Django's own restore fails after a
    transactional test that had no serialized rollback (its flush re-created the content types
    under new keys, and the restore then breaks their unique constraint).
    """
    from django.db import connections

    snapshot = {}
    for alias in connections:
        connection = connections[alias]
        if hasattr(connection, "_test_serialized_contents"):
            snapshot[alias] = connection._test_serialized_contents
            del connection._test_serialized_contents
    yield snapshot
    for alias, contents in snapshot.items():
        connections[alias]._test_serialized_contents = contents


def reset_to_migrated_state(snapshot: dict[str, str]) -> None:
    """Put back what the migrations wrote, on a database a transactional test's flush emptied."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    for alias, contents in snapshot.items():
        # All a flush leaves: content types and permissions that post_migrate re-created, under new keys.
        Permission.objects.using(alias).all().delete()
        ContentType.objects.using(alias).all().delete()
        connections[alias].creation.deserialize_db_from_string(contents)
    ContentType.objects.clear_cache()


@pytest.fixture(scope="package")
def chromium(migrated_state: dict[str, str]) -> Iterator[Browser]:
    from django.db import connections

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright's sync API runs, this thread has a running asyncio loop, and Django's
        # connection handler (a thread-critical asgiref Local) hands out a second set of connection
        # objects. They can't be reached once the loop stops: close them, so that the test database
        # can be dropped at the end of the session.
        connections.close_all()


@dataclass
class Watched:
    """What the browser said while a test ran: console messages and uncaught page errors."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def csp_reports(self) -> list[str]:
        return [m for m in self.console + self.page_errors if "content security policy" in m.lower()]


def axe_report(violations: list[dict[str, Any]]) -> str:
    """axe-core's violations, one block per rule and one line pair per offending element."""
    lines = []
    for v in violations:
        lines.append(f"  - {v['id']} ({v['impact']}): {v['help']}  {v['helpUrl'].split('?')[0]}")
        for node in v["nodes"]:
            lines.append(f"      at {' '.join(str(t) for t in node['target'])}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"         {summary[:400]}")
    return "\n".join(lines)


_axe = Axe()


@dataclass
class UI:
    """One browser tab on the live server, with the steps and checks the browser tests share."""

    page: Page
    base_url: str
    watched: Watched
    problems: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Response | None:
        return self.page.goto(f"{self.base_url}{path}")

    @property
    def is_phone(self) -> bool:
        size = self.page.viewport_size
        return size is not None and size["width"] <= PHONE["width"]

    def menu(self, name: str) -> None:
        """Follow a link in the service navigation, opening its "Menu" first on a phone, as a person would."""
        nav = self.page.get_by_role("navigation", name="Menu")
        toggle = nav.get_by_role("button", name="Menu")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
        nav.get_by_role("link", name=name, exact=True).click()

    def part(self, name: str, *, nav: str = "episode-subnav") -> None:
        """Follow a link in a record's sub navigation, opening "Parts of this episode" first on a phone, as a
        person would (missing/_subnav.html, ADR 0061)."""
        subnav = self.page.get_by_test_id(nav)
        fold = subnav.locator("summary")
        if fold.count() and fold.is_visible() and subnav.locator("details[open]").count() == 0:
            fold.click()
        subnav.get_by_role("link", name=name, exact=True).click()

    def sign_in(self, username: str, password: str) -> None:
        """Sign in through the login form, as a person would."""
        self.goto("/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        assert "/login/" not in self.page.url, f"Sign-in failed for {username}: still on {self.page.url}"

    def sign_in_as(self, user: Any) -> None:
        """Sign in by planting a session cookie, for tests about pages other than the login page."""
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.page.context.clear_cookies()
        self.page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": self.base_url}])

    def check(self, label: str) -> None:
        """Check the page now shown: a <title>, one <h1>, its stylesheet and JavaScript, no CSP reports
        or JavaScript errors, and no axe-core violation of serious or critical impact; at phone width,
        that it fits the window (`check_fits_width`).

        Problems are collected, so that one run lists every page's; `assert_clean` fails the test on
        them. Minor and moderate axe findings are listed with a page's serious ones but don't fail it.
        """
        page = self.page
        page.wait_for_load_state()  # a click that navigates may still be loading the page
        if SCREENSHOT_DIR:
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"), full_page=True)
        found = []
        title = page.title().strip()
        if not title or title.startswith("–"):
            found.append(f"no useful <title> ({title!r})")
        h1s = page.locator("h1")
        if h1s.count() != 1 or not h1s.first.inner_text().strip():
            found.append(f"expected one non-empty <h1>, found {h1s.all_inner_texts()!r}")
        else:
            # The stylesheet loaded under the CSP: headings are in Arial, not the browser's serif.
            font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily").lower()
            if "arial" not in font:
                found.append(f"the stylesheet did not load (the <h1> is in {font!r})")
        if not page.evaluate("document.body.classList.contains('govuk-frontend-supported')"):
            found.append("GOV.UK Frontend's JavaScript (init.js) did not run")
        found.extend(f"Content-Security-Policy: {m}" for m in self.watched.csp_reports())
        found.extend(f"JavaScript error: {e}" for e in self.watched.page_errors)
        self.watched.console.clear()
        self.watched.page_errors.clear()
        violations = _axe.run(page).response["violations"]
        if any(v.get("impact") in BLOCKING_IMPACTS for v in violations):
            found.append("axe found serious or critical accessibility problems:\n" + axe_report(violations))
        self.problems.extend(f"{label} ({page.url.removeprefix(self.base_url)}): {p}" for p in found)
        if self.is_phone:
            self.check_fits_width(label)

    def check_fits_width(self, label: str) -> None:
        """Check the page doesn't scroll sideways (a phone user would lose the right of every line)."""
        page = self.page
        if any(label in p and "wide in a" in p for p in self.problems):
            return  # already found on this page
        viewport = page.evaluate("window.innerWidth")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width <= viewport + SCROLL_TOLERANCE_PX:
            return
        too_wide = page.evaluate(
            """(limit) => [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > limit)
                .slice(0, 8)
                .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
                           + ` ends at ${Math.round(el.getBoundingClientRect().right)}px`)""",
            viewport + SCROLL_TOLERANCE_PX,
        )
        self.problems.append(
            f"{label}: the page is {width}px wide in a {viewport}px window; wider than the window:\n    "
            + "\n    ".join(too_wide)
        )

    def assert_clean(self) -> None:
        if self.problems:
            pytest.fail(f"{len(self.problems)} problem(s):\n" + "\n".join(self.problems), pytrace=False)


def _ui(chromium: Browser, base_url: str, viewport: dict[str, int]) -> Iterator[UI]:
    watched = Watched()
    context = chromium.new_context(viewport=viewport, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        watched.console.append(f"[{message.type}] {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.page_errors.append(str(error)))
    ui = UI(page, base_url, watched)
    yield ui
    context.close()
    # A CSP report on a page no `check` looked at still fails the test.
    reports = watched.csp_reports()
    assert not reports, "Content-Security-Policy reports:\n" + "\n".join(reports)


@pytest.fixture
def browser_db(django_db_serialized_rollback: None, live_server: Any, migrated_state: dict[str, str]) -> None:
    """A transactional database (the live server's threads see the test's rows) in its migrated state.

    `django_db_serialized_rollback` is asked for so that pytest-django serializes the migrated state
    when it creates the test database; `migrated_state` takes it from there.
    """
    reset_to_migrated_state(migrated_state)


WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture
def ui(request: pytest.FixtureRequest, chromium: Browser, browser_db: None, live_server: Any) -> Iterator[UI]:
    """A desktop-sized browser tab (1280 x 900) with no cookies, on the live server.

    A journey that runs at both widths asks for it with
    `@pytest.mark.parametrize("ui", ["desktop", "phone"], indirect=True)` (see `BOTH_WIDTHS`).
    """
    yield from _ui(chromium, live_server.url, WIDTHS[getattr(request, "param", "desktop")])


# Put on a journey (or a module's pytestmark) to run it at desktop width and at phone width.
BOTH_WIDTHS = pytest.mark.parametrize("ui", ["desktop", "phone"], indirect=True)


@pytest.fixture
def phone_ui(chromium: Browser, browser_db: None, live_server: Any) -> Iterator[UI]:
    """A phone-sized browser tab (375 x 812) with no cookies, on the live server."""
    yield from _ui(chromium, live_server.url, PHONE)
