"""The bench's printed table: the same figures as the JSON, for people."""

from __future__ import annotations


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return "-" if value is None else str(value)


def _table(title: str, header: list[str], rows: list[list[object]]) -> str:
    cells = [header, *[[_fmt(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        # First column left-aligned (labels), the rest right-aligned (numbers).
        pairs = enumerate(zip(row, widths, strict=True))
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in pairs)

    out = [f"\n== {title}", line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def _target(value: float | None, limit: float, below: bool) -> str:
    if value is None:
        return "n/a"
    ok = value <= limit if below else value >= limit
    return f"{value:.3g} ({'<=' if below else '>='} {limit}: {'met' if ok else 'MISSED'})"


def _skipped(name: str, section: dict) -> str:
    """The heading of a bench part that did not run, with the reason it recorded."""
    return f"\n== {name}: skipped ({section.get('skipped')})"


def render(results: dict) -> str:
    parts = []
    m = results["machine"]
    parts.append(f"machine: {m['cpu']}, {m['cores']} cores, python {m['python']}")
    f = results.get("floor")
    if f:
        named = [
            ("embed one question", "embed"),
            ("vector search (top 3)", "search"),
            ("retrieval (hybrid, top 3)", "retrieve"),
            ("  Arabic questions", "retrieve_ar"),
            ("  English questions", "retrieve_en"),
            ("QAService.ask (no HTTP)", "ask_in_process"),
            ("  Arabic questions", "ask_ar"),
            ("  English questions", "ask_en"),
        ]
        rows = [[label, f[key]["p50_ms"], f[key]["p99_ms"]] for label, key in named if key in f]
        rows.append(["embed, per question in a batch of 32", f["batch32_ms_per_question"], None])
        parts.append(_table("floor (in process, ms)", ["what", "p50", "p99"], rows))
        extra = [
            f"floor embed+search p50: {f['floor_p50_ms']} ms; "
            f"embedding ceiling (batch of 32): {f['ceiling_qps']} questions/s",
            f"CPU float32 peak (numpy matmul): {f['peak_gflops']} GFLOP/s",
        ]
        if "arithmetic_limit_ms" in f:
            extra.append(
                f"encoder: {f['mean_tokens']:.1f} tokens/question -> {f['gflop_per_question']} "
                f"GFLOP -> arithmetic limit {f['arithmetic_limit_ms']} ms; embed p50 / limit = "
                f"{f['embed_over_limit']}x (single), {f['batch32_over_limit']}x (batched)"
            )
        parts.append("\n".join(extra))
    c = results.get("concurrency")
    if c:
        rows = [
            [
                n,
                c["lock"][n]["qps"],
                c["lock"][n]["p50_ms"],
                c["batch"][n]["qps"],
                c["batch"][n]["p50_ms"],
                c["batch"][n]["mean_batch_size"],
                c["batch_over_lock_qps"][n],
            ]
            for n in c["lock"]
        ]
        parts.append(
            _table(
                f"embedding under concurrency (in process; batch max {c['batch_max_size']}, "
                f"wait {c['batch_max_wait_ms']} ms)",
                [
                    "clients",
                    "lock q/s",
                    "lock p50",
                    "batch q/s",
                    "batch p50",
                    "mean batch",
                    "batch/lock",
                ],
                rows,
            )
        )
    if results.get("clients"):
        from rag.bench.clients import render_clients

        parts.append(render_clients(results["clients"]))
    q = results.get("questionlog")
    if q:
        parts.append(_questionlog(q))
    h = results.get("http")
    if h and "levels" in h:
        rows = [
            [
                lv["clients"],
                lv["ok"],
                lv["errors"],
                lv["qps"],
                lv["p50_ms"],
                lv["p99_ms"],
                lv.get("p50_ms_ar"),
                lv.get("p50_ms_en"),
                lv.get("server_cpu_ms_per_request"),
            ]
            for lv in h["levels"]
        ]
        parts.append(
            _table(
                "HTTP POST /ask on 127.0.0.1 (ms)",
                [
                    "clients",
                    "ok",
                    "errors",
                    "q/s",
                    "p50",
                    "p99",
                    "p50 ar",
                    "p50 en",
                    "server CPU/req",
                ],
                rows,
            )
        )
        parts.append(
            f"cold start (spawn to /health ok): {h['cold_start_s']} s\n"
            f"interleaved with HTTP: floor embed+search p50 {h['interleaved_floor']['p50_ms']} ms, "
            f"embedding ceiling {h['interleaved_ceiling_qps']} questions/s\n"
            f"HTTP p50 at c=1 / in-process floor: "
            f"{_target(h.get('p50_c1_over_floor'), 1.5, below=True)}\n"
            f"HTTP q/s at c=16 / embedding ceiling: "
            f"{_target(h.get('qps_c16_over_ceiling'), 0.8, below=False)}"
        )
    elif h:
        parts.append(_skipped("HTTP", h))
    i = results.get("indexing")
    if i:
        parts.append(
            f"\n== indexing: {i['passages']} passages + {i['sentences']} sentences of "
            f"{i['documents']} documents in {i['seconds']} s -> {i['passages_per_s']} passages/s "
            f"({i['texts_embedded_per_s']} embedded texts/s)"
        )
        fp = i.get("footprint")
        if fp:
            files = ", ".join(f"{k} {v:.0f}" for k, v in fp["bytes_per_passage"].items())
            parts.append(
                f"served index on disk: {fp['total_bytes_per_passage']:.0f} bytes/passage ({files})"
            )
    a = results.get("archive_indexing")
    if a and "skipped" not in a:
        parts.append(_archive(a))
    r = results.get("ray_indexing")
    if r and "skipped" not in r:
        parts.append(
            f"\n== the same slice on Ray (local, {r['workers']} workers): rag index "
            f"{r['build']['seconds']} s ({r['build']['passages_per_s']} passages/s); "
            f"one worker embeds {r['per_worker']['passages_per_s']} passages/s"
        )
    elif r:
        parts.append(_skipped("Ray", r))
    s = results.get("scaling")
    if s:
        p = s["params"]
        rows = [
            [
                r["passages"],
                r["index_kind"],
                r["flat_build_s"],
                r["hnsw_build_s"],
                r["flat_bytes_per_passage"],
                r["hnsw_bytes_per_passage"],
                r["flat_search"]["p50_ms"],
                r["hnsw_search"]["p50_ms"],
                r["hnsw_recall_at_10"],
                r["bm25_build_s"],
                r["lexical_argsort"]["p50_ms"],
                r["lexical_argpartition"]["p50_ms"],
            ]
            for r in s["sizes"]
        ]
        parts.append(
            _table(
                f"scaling ({s['vectors']}; HNSW M={p['hnsw_m']} efC={p['hnsw_ef_construction']} "
                f"efS={p['hnsw_ef_search']}; exact up to {p['exact_search_limit']})",
                [
                    "passages",
                    "kind",
                    "flat build s",
                    "hnsw build s",
                    "flat B/p",
                    "hnsw B/p",
                    "flat p50",
                    "hnsw p50",
                    "recall@10",
                    "bm25 build s",
                    "bm25 sort p50",
                    "bm25 part p50",
                ],
                rows,
            )
        )
        for r in s["sizes"]:
            sweep = ", ".join(
                f"ef {e['ef_search']}: {e['recall_at_10']:.3f} (en {e['recall_en']:.2f}, "
                f"ar {e['recall_ar']:.2f}) {e['p50_ms']:.2f}ms"
                for e in r["ef_sweep"]
            )
            parts.append(f"  {r['passages']}: recall@10 and p50 by efSearch: {sweep}")
        parts.append(f"  exact search costs {s['flat_us_per_passage']} us per passage")
        for skipped in s.get("skipped", []):
            parts.append(f"  {skipped['passages']}: skipped (time budget)")
    parts.append(
        f"\ntotal bench time: {results.get('seconds')} s; load average at start "
        f"{results.get('loadavg_start')}, at end {results.get('loadavg_end')} (2 cores)"
    )
    return "\n".join(parts)


def _questionlog(q: dict) -> str:
    rows = []
    for clients in (1, 16):
        level = q[f"c{clients}"]
        for name in ("on", "off"):
            lv = level[name]
            rows.append([f"c={clients} log {name}", lv["ok"], lv["errors"], lv["qps"],
                         lv["p50_ms"], lv["p99_ms"]])  # fmt: skip
    lines = [
        _table(
            "question log on / off, same run (ms)",
            ["run", "ok", "errors", "q/s", "p50", "p99"],
            rows,
        ),  # fmt: skip
    ]
    for clients in (1, 16):
        level = q[f"c{clients}"]
        spread = [r for r in level["per_round_p50_ratios"] if r is not None]
        lines.append(
            f"c={clients}: p50 on/off {level['p50_on_over_off']}, q/s on/off "
            f"{level['qps_on_over_off']} (per-round p50 ratios {min(spread, default=None)}"
            f"-{max(spread, default=None)})"
        )
    lines.append(f"records written by the log-on server: {q['records_written']}")
    hook = q.get("hook")
    if hook:
        lines.append(
            f"in process: logging hook p50 {hook['hook_p50_us']} us per request (record + "
            f"queue) vs QAService.ask p50 {hook['ask_p50_ms']} ms = {hook['hook_share_of_ask']:.3%}"
        )
    return "\n".join(lines)


def _archive(a: dict) -> str:
    def line(name: str, r: dict) -> str:
        tokens = f", {r['tokens_per_s']} tokens/s" if r.get("tokens_per_s") else ""
        ratio = f", {r['over_engine']}x the engine" if "over_engine" in r else ""
        return f"{name}: {r['seconds']} s, {r['passages_per_s']} passages/s{tokens}{ratio}"

    fp = a.get("footprint") or {}
    terms = a.get("term_table") or {}
    default = a.get("default", "full")
    return "\n".join(
        [
            f"\n== indexing the dev archive: {a['documents']} documents, {a['passages']} passages, "
            f"{a['tokens']} tokens",
            line("engine alone, passages once in batches of 32", a["engine"]),
            line("rag index, passage_vectors=full (two passes)", a["full"]),
            line("rag index, passage_vectors=pooled (one pass)", a["pooled"]),
            f"of each build, the term table (cold, {terms.get('terms')} terms; later builds "
            f"reuse it): {terms.get('seconds')} s, {terms.get('over_engine')}x the engine",
            f"index / engine, rag index's default ({default}): "
            f"{_target(a[default]['over_engine'], 1.25, below=True)}",
            f"memory {a.get('memory_bytes_per_passage')} bytes/passage (RSS growth on load), "
            f"disk {fp.get('total_bytes_per_passage')} bytes/passage",
            *_word_matching(a.get("word_matching")),
            *_focus(a.get("focus")),
        ]
    )


def _focus(f: dict | None) -> list[str]:
    if not f:
        return []
    return [
        f"focus, {f['questions']} archive questions embedded and retrieved "
        f"({f['focused']} focused): mean {f['focus_mean_ms']} ms with the focus vs "
        f"{f['plain_mean_ms']} ms without = {f['focus_over_plain']}x "
        f"(p50 {f['focus_p50_ms']} vs {f['plain_p50_ms']} ms)",
        f"distinct (copies dropped from the focused candidates): mean "
        f"{f['distinct_mean_ms']} ms = {f['distinct_over_plain']}x a question's embed and retrieve",
    ]


def _word_matching(w: dict | None) -> list[str]:
    if not w:
        return []
    return [
        f"word matching, {w['questions']} archive questions in a row ({w['terms']} terms): "
        f"p50 {w['kept_p50_ms']} ms with neighbours kept vs {w['searched_p50_ms']} ms "
        f"searching every time = {w['kept_over_searched']}x",
        *(
            [
                "with the dictionary (back-off, confirmed candidates, highlight senses): "
                f"p50 {w['dictionary_p50_ms']} ms = "
                f"{w['dictionary_over_kept']}x without; its lists parsed in "
                f"{w['dictionary_load_s']} s"
                + (
                    f", read back from the cache in {w['dictionary_cached_s']} s = "
                    f"{w['cached_over_parsed']}x"
                    if w.get("dictionary_cached_s") is not None
                    else ""
                )
                + ", once per process"
            ]
            if w.get("dictionary_p50_ms") is not None
            else []
        ),
    ]
