"""Stored paper vectors: the source of truth the vector index is rebuilt from."""

from __future__ import annotations

import numpy as np
from django.db import models

from paperboy.papers.models import Paper


class PaperEmbedding(models.Model):
    """The all-MiniLM-L6-v2 vector of one paper's title + abstract (see paperboy.search.embeddings).

    ``vector`` holds 384 little-endian float32 values (1,536 bytes), L2-normalised. The vector is stale
    when ``model_version`` differs from the running embedder's or ``text_hash`` from the paper's
    current text; ``manage.py embed`` then computes it again.
    """

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, primary_key=True, related_name="embedding")
    vector = models.BinaryField(help_text="384 float32 values, little-endian, unit L2 norm")
    model_version = models.CharField(max_length=96, db_index=True)
    text_hash = models.CharField(max_length=32, help_text="paperboy.search.embeddings.text_hash of the text")
    updated_at = models.DateTimeField(db_index=True, help_text="When the vector was (re)computed or checked")

    class Meta:
        verbose_name = "paper embedding"

    def __str__(self) -> str:
        return f"embedding of paper {self.paper_id} ({self.model_version})"

    @staticmethod
    def pack(vector: np.ndarray) -> bytes:
        """float32 little-endian bytes of a (384,) vector."""
        return np.ascontiguousarray(vector, dtype="<f4").tobytes()

    def as_array(self) -> np.ndarray:
        """The vector as a float32 array of shape (384,)."""
        return np.frombuffer(bytes(self.vector), dtype="<f4").astype(np.float32)
