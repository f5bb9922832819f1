"""A pushed HTML article in real Chromium: the citation chip shows its date, and the
document page shows the date and links to the original."""

from __future__ import annotations

import json
import urllib.request
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
    widget,
)
from conftest import copy_index
from pages import english_page

pytestmark = pytest.mark.browser

ORIGINAL = "https://news.example/chip-pact"


@pytest.fixture(scope="module")
def api(index_dir: Path, pages: PageServer, tmp_path_factory: pytest.TempPathFactory):
    index = tmp_path_factory.mktemp("published") / "index"
    copy_index(index_dir, index)
    log = index.parent / "rag-serve.log"
    env = {"RAG_ADMIN_KEY": "k", "RAG_CORS_ORIGINS": pages.origin}
    with rag_server(index, log, env) as server:
        request = urllib.request.Request(
            f"{server.url}/documents/chips?url={ORIGINAL}",
            data=english_page().encode(),
            method="PUT",
            headers={"Content-Type": "text/html", "X-Admin-Key": "k"},
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            assert json.loads(response.read())["embedded"] == ["chips"]
        yield server


@pytest.fixture(scope="module")
def page(api):
    with launch_chromium() as browser:
        yield new_tab(browser, locale="en")


def test_citation_chip_shows_the_publication_date(api, pages, page):
    # The widget on the pushed article's own page, scoped to it.
    url = pages.add("/chips.html", publisher_page(api.url, data_document="chips", data_lang="en"))
    page.goto(url, wait_until="load")
    open_widget(page)
    reply = ask(page, "Which chips does the pact leave out?")
    chip = reply.locator(".passage").first.locator(".chip")
    assert "Chip pact" in chip.inner_text()
    date = chip.locator("time.chip-date")
    assert date.inner_text() == "2024-05-14"
    assert date.get_attribute("datetime") == "2024-05-14"
    assert widget(page).locator("time.chip-date").count() >= 1


def test_document_page_shows_date_and_original_link(api, page):
    page.goto(api.url + "/documents/chips", wait_until="load")
    assert page.locator("time.published").inner_text() == "2024-05-14"
    assert page.locator("a.original").get_attribute("href") == ORIGINAL
    assert page.locator("#p2").inner_text().endswith("next year.")
