"""The widget's feedback buttons and server-given limits, in real Chromium against `rag serve`."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from browser_helpers import (
    PageServer,
    ask,
    launch_chromium,
    new_tab,
    open_widget,
    publisher_page,
    rag_server,
    screenshot,
    widget,
)

from rag.newsroom.store import FILENAME

pytestmark = pytest.mark.browser

QUESTION = "why does China need Russia?"
MAX_CHARS = 321
MAX_TOP_K = 2


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("question-log")


@pytest.fixture(scope="module")
def api(index_dir: Path, pages: PageServer, data_dir: Path, tmp_path_factory):
    log = tmp_path_factory.mktemp("logs") / "rag-serve.log"
    env = {
        "RAG_CORS_ORIGINS": pages.origin,
        "RAG_DATA_DIR": str(data_dir),
        "RAG_MAX_QUESTION_CHARS": str(MAX_CHARS),
        "RAG_MAX_TOP_K": str(MAX_TOP_K),
    }
    with rag_server(index_dir, log, env) as server:
        yield server


@pytest.fixture
def page(api, pages: PageServer):
    errors: list[str] = []
    with launch_chromium() as browser:
        tab = new_tab(browser, errors, viewport={"width": 1280, "height": 860}, locale="ar")
        # Arabic interface (RTL chrome), asking for more passages than the server allows.
        url = pages.add("/feedback", publisher_page(api.url, data_lang="ar", data_top_k="5"))
        tab.goto(url)
        open_widget(tab)
        yield tab
    assert not errors, f"JavaScript errors in the page: {errors}"


def stored_votes(data_dir: Path, expected: tuple, timeout: float = 10.0) -> list[tuple]:
    """The feedback rows, once `expected` is among them (the log writes in batches)."""
    deadline = time.monotonic() + timeout
    found: list[tuple] = []
    while time.monotonic() < deadline:
        with sqlite3.connect(data_dir / FILENAME) as conn:
            found = conn.execute(
                "SELECT q.question, f.helpful FROM feedback f JOIN questions q "
                "ON q.id = f.question_id"
            ).fetchall()
        if expected in found:
            return found
        time.sleep(0.2)
    return found


def test_the_limits_come_from_the_server(page) -> None:
    box = widget(page).locator("textarea")
    page.wait_for_function(
        "() => document.querySelector('rag-chat-widget').shadowRoot"
        f".querySelector('textarea').getAttribute('maxlength') === '{MAX_CHARS}'"
    )
    assert box.get_attribute("maxlength") == str(MAX_CHARS)
    reply = ask(page, QUESTION)
    assert reply.locator(".passage").count() == MAX_TOP_K


def test_votes_by_keyboard_reach_the_log(page, data_dir: Path) -> None:
    reply = ask(page, QUESTION)
    up = reply.locator("button.vote-up")
    down = reply.locator("button.vote-down")
    up.focus()
    page.keyboard.press("Enter")
    status = reply.locator(".feedback-status")
    status.filter(has_text="شكرًا").wait_for()
    assert up.get_attribute("aria-pressed") == "true"
    assert down.get_attribute("aria-pressed") == "false"
    page.keyboard.press("Tab")  # from "helpful" to "not helpful"
    page.keyboard.press("Space")
    page.wait_for_function(
        "() => [...document.querySelector('rag-chat-widget').shadowRoot"
        ".querySelectorAll('button.vote-down')]"
        ".some(b => b.getAttribute('aria-pressed') === 'true')"
    )
    assert up.get_attribute("aria-pressed") == "false"
    # One vote per answer: the second replaced the first (no other test votes).
    assert stored_votes(data_dir, (QUESTION, 0)) == [(QUESTION, 0)]


def test_the_buttons_follow_the_rtl_interface(page) -> None:
    reply = ask(page, QUESTION)
    group = reply.locator(".feedback")
    assert group.evaluate("el => getComputedStyle(el).direction") == "rtl"
    prompt = group.locator(".feedback-prompt").bounding_box()
    up = group.locator("button.vote-up").bounding_box()
    assert prompt["x"] > up["x"]  # read right to left: the question first, then the buttons
    assert group.get_attribute("role") == "group"
    assert group.locator(".feedback-prompt").inner_text() in group.evaluate(
        "el => el.getRootNode().getElementById(el.getAttribute('aria-labelledby')).textContent"
    )
    radius = group.locator("button.vote-up").evaluate("el => getComputedStyle(el).borderRadius")
    assert radius == "999px"  # the widget's pill buttons, from widget.css
    group.scroll_into_view_if_needed()
    screenshot(page, "widget-feedback-ar.png")
