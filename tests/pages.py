"""HTML article pages the ingestion tests write: one English, one Arabic, a feed of them."""

from __future__ import annotations

EN_TITLE = "Chip pact reshapes Asian supply chains"
EN_PARAGRAPHS = (
    "Three governments signed an agreement on Tuesday that commits them to share "
    "semiconductor export data and to coordinate subsidies for new fabrication plants.",
    "The pact covers memory chips and advanced logic, but leaves out older chips used in "
    "cars, which officials said would be handled in a separate round of talks next year.",
    "Analysts expect the agreement to shorten delivery times for electronics makers, who "
    "waited up to a year for some parts during the last shortage.",
)
AR_TITLE = "زيارة بوتين إلى بكين ودلالاتها"
AR_PARAGRAPHS = (
    "وصل الرئيس الروسي فلاديمير بوتين إلى العاصمة الصينية بكين في زيارة رسمية تستمر يومين، "
    "هي الأولى له إلى الخارج منذ بدء ولايته الجديدة، وتناولت المباحثات ملفات التجارة والطاقة.",
    "تضمنت أجندة الزيارة توقيع عدد من الاتفاقيات في مجالات الطاقة والتجارة والتعاون العسكري، "
    "إضافة إلى بحث مشروع خط أنابيب الغاز الجديد بين البلدين.",
)


def article_page(
    title: str,
    author: str,
    date: str,
    paragraphs: tuple[str, ...],
    heading: str,
    lang: str = "en",
    charset: str = "utf-8",
    site: str = "The Daily Ledger",
    url: str | None = None,
) -> str:
    """A news page with navigation, a related-links box, comments and a footer around it."""
    body = [f"<p>{paragraphs[0]}</p>", f"<h2>{heading}</h2>"]
    body += [f"<p>{p}</p>" for p in paragraphs[1:]]
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="{charset}">
<title>{title} | {site}</title>{canonical}
<meta property="og:site_name" content="{site}">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{date}">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
<article><h1>{title}</h1>
{"".join(body)}
</article>
<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/a">Markets rally as rates hold steady</a></li>
<li><a href="/b">Oil falls on weak demand outlook</a></li></ul></aside>
<section id="comments"><h3>Comments</h3><p>Great article, thanks for sharing it!</p></section>
<footer><p>Copyright 2024 {site}. All rights reserved. Subscribe to our newsletter.</p></footer>
</body></html>
"""


def english_page(url: str | None = None, paragraphs: tuple[str, ...] = EN_PARAGRAPHS) -> str:
    return article_page(
        EN_TITLE, "Jane Doe", "2024-05-14T09:30:00Z", paragraphs, "What the deal covers", url=url
    )


def arabic_page(charset: str = "utf-8", url: str | None = None) -> str:
    return article_page(
        AR_TITLE,
        "أحمد السيد",
        "2024-05-16",
        AR_PARAGRAPHS,
        "أجندة الزيارة",
        lang="ar",
        charset=charset,
        site="مركز الدراسات",
        url=url,
    )
