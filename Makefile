# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test index serve eval eval-archive bench soak lint format install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch is pinned to the CPU build (an unpinned one pulls several GB of CUDA).
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: $(STAMP)
	scripts/ensure-dictionary --optional
	$(BIN)/rag index

serve: $(STAMP)
	$(BIN)/rag serve --host $(HOST) --port $(PORT)

run: index serve

test: $(STAMP)
	scripts/ensure-chromium
	scripts/ensure-redis
	scripts/ensure-dictionary
	$(BIN)/python -m pytest -q

eval: $(STAMP) index
	$(BIN)/rag eval eval/dev.jsonl eval/heldout.jsonl eval/blind.jsonl eval/out_of_scope.jsonl --answers eval/answers.jsonl --baseline dense

# The dev archive (eval/archive/, see its README): its own index, never index/;
# `rag index` re-embeds nothing and writes nothing while the archive is unchanged.
ARCHIVE := eval/archive
ARCHIVE_INDEX := build/archive-index
eval-archive: $(STAMP)
	scripts/ensure-dictionary
	$(BIN)/rag index --seeds $(ARCHIVE)/seeds --index $(ARCHIVE_INDEX)
	$(BIN)/rag eval $(ARCHIVE)/arcd-ar.jsonl $(ARCHIVE)/xquad-ar.jsonl $(ARCHIVE)/xquad-en.jsonl $(ARCHIVE)/absent.jsonl --index $(ARCHIVE_INDEX) --baseline dense

bench: $(STAMP) index
	RAG_RATE_LIMIT=0 $(BIN)/python -m rag.bench

soak: $(STAMP) index
	RAG_RATE_LIMIT=0 $(BIN)/python -m pytest -q -m soak -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check rag tests
	$(BIN)/ruff format --check rag tests

format: $(STAMP)
	$(BIN)/ruff format rag tests
	$(BIN)/ruff check --fix rag tests

clean:
	rm -rf $(VENV) index build test-artifacts bench-results
