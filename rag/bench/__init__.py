"""`make bench`: where the time goes, and how cost grows with the corpus.

Run as `python -m rag.bench`. It prints a table and writes the same figures as
JSON to `bench-results/bench-<timestamp>.json`. The machine is shared and
noisy, so every comparison is a ratio of two figures measured in the same run,
close together in time.

Sections: the in-process floor (`floor`), lock versus micro-batching
(`concurrency`), real HTTP (`http`), indexing throughput (`indexing`) and
synthetic corpora (`scaling`).
"""
