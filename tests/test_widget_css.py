"""widget.css is a real stylesheet: it parses cleanly and the server inlines it into /widget.js."""

from __future__ import annotations

import json
from pathlib import Path

import tinycss2

from rag.api.routes_static import CSS_MARKER, STATIC_DIR

CSS = STATIC_DIR / "widget.css"


def errors(nodes) -> list[str]:
    """Parse errors anywhere: top level, inside rules, inside @media blocks."""
    found = []
    for node in nodes:
        if node.type == "error":
            found.append(f"line {node.source_line}: {node.message}")
        elif node.type in ("qualified-rule", "at-rule") and node.content is not None:
            inner = tinycss2.parse_blocks_contents(node.content, skip_whitespace=True)
            found.extend(errors(inner))
    return found


def test_widget_css_parses_without_errors() -> None:
    rules = tinycss2.parse_stylesheet(CSS.read_text(encoding="utf-8"), skip_comments=True)
    assert len([r for r in rules if r.type == "qualified-rule"]) > 50
    assert errors(rules) == []


def test_a_broken_stylesheet_is_caught(tmp_path: Path) -> None:
    rules = tinycss2.parse_stylesheet(".a { color: red; } .b { color: ; ]] }", skip_comments=True)
    assert errors(rules)


def test_the_served_widget_carries_the_stylesheet(client) -> None:
    body = client.get("/widget.js").text
    assert CSS_MARKER.decode() not in body
    assert json.dumps(CSS.read_text(encoding="utf-8")) in body


def test_the_script_itself_holds_no_css(tmp_path: Path) -> None:
    script = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    assert CSS_MARKER.decode() in script
    assert "box-sizing" not in script and "@media" not in script


def test_a_widget_without_its_stylesheet_still_loads(make_client, tmp_path: Path) -> None:
    (tmp_path / "widget.js").write_text(f"var CSS = {CSS_MARKER.decode()};\n", encoding="utf-8")
    response = make_client(static_dir=tmp_path).get("/widget.js")
    assert response.status_code == 200
    assert CSS_MARKER.decode() in response.text
