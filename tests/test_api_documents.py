"""GET /documents and /documents/{id}: JSON by default, a safe readable page for browsers."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from conftest import ENGLISH_DOC_ID
from fastapi.testclient import TestClient

from rag.service import QAService

ARABIC_DOC_ID = "putin-beijing"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Page(HTMLParser):
    """Collects what a browser would build: elements with attributes, and visible text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    def by_id(self, element_id: str) -> tuple[str, dict[str, str | None]]:
        return next((t, a) for t, a in self.elements if a.get("id") == element_id)


def html_page(client: TestClient, doc_id: str):
    response = client.get(f"/documents/{doc_id}", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    return response


# -- JSON --------------------------------------------------------------------------------


def test_list_names_every_indexed_document(client: TestClient, service: QAService) -> None:
    listed = client.get("/documents").json()
    assert {d["id"] for d in listed} == {d.id for d in service.documents()}
    assert {ARABIC_DOC_ID, ENGLISH_DOC_ID} <= {d["id"] for d in listed}


def test_list_entries_link_to_their_document(client: TestClient) -> None:
    for entry in client.get("/documents").json():
        assert set(entry) == {"id", "title", "author", "language", "paragraphs", "url"}
        assert entry["url"] == f"/documents/{entry['id']}"
        assert client.get(entry["url"]).json()["id"] == entry["id"]


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html;q=0.5, */*"])
def test_document_is_json_unless_html_is_preferred(client: TestClient, accept) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.get(f"/documents/{ARABIC_DOC_ID}", headers=headers)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["vary"] == "Accept"


def test_document_json_has_source_text_and_paragraphs(client: TestClient) -> None:
    doc = client.get(f"/documents/{ARABIC_DOC_ID}").json()
    assert set(doc) >= {"id", "title", "author", "text", "paragraphs"}
    assert doc["language"] == "ar"
    numbers = [p["paragraph"] for p in doc["paragraphs"]]
    assert numbers == list(range(1, len(numbers) + 1))
    for p in doc["paragraphs"]:
        assert doc["text"][p["start"] : p["end"]] == p["text"]


def test_title_author_and_headings_are_metadata_not_paragraphs(client: TestClient) -> None:
    doc = client.get(f"/documents/{ARABIC_DOC_ID}").json()
    paragraphs = {p["text"] for p in doc["paragraphs"]}
    assert doc["title"] and doc["author"] and doc["sections"]
    assert doc["title"] not in paragraphs
    assert doc["author"] not in paragraphs
    assert not paragraphs & set(doc["sections"])


# -- HTML --------------------------------------------------------------------------------


def test_browsers_get_an_html_page(client: TestClient) -> None:
    response = html_page(client, ARABIC_DOC_ID)
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"


def test_arabic_page_is_right_to_left(client: TestClient) -> None:
    page = Page(html_page(client, ARABIC_DOC_ID).text)
    html = page.tags("html")[0]
    assert (html["lang"], html["dir"]) == ("ar", "rtl")


def test_english_page_is_left_to_right(client: TestClient) -> None:
    page = Page(html_page(client, ENGLISH_DOC_ID).text)
    html = page.tags("html")[0]
    assert (html["lang"], html["dir"]) == ("en", "ltr")


def test_every_paragraph_has_its_anchor_and_text(client: TestClient) -> None:
    doc = client.get(f"/documents/{ARABIC_DOC_ID}").json()
    page = Page(html_page(client, ARABIC_DOC_ID).text)
    visible = "".join(page.text)
    for p in doc["paragraphs"]:
        tag, _ = page.by_id(f"p{p['paragraph']}")
        assert tag == "p"
        assert p["text"] in visible


def test_citation_url_fragment_names_an_anchor_on_the_page(client: TestClient) -> None:
    passage = client.post("/ask", json={"question": "why does China need Russia?"}).json()
    path, fragment = passage["passages"][0]["citation"]["url"].split("#")
    page = Page(client.get(path, headers={"accept": BROWSER_ACCEPT}).text)
    assert page.by_id(fragment)[0] == "p"


def test_targeted_paragraph_is_highlighted_by_css(client: TestClient) -> None:
    html = html_page(client, ARABIC_DOC_ID).text
    assert re.search(r"\.para:target\{[^}]*background", html)


def test_metadata_citation_anchors_are_highlighted_by_css(client: TestClient) -> None:
    html = html_page(client, ARABIC_DOC_ID).text
    assert re.search(r"h1:target,\.author:target\{[^}]*background", html)


def test_title_byline_and_headings_are_shown_as_metadata(client: TestClient) -> None:
    doc = client.get(f"/documents/{ARABIC_DOC_ID}").json()
    html = html_page(client, ARABIC_DOC_ID).text
    assert f"<title>{doc['title']}" in html
    assert f'<h1 id="title">{doc["title"]}</h1>' in html
    assert f'<span id="author" class="author">{doc["author"]}</span>' in html
    for heading in doc["sections"]:
        assert f">{heading}</h2>" in html


def test_headings_come_before_the_paragraphs_under_them(client: TestClient) -> None:
    doc = client.get(f"/documents/{ARABIC_DOC_ID}").json()
    html = html_page(client, ARABIC_DOC_ID).text
    for p in doc["paragraphs"]:
        if p["section"]:
            assert html.index(f">{p['section']}</h2>") < html.index(f'id="p{p["paragraph"]}"')


def test_document_page_runs_no_script(client: TestClient) -> None:
    response = html_page(client, ARABIC_DOC_ID)
    assert not Page(response.text).tags("script")
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]


# -- hostile text stays text --------------------------------------------------------------


def test_markup_in_document_text_is_escaped(client: TestClient) -> None:
    html = html_page(client, ENGLISH_DOC_ID).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html
    assert "<img" not in html
    assert '<a href="javascript' not in html


def test_hostile_markup_builds_no_elements(client: TestClient) -> None:
    page = Page(html_page(client, ENGLISH_DOC_ID).text)
    assert not page.tags("script") and not page.tags("img")
    for _, attrs in page.elements:
        assert not any(name.startswith("on") for name in attrs)
        assert not any(
            (value or "").strip().lower().startswith("javascript:") for value in attrs.values()
        )


def test_hostile_markup_is_still_readable_as_text(client: TestClient) -> None:
    visible = "".join(Page(html_page(client, ENGLISH_DOC_ID).text).text)
    assert '<script>alert("xss")</script>' in visible
    assert "<img src=x onerror=alert(1)>" in visible


def test_document_list_page_links_every_document(client: TestClient) -> None:
    response = client.get("/documents", headers={"accept": BROWSER_ACCEPT})
    assert response.headers["content-type"].startswith("text/html")
    links = {a["href"] for a in Page(response.text).tags("a")}
    assert {f"/documents/{ARABIC_DOC_ID}", f"/documents/{ENGLISH_DOC_ID}"} <= links


# -- security headers -----------------------------------------------------------------------


def test_document_page_has_security_headers(client: TestClient) -> None:
    headers = html_page(client, ARABIC_DOC_ID).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_inline_style_is_allowed_by_hash_not_unsafe_inline(client: TestClient) -> None:
    response = html_page(client, ARABIC_DOC_ID)
    css = re.search(r"<style>(.*?)</style>", response.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    csp = response.headers["content-security-policy"]
    assert f"'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp
