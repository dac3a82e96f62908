"""Syndicated copies: the same article on WeChat, Tencent News, Sohu, NetEase … recognised by its text.

Two pages are one article when their cleaned bodies (plain text: the extractor has already removed
each site's chrome) are near-duplicates:

- **Normalised text**: NFKC, lower case, letters and digits only (punctuation, spaces and line breaks
  differ between sites' editors and say nothing about the words).
- **Shingles**: every run of :data:`SHINGLE` characters (5: a Chinese phrase; a shared 5-character
  run between two unrelated articles is rare, while a copy shares almost all of them).
- **Sketch**: a MinHash signature of the shingles (``datasketch``, :data:`NUM_PERM` permutations),
  stored in the catalog, cut into :data:`BANDS` bands of :data:`ROWS` values; each band's hash is
  a *bucket* row (LSH). Finding candidates for a new page is an indexed lookup of its 32 buckets,
  never a scan of the archive: two texts with Jaccard similarity *s* share a bucket with probability
  1 − (1 − s⁴)³², which is 0.99 at s = 0.6 and 0.04 at s = 0.2.
- **Verification**: a candidate's estimated similarity (equal signature values) must come near the
  threshold, and then the true Jaccard similarity of the two shingle sets (from the stored texts)
  must reach ``[archive] syndication_threshold``.
- **Guards**: a body shorter than ``syndication_min_chars`` is never linked (it says too little),
  and two bodies that share a long beginning or end (an account's header and footer templates, a
  series' fixed intro) must also be alike *between* what they share (:func:`similarity`).

The pure functions here know nothing of the catalog; :mod:`archive.entries` keeps the sketches,
buckets and links there and decides which page is the entry.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

SHINGLE = 5  # why: characters; a 2-4 character run is a word or a common phrase, shared by unrelated texts
NUM_PERM = 128  # why: the estimate's standard error is about 0.04 at s = 0.6, enough to pick candidates
BANDS, ROWS = (
    32,
    4,
)  # why: 32 × 4 = NUM_PERM; the S-curve rises at (1/32)^(1/4) ≈ 0.42, below any sane threshold
SEED = 1
SCHEME = f"nfkc-alnum/char{SHINGLE}/minhash{NUM_PERM}-seed{SEED}/b{BANDS}r{ROWS}"
"""Stored with every sketch: sketches of another scheme are recomputed from the stored text."""

ESTIMATE_MARGIN = (
    0.15  # why: 3.5 standard errors of the MinHash estimate; below that the true value can't reach
)
EDGE_SHARE = (
    0.1  # why: a copy may differ in one spot (a caption, a note); more than 10 % between is a text of its own
)

_NOT_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """The letters and digits of ``text``, NFKC-folded and lower-cased, nothing between them."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


def shingles(norm: str) -> set[str]:
    """Every :data:`SHINGLE`-character run of a normalised text (the text itself when shorter)."""
    if len(norm) <= SHINGLE:
        return {norm} if norm else set()
    return {norm[i : i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class Sketch:
    """A body's MinHash signature and the LSH buckets it falls in."""

    signature: bytes  # NUM_PERM little-endian uint32
    buckets: tuple[int, ...]
    length: int  # characters of normalised text

    @staticmethod
    def of(norm: str) -> Sketch:
        # why imported here: datasketch pulls in scipy (about a second), which every CLI run that never
        # sketches a body (list, show, a crawl with nothing new) would otherwise pay at start-up
        from datasketch import MinHash

        m = MinHash(num_perm=NUM_PERM, seed=SEED)
        m.update_batch([s.encode("utf-8") for s in sorted(shingles(norm))])
        values = np.asarray(m.hashvalues, dtype="<u4")
        return Sketch(values.tobytes(), buckets(values), len(norm))

    def estimate(self, other_signature: bytes) -> float:
        """The MinHash estimate of the Jaccard similarity with another signature of the same scheme."""
        a = np.frombuffer(self.signature, dtype="<u4")
        b = np.frombuffer(other_signature, dtype="<u4")
        return float(np.count_nonzero(a == b)) / NUM_PERM if len(a) == len(b) else 0.0


def buckets(values: np.ndarray) -> tuple[int, ...]:
    """One 63-bit bucket id per band: a hash of the band number and its values (positive, so it fits
    a signed 64-bit column in SQLite and PostgreSQL alike)."""
    out = []
    for band in range(BANDS):
        chunk = np.asarray(values[band * ROWS : (band + 1) * ROWS], dtype="<u4").tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        out.append(int.from_bytes(digest, "big") >> 1)
    return tuple(out)


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    step = 64
    while i < n and a[i : i + step] == b[i : i + step]:
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return min(i, n)


def similarity(norm_a: str, norm_b: str, *, min_chars: int) -> float:
    """How much two normalised bodies are one article, 0 to 1 (0 when either is too short).

    The Jaccard similarity of their shingles — unless they share a long beginning and/or end: then
    what lies between (where they differ) must be alike too, or be only a small part of each text
    (a changed caption, an added note). Two posts of one account framed by the same long header and
    footer are thus told apart by their middles, whatever share of the text the frame takes.
    """
    if len(norm_a) < min_chars or len(norm_b) < min_chars:
        return 0.0
    whole = jaccard(shingles(norm_a), shingles(norm_b))
    head = _common_prefix(norm_a, norm_b)
    tail = _common_prefix(norm_a[head:][::-1], norm_b[head:][::-1])
    mid_a, mid_b = norm_a[head : len(norm_a) - tail], norm_b[head : len(norm_b) - tail]
    if len(mid_a) <= EDGE_SHARE * len(norm_a) and len(mid_b) <= EDGE_SHARE * len(norm_b):
        return whole  # they differ in one small spot only
    if head + tail < SHINGLE:
        return whole  # nothing shared at the edges: the whole texts say it
    return min(whole, jaccard(shingles(mid_a), shingles(mid_b)))
