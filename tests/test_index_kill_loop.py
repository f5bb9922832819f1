"""`kill -9` of a real `rag index` process at seeded random points, over and over.

test_index.py kills the indexer once at each of three chosen points. Here a
bounded loop (`ITERATIONS`) kills it after a random delay drawn from a seeded
generator, so the kills land all over a build: embedding, the term table,
writing files, fsyncs, the rename of the generation, the swap of CURRENT, the
clean-up, and sometimes after the build has finished. Every iteration changes
a seed document first, so each build has something new to write.

After each kill the index on disk must load and answer exactly as a complete
index does: the previous one if CURRENT was not yet swapped, the new one if it
was. Nothing in between. A final, unkilled build must succeed and clean up.

The embedder is the fake `HashEmbedder` (through the real `rag index` command
and its real builder and store), not the real model: what a kill can break is
the write path, which never looks at the vectors' values; the fake makes every
phase equally slow (a short sleep per embedding batch, fsync, rename and
replace), so random delays reach all of them, where with the real model
nearly all of a build is embedding; and the loop stays within seconds.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import ENGLISH_ARTICLE, PYTHON, HashEmbedder, answers, build, subprocess_env
from helpers import write_seeds as write_sample_seeds

from rag.index.store import POINTER, IndexStore

SEED = 20261129
ITERATIONS = 10
STEP_SECONDS = 0.02  # each traced step of a build sleeps this long
PROCESS_TIMEOUT = 60.0
ARTIFACT = Path(__file__).resolve().parents[1] / "test-artifacts" / "kill-loop.json"

INDEXER = """
import os, sys, time
from pathlib import Path

import rag.embeddings
import rag.index.builder
from helpers import HashEmbedder
from rag.index.terms import TermTable
from rag.index.bm25 import BM25Index

seeds, index, trace, step_seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
log = open(trace, "a", buffering=1)


def step(name):
    log.write(name + "\\n")
    time.sleep(step_seconds)


class TracedEmbedder(HashEmbedder):
    def embed_passages(self, texts):
        step("embed passages")
        return super().embed_passages(texts)

    def embed_queries(self, texts):
        step("embed terms")
        return super().embed_queries(texts)


def traced(name, real):
    def call(*args, **kwargs):
        step(name)
        return real(*args, **kwargs)

    return call


def traced_fsync(real):
    def fsync(fd):
        step("fsync " + Path(os.readlink(f"/proc/self/fd/{fd}")).name)
        return real(fd)

    return fsync


os.fsync = traced_fsync(os.fsync)
os.rename = traced("rename generation", os.rename)
os.replace = traced("replace CURRENT", os.replace)
rag.index.builder.write_vector_index = traced("write vectors", rag.index.builder.write_vector_index)
rag.index.builder.np.savez = traced("write sentences", rag.index.builder.np.savez)
BM25Index.save = traced("write bm25", BM25Index.save)
TermTable.save = traced("write terms", TermTable.save)
rag.embeddings.load_embedder = lambda name=None: TracedEmbedder()
from rag.cli import main

main(["index", "--seeds", seeds, "--index", index])
"""


@dataclass
class Kill:
    iteration: int
    delay: float
    exit_code: int
    last_step: str  # where the build was when it died
    swapped: bool  # CURRENT names a new generation
    expected: list[dict]  # the answers of the complete index CURRENT should name
    loaded: list[dict] | str  # what the index on disk answers (or why it failed to load)


def changed_article(iteration: int) -> str:
    return ENGLISH_ARTICLE.replace(
        "The road ahead\n\n",
        f"The road ahead\n\nIn round {iteration} of the talks the ministers agreed on "
        f"{iteration + 2} new export licences for rare gases.\n\n",
    )


class Indexer:
    """Runs the traced `rag index` in a subprocess against one seeds and index folder."""

    def __init__(self, folder: Path, seeds: Path, index: Path) -> None:
        self.folder, self.seeds, self.index = folder, seeds, index
        self.script = folder / "indexer.py"
        self.script.write_text(INDEXER, encoding="utf-8")
        self.runs = 0

    def start(self) -> tuple[subprocess.Popen, Path]:
        self.runs += 1
        trace = self.folder / f"trace-{self.runs}.txt"
        command = [PYTHON, str(self.script), str(self.seeds), str(self.index), str(trace)]
        proc = subprocess.Popen(
            [*command, str(STEP_SECONDS)],
            env=subprocess_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        return proc, trace

    def run(self) -> tuple[int, float, str]:
        """A complete build: exit code, seconds from its first traced step, stderr."""
        proc, trace = self.start()
        wait_for_first_step(proc, trace)
        started = time.monotonic()
        _, stderr = proc.communicate(timeout=PROCESS_TIMEOUT)
        return proc.returncode, time.monotonic() - started, stderr.decode(errors="replace")

    def kill_after(self, delay: float) -> tuple[int, str]:
        """Start a build, SIGKILL it `delay` s after its first step: exit code, last step."""
        proc, trace = self.start()
        try:
            wait_for_first_step(proc, trace)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            code = proc.wait(timeout=PROCESS_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=PROCESS_TIMEOUT)
            proc.stderr.close()
        steps = trace.read_text(encoding="utf-8").splitlines()
        return code, steps[-1]


def wait_for_first_step(proc: subprocess.Popen, trace: Path) -> None:
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while not (trace.exists() and trace.stat().st_size):
        if proc.poll() is not None:
            raise AssertionError(f"the indexer exited early: {proc.stderr.read().decode()}")
        assert time.monotonic() < deadline, "the indexer never started building"
        time.sleep(0.005)


def loaded_answers(index: Path) -> list[dict] | str:
    try:
        return answers(index, HashEmbedder())
    except Exception as exc:  # recorded: the test reports it as the failure
        return f"{type(exc).__name__}: {exc}"


@dataclass
class KillLoop:
    kills: list[Kill]
    final_code: int
    final_stderr: str
    final_answers: list[dict] | str
    expected_final: list[dict]
    index: Path
    previous: str  # CURRENT before the final build


@pytest.fixture(scope="module")
def kill_loop(tmp_path_factory) -> KillLoop:
    folder = tmp_path_factory.mktemp("kill-loop")
    seeds = write_sample_seeds(folder / "seeds")
    index = folder / "index"
    build(seeds, index, HashEmbedder())
    indexer = Indexer(folder, seeds, index)
    rng = random.Random(SEED)

    # One unkilled build of a changed document measures how long a build runs.
    (seeds / "chip-pact.en.txt").write_text(changed_article(0), encoding="utf-8")
    code, duration, stderr = indexer.run()
    assert code == 0, stderr

    kills = []
    for iteration in range(1, ITERATIONS + 1):
        before = IndexStore(index).current_path()
        old = answers(index, HashEmbedder())
        (seeds / "chip-pact.en.txt").write_text(changed_article(iteration), encoding="utf-8")
        reference = folder / f"reference-{iteration}"
        build(seeds, reference, HashEmbedder())
        new = answers(reference, HashEmbedder())

        delay = rng.uniform(0, duration * 1.1)
        code, last_step = indexer.kill_after(delay)
        swapped = IndexStore(index).current_path() != before
        loaded = loaded_answers(index)
        kills.append(
            Kill(iteration, delay, code, last_step, swapped, new if swapped else old, loaded)
        )

    previous = IndexStore(index).current_path().name
    code, _, stderr = indexer.run()
    result = KillLoop(
        kills,
        code,
        stderr,
        loaded_answers(index),
        answers(reference, HashEmbedder()),
        index,
        previous,
    )
    write_artifact(result, duration)
    return result


def write_artifact(result: KillLoop, duration: float) -> None:
    ARTIFACT.parent.mkdir(exist_ok=True)
    summary = {
        "seed": SEED,
        "build_seconds": round(duration, 3),
        "kills": [
            {
                "iteration": k.iteration,
                "delay_s": round(k.delay, 3),
                "exit_code": k.exit_code,
                "last_step": k.last_step,
                "current_swapped": k.swapped,
                "loads_and_answers_as_expected": k.loaded == k.expected,
            }
            for k in result.kills
        ],
        "final_build_exit_code": result.final_code,
    }
    ARTIFACT.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def test_every_kill_leaves_an_index_that_answers_as_a_complete_one(kill_loop: KillLoop) -> None:
    wrong = [(k.iteration, k.last_step) for k in kill_loop.kills if k.loaded != k.expected]
    assert not wrong, f"kills after which the index did not answer as before: {wrong}"


def test_the_loop_really_killed_the_indexer(kill_loop: KillLoop) -> None:
    killed = [k for k in kill_loop.kills if k.exit_code == -signal.SIGKILL]
    assert len(killed) >= ITERATIONS // 2, [k.exit_code for k in kill_loop.kills]


def test_a_build_after_the_kills_succeeds(kill_loop: KillLoop) -> None:
    assert kill_loop.final_code == 0, kill_loop.final_stderr
    assert kill_loop.final_answers == kill_loop.expected_final


def test_the_build_after_the_kills_leaves_no_debris(kill_loop: KillLoop) -> None:
    index = kill_loop.index
    assert not list(index.glob(".tmp-*")) and not list(index.glob(f".{POINTER}.*"))
    current = IndexStore(index).current_path().name
    assert {p.name for p in index.glob("gen-*")} == {kill_loop.previous, current}
