"""Terminal rendering: Arabic reads right to left in bidi and non-bidi terminals."""

from __future__ import annotations

import textwrap

import pytest
from bidi import get_display

from rag.responses import Answer, AskResponse, Citation, PassageHit
from rag.terminal import RLM, directional, render_response

ARABIC = (
    "وفي سياق أخر، يحتاج الرئيس الصيني إلى روسيا كثقل موازن في التنافس بين بلاده "
    "والولايات المتحدة، خاصة في ظل الدعم الأمريكي لتايوان"
)
ENGLISH = "China needs Russia as a counterweight in its rivalry with the United States."
MIXED = "يحتاج الرئيس الصيني إلى روسيا في مواجهة NATO منذ 2024"


def hit(rank: int, text: str, document: str, title: str) -> PassageHit:
    return PassageHit(
        rank=rank,
        score=0.9 - rank / 10,
        text=text,
        highlight=text,
        citation=Citation(
            id=f"{document}#p{rank}",
            document=document,
            title=title,
            author=None,
            section=None,
            paragraph=rank,
            start=0,
            end=len(text),
            url=f"/documents/{document}#p{rank}",
        ),
    )


def response(answer: bool = True) -> AskResponse:
    return AskResponse(
        question="why does China need Russia?",
        language="en",
        answer=Answer(text=ARABIC, citations=[1]) if answer else None,
        passages=[
            hit(1, ARABIC, "putin-beijing", "بوتين في بكين"),
            hit(2, ENGLISH, "chip-pact", "Tokyo and Seoul agree"),
        ],
        took_ms=12.5,
    )


def test_logical_arabic_lines_start_with_rlm():
    lines = directional(ARABIC, 40, "logical")
    assert len(lines) > 1
    assert all(line.startswith(RLM) and line.count(RLM) == 1 for line in lines)


def test_logical_keeps_the_text_in_logical_order():
    lines = directional(ARABIC, 40, "logical")
    assert " ".join(line.removeprefix(RLM) for line in lines) == ARABIC


def test_english_lines_are_untouched_in_both_modes():
    for mode in ("logical", "visual"):
        assert directional(ENGLISH, 30, mode) == textwrap.wrap(ENGLISH, 30)


def test_lines_fit_the_width():
    for mode in ("logical", "visual"):
        assert all(len(line.removeprefix(RLM)) <= 40 for line in directional(ARABIC, 40, mode))


def test_visual_mode_reorders_each_line():
    logical = [line.removeprefix(RLM) for line in directional(ARABIC, 40, "logical")]
    visual = directional(ARABIC, 40, "visual")
    assert len(visual) == len(logical)
    for lo, vi in zip(logical, visual, strict=True):
        assert RLM not in vi
        assert vi != lo
        assert vi == get_display(lo).rjust(40)
        assert vi.strip() == lo[::-1]  # pure Arabic: the line runs backwards


def test_visual_mode_keeps_latin_and_numbers_left_to_right():
    (line,) = directional(MIXED, 80, "visual")
    assert "NATO" in line and "2024" in line
    assert line.strip().startswith("2024")  # the end of the sentence is on the left
    assert line.strip().endswith(MIXED.split()[0][::-1])


def test_mode_comes_from_the_setting(monkeypatch):
    monkeypatch.setenv("RAG_TERMINAL_BIDI", "visual")
    assert directional(ARABIC, 40) == directional(ARABIC, 40, "visual")
    monkeypatch.delenv("RAG_TERMINAL_BIDI")
    assert directional(ARABIC, 40) == directional(ARABIC, 40, "logical")


def test_render_marks_arabic_lines_only():
    out = render_response(response(), mode="logical")
    arabic_lines = [ln for ln in out.splitlines() if "روسيا" in ln]
    english_lines = [ln for ln in out.splitlines() if "counterweight" in ln]
    assert len(arabic_lines) >= 2  # the answer and the passage
    assert all(ln.lstrip(" ").startswith(RLM) for ln in arabic_lines)
    assert english_lines and not any(RLM in ln for ln in english_lines)


def test_render_lists_citations_and_answer():
    out = render_response(response(), mode="logical")
    assert out.startswith("Answer:")
    assert "[1] score 0.800  putin-beijing#p1  chars 0-" in out
    assert "-> /documents/chip-pact#p2" in out
    assert out.rstrip().endswith("(en, 12.5 ms)")


def test_render_without_answer_says_so():
    out = render_response(response(answer=False), mode="logical")
    assert out.startswith("No confident answer")
    assert "Answer:" not in out


@pytest.mark.parametrize("mode", ["visual"])
def test_render_visual_mode_reorders_arabic(mode):
    out = render_response(response(), mode=mode)
    assert RLM not in out
    assert "ايسور" in out  # "روسيا" printed right to left
    assert "counterweight" in out
