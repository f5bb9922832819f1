"""Documents that arrived by the API or a feed, kept under the index folder.

    index/sources/documents/<id>.json   {"id", "kind", "body", "url", "title", "published"}
    index/sources/deleted/<id>          a seed file's document deleted through the API
    index/sources/fetch.json            ETag / Last-Modified / entry dates per URL

They are not in `seeds/`, yet `rag index` must keep them: a rebuild from the
seeds would otherwise drop every article the CMS pushed. So the builder reads
these beside the seed files (`stored_documents`). Each write is atomic and
fsynced before the index generation that contains it, so once a PUT returns,
a `kill -9` loses neither the source nor the index.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from pathlib import Path

from rag.documents import Document
from rag.ingest import Collected, IngestLimits, UnreadableDocument, collect, parse_text

SOURCES = "sources"


def _atomic_write(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SourceStore:
    def __init__(self, index_root: Path) -> None:
        self.root = Path(index_root) / SOURCES
        self.documents_dir = self.root / "documents"
        self.deleted_dir = self.root / "deleted"

    def save(
        self,
        doc_id: str,
        kind: str,
        body: str,
        url: str | None = None,
        title: str | None = None,
        published: str | None = None,
    ) -> None:
        record = {
            "id": doc_id,
            "kind": kind,
            "body": body,
            "url": url,
            "title": title,
            "published": published,
        }
        _atomic_write(self.documents_dir / f"{doc_id}.json", json.dumps(record, ensure_ascii=False))
        with contextlib.suppress(FileNotFoundError):
            (self.deleted_dir / doc_id).unlink()

    def delete(self, doc_id: str) -> None:
        """Forget a stored document; a seed file's stays deleted until it is PUT again."""
        _atomic_write(self.deleted_dir / doc_id, "")
        with contextlib.suppress(FileNotFoundError):
            (self.documents_dir / f"{doc_id}.json").unlink()

    def has(self, doc_id: str) -> bool:
        return (self.documents_dir / f"{doc_id}.json").is_file()

    def deleted(self) -> set[str]:
        if not self.deleted_dir.is_dir():
            return set()
        return {p.name for p in self.deleted_dir.iterdir() if not p.name.startswith(".")}

    def documents(self, limits: IngestLimits | None = None) -> tuple[list[Document], list]:
        """Every stored document, parsed; and (file, why) for those that no longer parse."""
        docs, skipped = [], []
        if not self.documents_dir.is_dir():
            return docs, skipped
        for path in sorted(self.documents_dir.glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                docs.append(
                    parse_text(
                        record["body"],
                        record["kind"],
                        record["id"],
                        path=record.get("url") or f"api:{record['id']}",
                        url=record.get("url"),
                        title=record.get("title"),
                        published=record.get("published"),
                        limits=limits,
                    )
                )
            except (OSError, ValueError, KeyError, UnreadableDocument) as exc:
                skipped.append((str(path), str(exc)))
        return docs, skipped

    # -- fetch state (feeds and sitemaps) ----------------------------------------

    def fetch_state(self) -> dict:
        try:
            return json.loads((self.root / "fetch.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def save_fetch_state(self, state: dict) -> None:
        _atomic_write(self.root / "fetch.json", json.dumps(state, ensure_ascii=False, indent=1))


def collect_all(seeds_dir: Path, index_root: Path, limits: IngestLimits | None = None) -> Collected:
    """What `rag index` indexes: the seed files, then stored documents, less deletions."""
    store = SourceStore(index_root)
    stored, bad = store.documents(limits)
    result = collect([seeds_dir], limits, extra=stored)
    deleted = store.deleted()
    result.documents = [d for d in result.documents if d.id not in deleted]
    result.skipped.extend(bad)
    return result
