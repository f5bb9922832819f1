"""The chat widget in real headless Chromium, against the real `rag serve` (issue 4).

The corpus is conftest's shared real index: `seeds/` plus an English article whose
text quotes hostile markup (`<script>`, `<img onerror>`, a `javascript:` link). The API
runs as a subprocess; the publisher pages of the cross-origin runs come from a second
origin. Screenshots of the open widget land in test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import (
    ANSWER_TIMEOUT_MS,
    UI_TIMEOUT_MS,
    PageServer,
    active_class,
    ask,
    count_requests,
    launch_chromium,
    new_tab,
    open_widget,
    publisher_page,
    rag_server,
    screenshot,
    settled_replies,
    shadow_eval,
    wait_for_reply,
    widget,
)

pytestmark = pytest.mark.browser

EN_QUESTION = "why does China need Russia?"
AR_QUESTION = "لماذا تحتاج الصين إلى روسيا؟"
COUNTERWEIGHT = "كثقل موازن"

# Quoted in conftest's ENGLISH_DOC (the "widget-security" article).
HOSTILE_MARKUP = (
    '<script>alert("xss")</script>',
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(2)">click here</a>',
)
HOSTILE_QUESTION = "What markup may a scraped paragraph contain?"

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 740}


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(index_dir: Path, pages: PageServer, tmp_path_factory: pytest.TempPathFactory):
    """The real API; browsers on the page server's origin are allowed by CORS."""
    log = tmp_path_factory.mktemp("logs") / "rag-serve.log"
    with rag_server(index_dir, log, {"RAG_CORS_ORIGINS": pages.origin}) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def new_page(browser):
    """A fresh context (empty sessionStorage) per page; JS errors fail the test."""
    contexts = []
    errors: list[str] = []

    def make(viewport: dict | None = None, color_scheme: str = "light"):
        page = new_tab(
            browser, errors, viewport=viewport or DESKTOP, locale="ar", color_scheme=color_scheme
        )
        contexts.append(page.context)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def first_passage(reply):
    return reply.locator(".passage").first


def direction(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).direction", timeout=UI_TIMEOUT_MS)


def assert_counterweight_first(reply) -> str:
    """The كثقل موازن paragraph is cited first; returns its citation link."""
    passage = first_passage(reply)
    assert COUNTERWEIGHT in passage.locator(".passage-text").inner_text(timeout=UI_TIMEOUT_MS)
    href = passage.locator("a.chip").get_attribute("href", timeout=UI_TIMEOUT_MS)
    assert href and re.search(r"/documents/putin-beijing#p\d+$", href), href
    # The highlighted sentence is the one that answers, wrapped alone in a <mark>.
    assert COUNTERWEIGHT in passage.locator("mark").inner_text(timeout=UI_TIMEOUT_MS)
    return href


# -- the acceptance run ---------------------------------------------------------------------


def test_demo_page_answers_in_both_languages_and_cites(api, new_page):
    page = new_page()
    page.goto(api.url + "/", wait_until="load")
    # The demo is a real RTL article page with the widget from a single script tag.
    assert "بوتين في بكين شراكة استراتيجية تواجه تحديات دولية" in page.locator("h1").inner_text()
    assert page.locator("script").count() == 1
    assert page.locator("script").get_attribute("src") == "/widget.js"
    assert shadow_eval(page, "root => root.mode") == "open"

    open_widget(page)
    launcher = widget(page).locator(".launcher")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert active_class(page) == "textarea", "opening the panel focuses the text box"
    assert widget(page).locator(".suggestion").count() >= 2
    screenshot(page, "widget-welcome.png")

    # Arabic question.
    reply_ar = ask(page, AR_QUESTION)
    href_ar = assert_counterweight_first(reply_ar)
    user_ar = widget(page).locator(".msg.user .bubble").nth(0)
    assert direction(user_ar) == "rtl"
    assert direction(first_passage(reply_ar).locator(".passage-text")) == "rtl"
    assert direction(reply_ar.locator(".answer-text")) == "rtl"
    screenshot(page, "widget-ar.png")

    # English question in the same conversation: its bubble runs LTR, the Arabic passage RTL.
    reply_en = ask(page, EN_QUESTION)
    href_en = assert_counterweight_first(reply_en)
    assert href_en == href_ar
    user_en = widget(page).locator(".msg.user .bubble").nth(1)
    assert direction(user_en) == "ltr"
    assert direction(user_ar) == "rtl"
    assert direction(first_passage(reply_en).locator(".passage-text")) == "rtl"
    screenshot(page, "widget-en.png")

    # The citation opens the document in a new tab, on the highlighted paragraph.
    chip = first_passage(reply_en).locator("a.chip")
    assert chip.get_attribute("target") == "_blank"
    assert "noopener" in (chip.get_attribute("rel") or "")
    anchor = href_en.rsplit("#", 1)[1]
    with page.context.expect_page(timeout=UI_TIMEOUT_MS) as popup:
        chip.click()
    doc = popup.value
    doc.wait_for_load_state("load", timeout=UI_TIMEOUT_MS)
    assert doc.url == f"{api.url}/documents/putin-beijing#{anchor}"
    assert doc.evaluate("() => document.querySelector(':target')?.id") == anchor
    target = doc.locator(f"[id='{anchor}']")
    assert COUNTERWEIGHT in target.inner_text(timeout=UI_TIMEOUT_MS)
    # Highlighted: the target paragraph's background differs from another paragraph's.
    doc.wait_for_function(
        """(anchor) => {
            const target = document.getElementById(anchor);
            const other = [...document.querySelectorAll('[id^="p"]')]
                .find(el => el !== target && /^p\\d+$/.test(el.id));
            const bg = el => getComputedStyle(el).backgroundColor;
            return other && bg(target) !== bg(other);
        }""",
        arg=anchor,
        timeout=UI_TIMEOUT_MS,
    )
    doc.close()


def test_hostile_passage_renders_as_inert_text(api, pages, new_page):
    # An archive-wide widget (no data-document), so the hostile article is searchable.
    url = pages.add("/archive", publisher_page(api.url, data_document=""))
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # Any payload that runs calls alert(): make that observable too.
    page.add_init_script("window.alert = (m) => { window.__pwned = String(m); };")
    page.goto(url, wait_until="load")
    open_widget(page)
    reply = ask(page, HOSTILE_QUESTION)
    passage = reply.locator(".passage").filter(has_text="scraped paragraph").first
    passage.wait_for(timeout=UI_TIMEOUT_MS)
    # Show the whole paragraph if it was collapsed to an excerpt.
    toggle = passage.locator(".toggle")
    if toggle.count() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    text = passage.locator(".passage-text").text_content()
    for markup in HOSTILE_MARKUP:
        assert markup in text, f"{markup!r} is not shown literally"
    # The highlighted sentence is the hostile one, and it is plain text in a <mark>.
    assert "<script>" in passage.locator("mark").text_content()
    assert direction(passage.locator(".passage-text")) == "ltr"
    page.wait_for_timeout(500)  # give an injected onerror handler time to fire
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert dialogs == []
    counts = shadow_eval(
        page,
        """root => ({
            img: root.querySelectorAll('img').length,
            script: root.querySelectorAll('script').length,
            jsLinks: [...root.querySelectorAll('a')]
                .filter(a => !/^https?:/.test(a.href)).length,
        })""",
    )
    assert counts == {"img": 0, "script": 0, "jsLinks": 0}
    assert page.locator("img").count() == 0
    screenshot(page, "widget-hostile.png")


def test_demo_page_scopes_questions_to_its_article(api, new_page):
    # The archive also holds an English article by another author; on this page,
    # "this article" is the page's own (data-document="putin-beijing").
    page = new_page()
    bodies: list[str] = []
    page.on("request", lambda r: bodies.append(r.post_data or "") if r.method == "POST" else None)
    page.goto(api.url + "/", wait_until="load")
    open_widget(page)
    reply = ask(page, "Who wrote this article?")
    assert "أحمد السيد" in reply.locator(".answer").inner_text(timeout=UI_TIMEOUT_MS)
    assert any('"document":"putin-beijing"' in body for body in bodies)


def test_no_confident_answer_state(api, new_page):
    page = new_page()
    page.goto(api.url + "/", wait_until="load")
    open_widget(page)
    reply = ask(page, "What is the capital of Brazil?")
    assert reply.locator(".answer").count() == 0
    note = reply.locator(".noanswer")
    assert "لا توجد إجابة مؤكدة" in note.inner_text()  # "no confident answer"
    assert reply.locator(".passage").count() >= 1, "the closest passages are still listed"
    screenshot(page, "widget-no-answer.png")


def test_keyboard_enter_shift_enter_escape_and_double_submit(api, new_page):
    page = new_page()
    page.goto(api.url + "/", wait_until="load")
    asks = count_requests(page, lambda r: r.method == "POST" and r.url.endswith("/ask"))
    launcher = widget(page).locator(".launcher")
    launcher.wait_for(timeout=UI_TIMEOUT_MS)
    assert launcher.get_attribute("aria-label")
    assert launcher.get_attribute("aria-expanded") == "false"

    # Keyboard only: focus the launcher, Enter opens, focus lands in the text box.
    launcher.focus()
    page.keyboard.press("Enter")
    widget(page).locator(".panel").wait_for(state="visible", timeout=UI_TIMEOUT_MS)
    panel = widget(page).locator(".panel")
    assert panel.get_attribute("role") == "dialog"
    assert panel.get_attribute("aria-label") or panel.get_attribute("aria-labelledby")
    log = widget(page).locator("[role=log]")
    assert log.get_attribute("aria-live") == "polite"
    assert active_class(page) == "textarea"

    # Shift+Enter adds a newline and sends nothing.
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    box = widget(page).locator("textarea")
    assert box.input_value() == "first line\nsecond line"
    page.wait_for_timeout(200)
    assert len(asks) == 0

    # Every control is reachable with Tab: from the page's last link into the widget.
    page.locator("aside a").last.focus()
    reached = set()
    for _ in range(11):
        page.keyboard.press("Tab")
        cls = active_class(page)
        if cls:
            reached.add(cls.split()[0])
    for control in ("hbtn", "log", "suggestion", "send", "launcher"):
        assert control in reached, f"{control} is not reachable by Tab (reached {reached})"
    box.focus()

    # Enter sends. The request is held in flight while the reader presses Enter again,
    # clicks send and submits the form: none of that sends a second request.
    held: list = []
    page.route("**/ask", lambda route: held.append(route))
    box.fill(EN_QUESTION)
    before = settled_replies(page)
    box.press("Enter")
    for _ in range(100):  # bounded: 10 s
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1, "Enter did not send the question"
    assert widget(page).locator(".msg.bot.pending").count() == 1, "no spinner while waiting"
    assert widget(page).locator(".send").is_disabled()
    box.fill(EN_QUESTION)
    box.press("Enter")
    shadow_eval(
        page,
        """root => {
            root.querySelector('.send').click();
            root.querySelector('form').requestSubmit();
        }""",
    )
    page.wait_for_timeout(300)
    assert len(held) == 1 and len(asks) == 1, f"{len(asks)} requests for one question"
    held[0].continue_()
    wait_for_reply(page, before)
    page.unroute("**/ask")
    page.wait_for_timeout(300)
    assert len(asks) == 1, f"{len(asks)} requests for one question"
    assert widget(page).locator(".msg.user").count() == 1
    assert box.input_value() == EN_QUESTION, "what was typed meanwhile is kept"
    box.fill("")

    # Escape closes the panel and gives focus back to the launcher.
    box.focus()
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden", timeout=UI_TIMEOUT_MS)
    assert launcher.get_attribute("aria-expanded") == "false"
    assert active_class(page).split()[0] == "launcher"

    # The conversation survives a reload within the session.
    page.reload(wait_until="load")
    open_widget(page)
    assert widget(page).locator(".msg.user").count() == 1
    assert widget(page).locator(".msg.bot .passage").count() >= 1


def test_error_states_for_4xx_429_5xx_and_timeout(api, pages, new_page):
    page = new_page()
    page.goto(api.url + "/", wait_until="load")
    open_widget(page)

    def reply_to(status: int, body: dict, headers: dict | None = None) -> str:
        page.unroute("**/ask")
        page.route(
            "**/ask",
            lambda route: route.fulfill(status=status, json=body, headers=headers or {}),
        )
        reply = ask(page, EN_QUESTION)
        error = reply.locator(".error")
        error.wait_for(timeout=UI_TIMEOUT_MS)
        return error.inner_text()

    detail = "the question is longer than 1000 characters"
    assert detail in reply_to(422, {"detail": detail})
    text_429 = reply_to(429, {"detail": "too many requests"})
    assert "انتظار" in text_429  # Arabic interface: "please wait"
    text_500 = reply_to(500, {"detail": "boom"})
    assert "500" in text_500
    assert widget(page).locator(".msg.bot").last.locator(".retry").count() == 1
    assert "503" in reply_to(503, {"detail": "no index is loaded"})
    page.unroute("**/ask")

    # A request that never answers times out (data-timeout) and says so.
    url = pages.add("/slow", publisher_page(api.url, data_timeout="1500"))
    slow = new_page()
    slow.goto(url, wait_until="load")
    slow.route("**/ask", lambda route: None)  # never fulfilled
    open_widget(slow)
    reply = ask(slow, EN_QUESTION, timeout_ms=10_000)
    assert reply.locator(".error").count() == 1
    assert "وقتًا طويلًا" in reply.inner_text()  # "took too long"
    assert slow.locator("rag-chat-widget").locator("textarea").is_enabled()


def test_cross_origin_pages(api, pages, new_page):
    """The publisher's page is on another origin than the API, as on a real news site."""
    csp = (
        f"default-src 'self'; script-src 'self' {api.url}; connect-src {api.url}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:"
    )
    url = pages.add("/article", publisher_page(api.url), {"Content-Security-Policy": csp})
    page = new_page()
    asks = count_requests(page, lambda r: r.method == "POST" and r.url.endswith("/ask"))
    page.goto(url, wait_until="load")
    assert pages.origin != api.url
    open_widget(page)
    reply = ask(page, EN_QUESTION)
    href = assert_counterweight_first(reply)
    assert href.startswith(api.url + "/documents/")
    assert [r.url for r in asks] == [api.url + "/ask"]

    # English interface chrome (data-lang="en"): its strings, and the launcher on the right.
    url_en = pages.add(
        "/article-en",
        publisher_page(
            api.url,
            data_lang="en",
            data_title="Ask Al-Marsad",
            data_placeholder="Ask about this article…",
            data_suggestions="Why does China need Russia?|Who wrote this article?",
        ),
        {"Content-Security-Policy": csp},
    )
    page_en = new_page()
    page_en.goto(url_en, wait_until="load")
    launcher = widget(page_en).locator(".launcher")
    launcher.wait_for(timeout=UI_TIMEOUT_MS)
    box = launcher.bounding_box()
    assert box and box["x"] > DESKTOP["width"] / 2, "English chrome: launcher bottom-right"
    assert launcher.get_attribute("aria-label") == "Open the question assistant"
    open_widget(page_en)
    assert shadow_eval(page_en, "root => root.querySelector('.root').dir") == "ltr"
    reply_en = ask(page_en, EN_QUESTION)
    assert_counterweight_first(reply_en)
    assert "Answer" in reply_en.locator(".answer .label").text_content()
    assert direction(widget(page_en).locator(".msg.user .bubble").last) == "ltr"
    screenshot(page_en, "widget-en-interface.png")


def test_strict_csp_without_inline_styles(api, pages, new_page):
    """A page CSP with `style-src 'self'` blocks <style> elements, not the widget's
    constructable stylesheet: the widget is still fully styled."""
    strict = f"default-src 'self'; script-src {api.url}; connect-src {api.url}; style-src 'self'"
    url = pages.add("/strict", publisher_page(api.url), {"Content-Security-Policy": strict})
    page = new_page()
    page.goto(url, wait_until="load")
    open_widget(page)
    styles = shadow_eval(
        page,
        """root => ({
            launcher: getComputedStyle(root.querySelector('.launcher')).position,
            panel: getComputedStyle(root.querySelector('.panel')).borderTopLeftRadius,
            sheets: root.adoptedStyleSheets.length,
        })""",
    )
    assert styles == {"launcher": "fixed", "panel": "18px", "sheets": 1}
    reply = ask(page, EN_QUESTION)
    assert_counterweight_first(reply)


def test_origin_not_allowed_by_cors_shows_an_error(api, new_page):
    other = PageServer()  # another port: an origin missing from RAG_CORS_ORIGINS
    try:
        page = new_page()
        page.goto(other.add("/article", publisher_page(api.url)), wait_until="load")
        open_widget(page)
        reply = ask(page, EN_QUESTION)
        assert reply.locator(".error").count() == 1
        assert reply.locator(".passage").count() == 0
    finally:
        other.close()


def test_phone_sized_screen(api, new_page):
    page = new_page(PHONE)
    page.goto(api.url + "/", wait_until="load")
    open_widget(page)
    panel = widget(page).locator(".panel").bounding_box()
    assert panel and panel["width"] >= PHONE["width"] - 1 and panel["height"] >= PHONE["height"] - 1
    reply = ask(page, AR_QUESTION)
    assert_counterweight_first(reply)
    # No horizontal overflow inside the panel.
    overflow = shadow_eval(
        page,
        "root => root.querySelector('.log').scrollWidth - root.querySelector('.log').clientWidth",
    )
    assert overflow <= 0
    screenshot(page, "widget-mobile.png")
    widget(page).locator(".hbtn").last.click()  # the close button in the header
    widget(page).locator(".panel").wait_for(state="hidden", timeout=UI_TIMEOUT_MS)


def test_error_state_when_the_server_is_stopped(index_dir, tmp_path, new_page):
    """Its own server: stopped mid-conversation, the next question shows an error."""
    with rag_server(index_dir, tmp_path / "rag-serve.log") as server:
        page = new_page()
        page.goto(server.url + "/", wait_until="load")
        open_widget(page)
        reply = ask(page, EN_QUESTION)
        assert reply.locator(".passage").count() >= 1
        server.stop()
        error_reply = ask(page, AR_QUESTION, timeout_ms=ANSWER_TIMEOUT_MS)
        error = error_reply.locator(".error")
        assert error.count() == 1
        assert "تعذّر الوصول" in error.inner_text()  # "can't reach the service"
        assert error_reply.locator(".retry").is_enabled()
        screenshot(page, "widget-error.png")
        # The failed question stays visible and the box is usable again.
        assert widget(page).locator(".msg.user").count() == 2


def panel_luminance(page) -> float:
    """Relative luminance (0 black .. 1 white) of the open panel's background."""
    rgb = shadow_eval(
        page, "root => getComputedStyle(root.querySelector('.panel')).backgroundColor"
    )
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize(
    ("theme", "system", "dark"),
    [
        (None, "dark", False),  # the page's own design wins: light unless asked
        ("dark", "light", True),
        ("auto", "dark", True),
        ("auto", "light", False),
    ],
)
def test_theme(api, pages, new_page, theme, system, dark):
    attributes = {"data_theme": theme} if theme else {}
    url = pages.add(f"/theme-{theme}-{system}", publisher_page(api.url, **attributes))
    page = new_page(color_scheme=system)
    page.goto(url, wait_until="load")
    open_widget(page)  # waits for the opening transition
    assert (panel_luminance(page) < 0.2) is dark
    if theme == "dark":
        reply = ask(page, EN_QUESTION)
        assert_counterweight_first(reply)
        screenshot(page, "widget-dark.png")
