"""The plain LangChain tutorial pipeline, run on the same corpus and questions for comparison."""

from __future__ import annotations

import logging
import sys
import textwrap
import time
from pathlib import Path

from tqdm import tqdm

from assistant.core.settings import Settings
from assistant.index.build import corpus_files
from assistant.index.embeddings import resolve_model
from evals.bench.proc import child_env, first_output
from evals.metrics import score_item, summarize
from ingest.clean import clean_pages
from ingest.loaders import read_pages

log = logging.getLogger(__name__)
CHUNK_SIZE, CHUNK_OVERLAP, TOP_K = 500, 50, 10

METHOD = (
    f"Tutorial pipeline: the cleaned text of each corpus file (the product's own PDF reading and "
    f"cleaning) split by `langchain_text_splitters.RecursiveCharacterTextSplitter(chunk_size={CHUNK_SIZE}, "
    f"chunk_overlap={CHUNK_OVERLAP})`, embedded with the same embedder, stored in a Chroma collection "
    f"(cosine), queried with the latest question only (no history) for the top {TOP_K}; the answer is the "
    "top-1 chunk. Scored with `evals.metrics.score_item`: answer correct = every key fact present in the "
    "top-1 chunk (answerable items); hit@k = gold evidence in the top k. Latency = embed + query per "
    "question, against our whole `Assistant.ask`."
)


def run_langchain_baseline(settings: Settings, embedder, items: list[dict], workdir: Path) -> dict:
    import chromadb
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    texts: list[str] = []
    for path in corpus_files(settings.corpus_dir):
        pages, _ = read_pages(path, settings.max_file_mb)
        texts.extend(splitter.split_text(clean_pages(pages).text))
    t0 = time.perf_counter()
    vectors = embedder.embed(texts)
    index_s = time.perf_counter() - t0
    client = chromadb.PersistentClient(path=str(workdir), settings=chromadb.Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection(
        "langchain-baseline", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )
    collection.add(ids=[f"lc-{i}" for i in range(len(texts))], embeddings=vectors, documents=texts)
    embedder.embed([items[0]["question"]])  # warm, like our warm asks
    scores = []
    for item in tqdm(items, desc="langchain baseline", leave=False):
        t0 = time.perf_counter()
        query = embedder.embed([item["question"]])
        result = collection.query(query_embeddings=query, n_results=min(TOP_K, len(texts)), include=["documents"])
        ms = (time.perf_counter() - t0) * 1000
        docs = (result["documents"] or [[]])[0]
        pred = {
            "answer": docs[0] if docs else "",
            "refused": False,
            "latency_ms": ms,
            "contexts": [{"text": d} for d in docs],
            "citations": [{"text": docs[0], "doc_number": None}] if docs else [],
        }
        scores.append(score_item(item, pred))
    client.close()  # type: ignore[attr-defined]  # the collection stays on disk for the cold runs below
    summary = summarize(scores)
    return {
        "chunks": len(texts),
        "index_s": index_s,
        "summary": summary,
        "latencies_ms": [s["latency_ms"] for s in scores],
    }


COLD_METHOD = (
    "A new Python process doing what the tutorial's query script does over the index persisted above: import "
    "langchain (text splitters, core documents), chromadb and sentence-transformers, load the same model, open the "
    f"persisted Chroma collection, embed the question, query the top {TOP_K}, print the top chunk. Timed, like ours, "
    "from process start to the first byte on its stdout."
)

COLD_SCRIPT = textwrap.dedent("""
    import sys
    import chromadb
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: F401 - the tutorial imports it
    model, path, question, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if model.startswith("hash-"):  # the test embedder (tests only)
        from assistant.index.embeddings import HashEmbedder
        vector = HashEmbedder(int(model.split("-", 1)[1])).embed([question])
    else:
        from sentence_transformers import SentenceTransformer
        vector = SentenceTransformer(model, device="cpu").encode([question], normalize_embeddings=True)
    client = chromadb.PersistentClient(path=path, settings=chromadb.Settings(anonymized_telemetry=False))
    found = client.get_collection("langchain-baseline").query(query_embeddings=vector, n_results=k)
    docs = [Document(page_content=text) for text in found["documents"][0]]
    print(docs[0].page_content if docs else "(nothing found)")
""")


def cold_tutorial(settings: Settings, workdir: Path, question: str) -> dict:
    """One cold start of the tutorial pipeline's query script (COLD_METHOD) on the collection in `workdir`."""
    model = settings.embedding_model
    model = model if model.startswith("hash-") else resolve_model(model)
    argv = [sys.executable, "-c", COLD_SCRIPT, model, str(workdir), question, str(TOP_K)]
    return first_output(argv, child_env(settings), "the tutorial pipeline")
