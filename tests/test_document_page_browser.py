"""The hostile document's HTML page in a real browser: its markup stays inert text.

test_api_documents.py parses the page with html.parser; this loads it in
headless Debian Chromium (never a downloaded browser) from a real `rag serve`,
once as served and once with the Content-Security-Policy header stripped, so
that escaping alone, without the CSP's help, must keep every payload inert.
The widget side of the same check is in test_widget_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_helpers import CHROMIUM_ARGS, require_chromium
from conftest import ENGLISH_DOC_ID

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

TIMEOUT_MS = 15_000
HOSTILE_TEXT = ['<script>alert("xss")</script>', "<img src=x onerror=alert(1)>", "javascript:"]
# Any payload that runs calls alert(): the init script turns that into a flag too.
FLAG = "window.__pwned"
INERT_DOM = """() => ({
    scripts: document.querySelectorAll('script').length,
    embeds: document.querySelectorAll('img, iframe, object, embed, svg, form').length,
    handlers: [...document.querySelectorAll('*')]
        .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    jsLinks: [...document.querySelectorAll('[href], [src], [action]')]
        .filter(e => /^\\s*javascript:/i.test(
            e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))).length,
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=require_chromium(), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def open_document(browser, url: str, strip_csp: bool) -> tuple:
    """Load the page; return it and the list of dialogs it tried to open."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(f"window.alert = (m) => {{ {FLAG} = String(m); }};")
    if strip_csp:

        def without_csp(route) -> None:
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items() if k != "content-security-policy"}
            route.fulfill(response=response, headers=headers)

        page.route("**/documents/*", without_csp)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # time for an injected onerror handler to fire
    return page, dialogs


@pytest.mark.parametrize("strip_csp", [False, True], ids=["with-csp", "without-csp"])
def test_hostile_document_page_runs_nothing(browser, live_server: str, strip_csp: bool) -> None:
    page, dialogs = open_document(browser, f"{live_server}/documents/{ENGLISH_DOC_ID}", strip_csp)
    assert dialogs == []
    assert page.evaluate(f"() => typeof {FLAG}") == "undefined"
    assert page.evaluate(INERT_DOM) == {"scripts": 0, "embeds": 0, "handlers": 0, "jsLinks": 0}
    page.context.close()


def test_hostile_markup_is_shown_as_text_in_the_browser(browser, live_server: str) -> None:
    page, _ = open_document(browser, f"{live_server}/documents/{ENGLISH_DOC_ID}", True)
    text = page.locator("article").inner_text()
    for markup in HOSTILE_TEXT:
        assert markup in text
    page.context.close()
