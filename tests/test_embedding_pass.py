"""rag.index.embedding: one stream of batches across documents, each text embedded once."""

from __future__ import annotations

import numpy as np
from helpers import HashEmbedder

from rag.index.embedding import embed_documents, texts_to_embed
from rag.ingest import parse_document

ONE = "Title one\n\nThe river floods every spring. Farmers plant after it.\n\nA single sentence.\n"
TWO = "Title two\n\nShips carry grain down the river. The port grew rich.\n"


def test_texts_of_several_documents_share_batches():
    embedder = HashEmbedder()
    docs = [parse_document(ONE, "one"), parse_document(TWO, "two")]
    embed_documents(docs, embedder, batch=32)
    assert len(embedder.passage_batches) == 1
    assert len(embedder.passage_texts) == len(set(embedder.passage_texts)) == 5


def test_a_one_sentence_passage_is_its_sentence():
    embedder = HashEmbedder()
    [doc] = embed_documents([parse_document(ONE, "one")], embedder, mode="full")
    assert embedder.passage_texts.count("A single sentence.") == 1
    np.testing.assert_allclose(doc.passage_vectors[1], doc.sentence_vectors[-1], atol=1e-6)


def test_pooled_passage_vector_leans_to_its_longer_sentence():
    [doc] = embed_documents([parse_document(ONE, "one")], HashEmbedder())
    short, long = HashEmbedder().embed_passages(
        ["Farmers plant after it.", "The river floods every spring."]
    )
    vector = doc.passage_vectors[0]
    assert np.isclose(np.linalg.norm(vector), 1.0)
    assert vector @ long > vector @ short


def test_the_count_for_progress_is_what_is_sent():
    embedder = HashEmbedder()
    docs = [parse_document(ONE, "one"), parse_document(ONE.replace("one", "three"), "three")]
    embed_documents(docs, embedder, mode="full")
    assert texts_to_embed(docs, "full") == len(embedder.passage_texts)
