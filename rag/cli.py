"""`rag` command line: each command is a few lines over the core."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from rag.config import Settings
from rag.errors import RagError


def _settings(**overrides: object) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


class _Group(click.Group):
    """Turn every RagError into one line on stderr instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except RagError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=_Group)
def main() -> None:
    """Question answering with exact citations over Arabic and English articles."""


@main.command()
@click.option("--seeds", "seeds_dir", type=click.Path(path_type=Path), help="Source folder.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--model", help="Embedding model name or local path.")
@click.option(
    "--ray",
    "ray_address",
    metavar="ADDRESS",
    help="Parse and embed on this Ray cluster ('local' starts one); see RAG_RAY_ADDRESS.",
)
def index(
    seeds_dir: Path | None, index_dir: Path | None, model: str | None, ray_address: str | None
) -> None:
    """Build the index from the seed documents (unchanged documents are reused)."""
    from rag.embeddings import load_embedder

    settings = _settings(
        seeds_dir=seeds_dir, index_dir=index_dir, model=model, ray_address=ray_address
    )
    embedder = load_embedder(settings.model)
    _build(settings, embedder)


def _build(settings: Settings, embedder: object) -> None:
    """`rag index` and `rag ingest`: build with a progress bar, one line per skipped file."""
    from tqdm import tqdm

    from rag.index.builder import build_index
    from rag.index.store import IndexStore
    from rag.ingest import IngestLimits

    prepare = None
    if settings.ray_address:
        from rag.index.ray_backfill import RayBackfill

        prepare = RayBackfill(
            settings.ray_address, settings.model, settings.passage_vectors, settings.ray_workers
        )
    # One bar over every text the model embeds: paragraphs, sentences, new terms
    # (documents, not texts, while a Ray cluster embeds them).
    with tqdm(total=0, unit="text", desc="embedding", disable=None) as bar:

        def add_to_total(count: int) -> None:
            bar.total += count
            bar.refresh()

        report = build_index(
            settings.seeds_dir,
            IndexStore(settings.index_dir),
            embedder,
            exact_search_limit=settings.exact_search_limit,
            on_total=add_to_total,
            on_progress=bar.update,
            limits=IngestLimits(settings.max_document_bytes, settings.max_document_chars),
            passage_vectors=settings.passage_vectors,
            prepare_documents=prepare,
        )
    for path, why in report.skipped:
        click.echo(f"skipped {path}: {why}", err=True)
    for path, why in report.notes:
        click.echo(f"note: {path}: {why}", err=True)
    skipped = f", {len(report.skipped)} skipped" if report.skipped else ""
    if report.unchanged:
        click.echo(
            f"index is up to date: {report.documents} documents, {report.passages} passages"
            f"{skipped} -> {settings.index_dir}/{report.generation}"
        )
        return
    click.echo(
        f"indexed {report.documents} documents, {report.passages} passages in "
        f"{report.seconds:.1f}s: {len(report.embedded)} embedded, {len(report.reused)} unchanged, "
        f"{len(report.removed)} removed{skipped} -> {settings.index_dir}/{report.generation}"
    )


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One GET /documents/{id} object a line.")
def parse(paths: tuple[Path, ...], as_json: bool) -> None:
    """Show what would be indexed from PATHS (files or folders), without embedding."""
    from rag.ingest import IngestLimits, UnreadableDocument, collect, load_document
    from rag.ingest.show import as_json as to_json
    from rag.ingest.show import outline

    settings = _settings()
    limits = IngestLimits(settings.max_document_bytes, settings.max_document_chars)
    folders = [p for p in paths if p.is_dir()]
    collected = collect(folders, limits)
    for path in (p for p in paths if not p.is_dir()):
        notes: list[str] = []
        try:
            collected.documents.append(load_document(path, limits=limits, notes=notes))
        except UnreadableDocument as exc:
            collected.skipped.append((str(path), str(exc)))
        collected.notes.extend((str(path), note) for note in notes)
    for doc in collected.documents:
        click.echo(to_json(doc) if as_json else outline(doc) + "\n")
    for path, why in collected.skipped:
        click.echo(f"skipped {path}: {why}", err=True)
    for path, why in collected.notes:
        click.echo(f"note: {path}: {why}", err=True)
    click.echo(
        f"{len(collected.documents)} documents, "
        f"{sum(len(d.passages) for d in collected.documents)} paragraphs, "
        f"{len(collected.skipped)} skipped",
        err=True,
    )


@main.command()
@click.option("--feed", help="RSS or Atom feed URL.")
@click.option("--sitemap", help="Sitemap URL (urlset or sitemapindex).")
@click.option("--seeds", "seeds_dir", type=click.Path(path_type=Path), help="Source folder.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--model", help="Embedding model name or local path.")
def ingest(
    feed: str | None,
    sitemap: str | None,
    seeds_dir: Path | None,
    index_dir: Path | None,
    model: str | None,
) -> None:
    """Fetch a feed's or sitemap's new and changed pages, then index them."""
    from rag.embeddings import load_embedder
    from rag.ingest import IngestLimits
    from rag.ingest.feeds import ingest as run_ingest
    from rag.ingest.fetch import Fetcher, FetchError
    from rag.ingest.sources import SourceStore

    if (feed is None) == (sitemap is None):
        raise click.UsageError("give exactly one of --feed URL or --sitemap URL")
    url = feed or sitemap
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("an http:// or https:// URL", param_hint="--feed/--sitemap")
    settings = _settings(seeds_dir=seeds_dir, index_dir=index_dir, model=model)
    fetcher = Fetcher(settings.user_agent, settings.fetch_timeout, settings.fetch_interval)
    limits = IngestLimits(settings.max_document_bytes, settings.max_document_chars)
    try:
        report = run_ingest(
            url,
            "feed" if feed else "sitemap",
            SourceStore(settings.index_dir),
            fetcher,
            limits,
            say=lambda line: click.echo(line, err=True),
        )
    except FetchError as exc:
        raise RagError(f"{url}: {exc}") from exc
    click.echo(
        f"{url}: {report.entries} entries, {len(report.fetched)} new or changed, "
        f"{report.unchanged} unchanged, {len(report.skipped)} skipped"
    )
    _build(settings, load_embedder(settings.model))


@main.command()
@click.argument("question")
@click.option("--top-k", type=click.IntRange(1, 100), default=3, show_default=True)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--model", help="Embedding model name or local path.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly the API response.")
def ask(
    question: str, top_k: int, index_dir: Path | None, model: str | None, as_json: bool
) -> None:
    """Print the passages that answer QUESTION, with citations."""
    from rag.query.analyse import InvalidQuestionError, check_question
    from rag.service import QAService
    from rag.terminal import render_response

    try:
        check_question(question)  # the API's gate: a bad question is a usage error
    except InvalidQuestionError as exc:
        raise click.BadParameter(str(exc), param_hint="QUESTION") from None
    service = QAService(_settings(index_dir=index_dir, model=model))
    service.load()
    response = service.ask(question, top_k)
    if as_json:
        click.echo(json.dumps(response.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        click.echo(render_response(response))


@main.command()
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, help="Port (default 8000).")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--model", help="Embedding model name or local path.")
def serve(host: str | None, port: int | None, index_dir: Path | None, model: str | None) -> None:
    """Serve the HTTP API, the chat widget and the demo page."""
    from rag.threads import openmp_wait

    openmp_wait()  # before FAISS and the engine load their OpenMP (rag/threads.py)
    import uvicorn

    from rag.api.app import create_app
    from rag.api.observe import log_config

    settings = _settings(host=host, port=port, index_dir=index_dir, model=model)
    app = create_app(settings)
    # Uvicorn trusts X-Forwarded-For from loopback by default; the rate limiter must
    # only see a forwarded address when the operator says a proxy is in front.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        # RAG_LOG_FORMAT=json: the app writes one JSON line per request, uvicorn none.
        access_log=settings.access_log and settings.log_format != "json",
        proxy_headers=settings.trust_proxy,
        **({"log_config": config} if (config := log_config(settings.log_format)) else {}),
    )


@main.command("eval")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index folder.")
@click.option("--model", help="Embedding model name or local path.")
@click.option(
    "--baseline",
    type=click.Choice(["dense", "lexical", "none"]),
    default="dense",
    show_default=True,
    help="Also score this retrieval mode in the same run, for comparison.",
)
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSONL of {id, answers}: the sentences to highlight, to score highlights too.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def eval_command(
    files: tuple[Path, ...],
    index_dir: Path | None,
    model: str | None,
    baseline: str,
    answers_file: Path | None,
    as_json: bool,
) -> None:
    """Score retrieval on JSONL files of questions with gold substrings."""
    from rag.evaluation.modes import evaluate_modes, render_eval
    from rag.evaluation.scoring import load_questions, merge_answers

    try:
        questions = [q for file in files for q in load_questions(file)]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="FILES") from exc
    if answers_file is not None:
        try:
            questions = merge_answers(questions, answers_file)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--answers") from exc
    results = evaluate_modes(_settings(index_dir=index_dir, model=model), questions, baseline)
    if as_json:
        payload = {mode: scores.as_dict(with_results=True) for mode, scores in results.items()}
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        click.echo(render_eval(results))


@main.command()
@click.option("--days", type=click.IntRange(1, 3660), default=7, show_default=True)
@click.option("--since", help="First UTC day, YYYY-MM-DD (default: --days ago).")
@click.option("--until", help="Last UTC day, YYYY-MM-DD (default: now).")
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--data-dir", type=click.Path(path_type=Path), help="Question log folder.")
@click.option("--model", help="Embedding model for grouping near-duplicate questions.")
@click.option(
    "--similarity",
    type=click.FloatRange(0.0, 1.0),
    default=0.9,
    show_default=True,
    help="Cosine at which two questions count as the same one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the report as CSV.")
def report(
    days: int,
    since: str | None,
    until: str | None,
    top: int,
    data_dir: Path | None,
    model: str | None,
    similarity: float,
    as_json: bool,
    as_csv: bool,
) -> None:
    """What readers asked and what went unanswered, from the question log."""
    from rag.embeddings import load_embedder
    from rag.newsroom.export import to_csv, to_text
    from rag.newsroom.report import build_report, period

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    settings = _settings(data_dir=data_dir, model=model)
    start, end = period(days, since, until)
    embedder = load_embedder(settings.model)
    result = build_report(settings.data_dir, embedder, start, end, top, similarity)
    if as_json:
        click.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
    elif as_csv:
        click.echo(to_csv(result), nl=False)
    else:
        click.echo(to_text(result))
