"""Full-text search over the archived articles' titles and bodies, for Chinese as for Latin text.

Chinese has no spaces between words, and a word is most often two characters (芯片, 疫情). So the
text is cut into **overlapping character bigrams** (``国产芯片`` → ``国产 产芯 芯片``), the way CJK
search engines without a dictionary do (Lucene's CJKBigramFilter, Elasticsearch's ``cjk`` analyzer);
Latin words and numbers stay words (lower-cased, NFKC-folded: ``ＡＩ`` is ``ai``). A query is cut
the same way and each of its terms becomes a *phrase* of its tokens, so a two-character word matches
exactly that word, a six-character phrase matches only those six characters in a row, and a single
character matches every bigram it starts. :func:`tokenize` is the one tokenizer: the SQLite engine
here indexes its tokens, and a PostgreSQL engine (``to_tsvector('simple', …)`` of the same tokens,
``phraseto_tsquery``) must use it too, so that both find the same articles.

Pieces:

- :func:`tokenize`, :func:`parse_query` — pure.
- :func:`highlight` — pure: the best passage of the stored plain text with the matched spans.
- :class:`SearchEngine` — what a database engine provides (add, remove, match, rebuild); the one
  implementation here is :class:`SqliteFts5` (an FTS5 table of the tokens, ``bm25`` with the title
  weighted :data:`TITLE_WEIGHT` times the body). Nothing SQLite-specific lives outside that class.
- :class:`SearchIndex` — the portable part: the ``article_text`` rows (title and cleaned body as
  plain text, kept in the catalog so a search never reads bundles) and the engine, updated together
  in one transaction by every write of an article (:mod:`archive.entries`), rebuilt by ``reindex``.

Results are entries (:mod:`archive.syndication`): a syndicated copy that matches counts for the
article it is a copy of, which is listed once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from archive.catalog import Catalog, iso, utcnow

TOKENIZER_VERSION = "bigram-1"
"""Recorded with every indexed text; a change of :func:`tokenize` must change it (the index is rebuilt)."""

TITLE_WEIGHT = (
    10.0  # why: a word in the title says what the article is about; one in the body may be in passing
)

# Scripts written without spaces between words: Han ideographs (with extensions and compatibility
# forms), kana, Hangul syllables. Only letters: a CJK punctuation mark or symbol breaks a run.
_CJK = (
    "\u3005\u3007\u3041-\u3096\u30a1-\u30fa\u30fc\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(r"[^\W_]+")
_QUERY_TERM = re.compile(r'"([^"]*)"|(\S+)')


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str) -> list[str]:
    """The search tokens of ``text``: CJK runs as overlapping bigrams (a lone character as itself),
    other letters and digits as lower-case words. Punctuation, spaces and symbols separate tokens."""
    text = _fold(text)
    out: list[str] = []
    at = 0
    for m in _CJK_RUN.finditer(text):
        out.extend(_WORD.findall(text, at, m.start()))
        run = m.group()
        out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        at = m.end()
    out.extend(_WORD.findall(text, at))
    return out


@dataclass(frozen=True)
class Term:
    """One term of a query: the words the user typed and the tokens they are cut into."""

    text: str
    tokens: tuple[str, ...]

    @property
    def single_char(self) -> bool:
        """A lone CJK character: it matches every bigram it starts (and a one-character run)."""
        return len(self.tokens) == 1 and len(self.tokens[0]) == 1 and bool(_CJK_RUN.fullmatch(self.tokens[0]))


@dataclass(frozen=True)
class Query:
    """A parsed query: every term must match (each as a phrase). ``"two words"`` is one term."""

    text: str
    terms: tuple[Term, ...]

    @property
    def empty(self) -> bool:
        return not self.terms


def parse_query(text: str) -> Query:
    """Split a query into terms (whitespace separates; double quotes keep a phrase with spaces) and
    tokenize each; a term with no letters or digits (``*``, ``——``) is dropped."""
    terms = []
    for m in _QUERY_TERM.finditer(text):
        words = m.group(1) if m.group(1) is not None else m.group(2)
        tokens = tuple(tokenize(words))
        if tokens:
            terms.append(Term(words.strip(), tokens))
    return Query(text, tuple(terms))


# ---------------------------------------------------------------------- highlighting


@dataclass(frozen=True)
class Passage:
    """A stretch of text with the spans (start, end) that matched, as offsets into ``text``."""

    text: str
    spans: tuple[tuple[int, int], ...]
    start: int = 0  # offset of ``text`` in the whole body
    clipped_start: bool = False
    clipped_end: bool = False

    def marked(self, before: str = "[", after: str = "]") -> str:
        """The passage with each match wrapped in ``before``/``after`` (and … where it was clipped)."""
        out, at = [], 0
        for s, e in self.spans:
            out += [self.text[at:s], before, self.text[s:e], after]
            at = e
        out.append(self.text[at:])
        return ("…" if self.clipped_start else "") + "".join(out) + ("…" if self.clipped_end else "")

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "marked": self.marked(),
            "spans": [list(s) for s in self.spans],
            "start": self.start,
            "clipped_start": self.clipped_start,
            "clipped_end": self.clipped_end,
        }


def _term_pattern(term: Term) -> re.Pattern[str]:
    """A regex for ``term`` in raw text: its pieces (CJK runs and words) in order, anything that is
    not a letter or digit allowed between them; Latin case-insensitive."""
    folded = _fold(term.text)
    pieces = [m.group() for m in re.finditer(f"[{_CJK}]+|[^\\W_]+", folded)]
    if len(pieces) == 1 and term.single_char:
        return re.compile(re.escape(pieces[0]))
    return re.compile(r"[\W_]*".join(re.escape(p) for p in pieces), re.IGNORECASE)


def match_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Every (start, end) where a term of ``query`` occurs in ``text``, sorted, not overlapping."""
    spans: list[tuple[int, int]] = []
    folded = _fold(text) if len(_fold(text)) == len(text) else None
    for term in query.terms:
        pattern = _term_pattern(term)
        haystack = folded if folded is not None else text
        spans.extend((m.start(), m.end()) for m in pattern.finditer(haystack) if m.end() > m.start())
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


PASSAGE_CHARS = 120  # why: two lines of a terminal; about a sentence and a half of Chinese
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLOSERS = "”’」』）)】》"  # why: they close the sentence that just ended, not the next one


def highlight(text: str, query: Query, width: int = PASSAGE_CHARS) -> Passage:
    """The passage of ``text`` (``width`` characters) holding the most distinct terms, then the most
    matches, started at a sentence when one begins shortly before the first match; the text's
    beginning, with no spans, when nothing matches (a title-only match)."""
    spans = match_spans(text, query)
    if not spans:
        end = min(len(text), width)
        return Passage(text[:end], (), 0, False, end < len(text))
    best_key: tuple[int, int, int] = (-1, -1, 0)
    best_start = 0
    for i, (s, _e) in enumerate(spans):
        inside = [sp for sp in spans[i:] if sp[1] <= s + width]
        distinct = len({text[a:b].lower() for a, b in inside})
        key = (distinct, len(inside), -s)
        if key > best_key:
            best_key, best_start = key, s
    lead = max(0, best_start - width // 4)
    ends = list(_SENTENCE_END.finditer(text, lead, best_start))
    start = ends[-1].end() if ends else lead
    while start < best_start and (text[start].isspace() or text[start] in _CLOSERS):
        start += 1
    end = min(len(text), start + width)
    chosen = tuple((s - start, min(e, end) - start) for s, e in spans if s >= start and s < end)
    return Passage(text[start:end], chosen, start, start > 0, end < len(text))


# ---------------------------------------------------------------------- engines


class SearchEngine(Protocol):
    """What a database provides for search. Every method runs inside the caller's write
    transaction (except :meth:`match`); ``title``/``body`` are the plain texts, tokenized by the
    engine with :func:`tokenize`."""

    def ready(self, catalog: Catalog) -> bool:
        """True when the engine's index exists and was built with the current tokenizer."""
        ...

    def create(self, catalog: Catalog) -> None:
        """Create the (empty) index, dropping any earlier one."""
        ...

    def add(self, catalog: Catalog, article: int, title: str, body: str) -> None: ...

    def remove(self, catalog: Catalog, article: int, title: str, body: str) -> None:
        """Remove what :meth:`add` indexed for ``article`` from exactly these texts."""
        ...

    def match(self, catalog: Catalog, query: Query, limit: int) -> list[tuple[int, float]]:
        """(article, score) best first; a higher score is a better match."""
        ...


class SqliteFts5:
    """SQLite's FTS5: a contentless table (the texts are in ``article_text`` already) over the tokens
    joined by spaces, split again by FTS5's ``unicode61`` tokenizer (our tokens hold only letters and
    digits, so it keeps them whole); ranked by ``bm25`` with the title weighted :data:`TITLE_WEIGHT`.

    A contentless table forgets the texts, so removing a row needs the very tokens that were added;
    ``article_text`` holds the texts and the tokenizer version, and both change in one transaction.
    """

    TABLE = "search_fts"
    META_KEY = "search_tokenizer"

    def ready(self, catalog: Catalog) -> bool:
        exists = catalog.query("SELECT name FROM sqlite_master WHERE type='table' AND name=?", (self.TABLE,))
        version = catalog.query("SELECT value FROM meta WHERE key=?", (self.META_KEY,))
        return bool(exists) and bool(version) and version[0]["value"] == TOKENIZER_VERSION

    def create(self, catalog: Catalog) -> None:
        with catalog.write() as c:
            c.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
            c.execute(
                f"CREATE VIRTUAL TABLE {self.TABLE} USING fts5(title, body, content='', "
                "tokenize='unicode61 remove_diacritics 2')"
            )
            c.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (self.META_KEY, TOKENIZER_VERSION),
            )

    def add(self, catalog: Catalog, article: int, title: str, body: str) -> None:
        with catalog.write() as c:
            c.execute(
                f"INSERT INTO {self.TABLE}(rowid, title, body) VALUES (?, ?, ?)",
                (article, " ".join(tokenize(title)), " ".join(tokenize(body))),
            )

    def remove(self, catalog: Catalog, article: int, title: str, body: str) -> None:
        with catalog.write() as c:
            c.execute(
                f"INSERT INTO {self.TABLE}({self.TABLE}, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                (article, " ".join(tokenize(title)), " ".join(tokenize(body))),
            )

    def match(self, catalog: Catalog, query: Query, limit: int) -> list[tuple[int, float]]:
        if query.empty:
            return []
        rows = catalog.query(
            f"SELECT rowid, bm25({self.TABLE}, ?, 1.0) AS rank FROM {self.TABLE} WHERE {self.TABLE} MATCH ? "
            "ORDER BY rank LIMIT ?",
            (TITLE_WEIGHT, self.expression(query), limit),
        )
        return [(int(r["rowid"]), -float(r["rank"])) for r in rows]

    @staticmethod
    def expression(query: Query) -> str:
        """The FTS5 query: every term a quoted phrase of its tokens (``"国产 产芯 芯片"``), a single
        character a prefix (``"芯"*``), all joined by AND. Tokens hold no quote, so quoting is safe."""
        parts = []
        for term in query.terms:
            phrase = '"' + " ".join(term.tokens) + '"'
            parts.append(phrase + "*" if term.single_char else phrase)
        return " AND ".join(parts)


class PostgresTsvector:
    """PostgreSQL's full-text search over the same tokens: one ``tsvector`` per article, the title's
    tokens weighted A and the body's D, in a GIN-indexed table. The tokens are joined by spaces and
    read by the ``simple`` configuration (no stemming, no stop words; PostgreSQL's parser keeps a run
    of letters or digits whole, CJK included), so the lexemes are exactly :func:`tokenize`'s.

    A query term is ``phraseto_tsquery`` of its tokens (each token right after the previous, as
    FTS5's phrase), a single character a prefix (``芯:*``), terms joined by ``&``; ranked by
    ``ts_rank`` with the title weighted :data:`TITLE_WEIGHT` times the body.
    """

    TABLE = "search_pg"
    META_KEY = "search_tokenizer"

    def ready(self, catalog: Catalog) -> bool:
        exists = catalog.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?",
            (self.TABLE,),
        )
        version = catalog.query("SELECT value FROM meta WHERE key=?", (self.META_KEY,))
        return bool(exists) and bool(version) and version[0]["value"] == TOKENIZER_VERSION

    def create(self, catalog: Catalog) -> None:
        with catalog.write() as c:
            c.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
            c.execute(f"CREATE TABLE {self.TABLE} (article BIGINT PRIMARY KEY, doc tsvector NOT NULL)")
            c.execute(f"CREATE INDEX {self.TABLE}_doc ON {self.TABLE} USING gin (doc)")
            c.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (self.META_KEY, TOKENIZER_VERSION),
            )

    def add(self, catalog: Catalog, article: int, title: str, body: str) -> None:
        with catalog.write() as c:
            c.execute(
                f"INSERT INTO {self.TABLE} (article, doc) VALUES (?, "
                "setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'D')) "
                "ON CONFLICT (article) DO UPDATE SET doc=excluded.doc",
                (article, " ".join(tokenize(title)), " ".join(tokenize(body))),
            )

    def remove(self, catalog: Catalog, article: int, title: str, body: str) -> None:
        with catalog.write() as c:
            c.execute(f"DELETE FROM {self.TABLE} WHERE article=?", (article,))

    def match(self, catalog: Catalog, query: Query, limit: int) -> list[tuple[int, float]]:
        if query.empty:
            return []
        parts, params = [], []
        for term in query.terms:
            if term.single_char:
                parts.append("to_tsquery('simple', ?)")
                params.append(term.tokens[0] + ":*")
            else:
                parts.append("phraseto_tsquery('simple', ?)")
                params.append(" ".join(term.tokens))
        weights = "{%s,0,0,1}" % (1.0 / TITLE_WEIGHT)  # why: D (body) … A (title), each at most 1
        rows = catalog.query(
            f"SELECT article, ts_rank(CAST(? AS real[]), doc, q) AS rank FROM {self.TABLE}, "
            f"(SELECT {' && '.join(parts)} AS q) AS query WHERE doc @@ q ORDER BY rank DESC, article LIMIT ?",
            (weights, *params, limit),
        )
        return [(int(r["article"]), float(r["rank"])) for r in rows]


def engine_for(catalog: Catalog) -> SearchEngine:
    """The engine of this catalog's database: FTS5 on SQLite, tsvector on PostgreSQL."""
    if catalog.backend.name == "postgresql":
        return PostgresTsvector()
    return SqliteFts5()


# ---------------------------------------------------------------------- the index


@dataclass(frozen=True)
class Hit:
    """One search result: an entry with its score, its title's matches and its best passage."""

    article: int
    score: float
    title: str
    title_spans: tuple[tuple[int, int], ...]
    passage: Passage
    matched: int = 0  # the article whose text matched (a syndicated copy of the entry, or the entry)


class SearchIndex:
    """The search index of one catalog: ``article_text`` rows plus the engine's index over them
    (by default the engine of the catalog's database, :func:`engine_for`)."""

    def __init__(self, catalog: Catalog, engine: SearchEngine | None = None) -> None:
        self.catalog = catalog
        self.engine: SearchEngine = engine if engine is not None else engine_for(catalog)

    def ensure(self) -> None:
        """Build the engine's index from ``article_text`` if it is missing or was built by another
        tokenizer version (a new catalog, an upgraded one, a new wxarchive)."""
        if not self.engine.ready(self.catalog):
            with self.catalog.write() as c:
                # why: cluster workers on a new PostgreSQL catalog would each build it at once (and
                # collide creating the table); one builds, the others find it ready
                self.catalog.backend.migration_lock(c)
                if not self.engine.ready(self.catalog):
                    self.rebuild_engine()

    def rebuild_engine(self) -> int:
        with self.catalog.write():
            self.engine.create(self.catalog)
            rows = self.catalog.query("SELECT article, title, body FROM article_text ORDER BY article")
            for r in rows:
                self.engine.add(self.catalog, int(r["article"]), r["title"], r["body"])
            with self.catalog.write() as c:
                c.execute("UPDATE article_text SET tokenizer=?", (TOKENIZER_VERSION,))
        return len(rows)

    def put(self, article: int, title: str, body: str) -> None:
        """Index (or re-index) ``article`` with these texts; nothing is done when they are unchanged."""
        with self.catalog.write() as c:
            self.ensure()
            old = self.catalog.query("SELECT title, body FROM article_text WHERE article=?", (article,))
            if old and old[0]["title"] == title and old[0]["body"] == body:
                return
            if old:
                self.engine.remove(self.catalog, article, old[0]["title"], old[0]["body"])
            c.execute(
                "INSERT INTO article_text (article, title, body, tokenizer, updated_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT (article) DO UPDATE SET title=excluded.title, body=excluded.body, "
                "tokenizer=excluded.tokenizer, updated_at=excluded.updated_at",
                (article, title, body, TOKENIZER_VERSION, iso(utcnow())),
            )
            self.engine.add(self.catalog, article, title, body)

    def remove(self, article: int) -> None:
        with self.catalog.write() as c:
            self.ensure()
            old = self.catalog.query("SELECT title, body FROM article_text WHERE article=?", (article,))
            if old:
                self.engine.remove(self.catalog, article, old[0]["title"], old[0]["body"])
                c.execute("DELETE FROM article_text WHERE article=?", (article,))

    def missing(self) -> list[int]:
        """Articles with a bundle but no indexed text (archived before search existed)."""
        rows = self.catalog.query(
            "SELECT a.id FROM articles a LEFT JOIN article_text t ON t.article = a.id "
            "WHERE t.article IS NULL ORDER BY a.id"
        )
        return [int(r["id"]) for r in rows]

    def search(self, query: str | Query, limit: int = 20) -> list[Hit]:
        """Entries matching ``query``, best first, at most ``limit``; each once, scored by its best
        matching text (its own or a syndicated copy's)."""
        q = parse_query(query) if isinstance(query, str) else query
        if q.empty or limit <= 0:
            return []
        if not self.engine.ready(self.catalog):
            self.ensure()
        found = self.engine.match(self.catalog, q, limit * 4 + 10)
        entries = _entries_of(self.catalog, [a for a, _ in found])
        hits: dict[int, tuple[float, int]] = {}
        for article, score in found:
            entry = entries.get(article)
            if entry is not None and entry not in hits:
                hits[entry] = (score, article)
        ranked = sorted(hits.items(), key=lambda kv: -kv[1][0])[:limit]
        texts = _texts(self.catalog, {m for _, (_, m) in ranked} | {e for e, _ in ranked})
        out = []
        for entry, (score, matched) in ranked:
            title, _ = texts.get(entry, ("", ""))
            body = texts.get(matched, ("", ""))[1]
            title_spans = tuple(match_spans(title, q))
            out.append(Hit(entry, score, title, title_spans, highlight(body, q), matched))
        return out


def _entries_of(catalog: Catalog, articles: Sequence[int]) -> dict[int, int]:
    """article → its entry (itself, or the original it is a syndicated copy of); articles no longer
    in the catalog are left out."""
    out: dict[int, int] = {}
    for chunk in _chunks(articles, 500):
        marks = ",".join("?" for _ in chunk)
        rows = catalog.query(
            f"SELECT a.id, s.original FROM articles a LEFT JOIN syndication s ON s.article = a.id "
            f"WHERE a.id IN ({marks})",
            tuple(chunk),
        )
        out.update({int(r["id"]): int(r["original"] if r["original"] is not None else r["id"]) for r in rows})
    return out


def _texts(catalog: Catalog, articles: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = sorted(articles)
    out: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(ids, 500):
        marks = ",".join("?" for _ in chunk)
        rows = catalog.query(
            f"SELECT article, title, body FROM article_text WHERE article IN ({marks})", tuple(chunk)
        )
        out.update({int(r["article"]): (r["title"], r["body"]) for r in rows})
    return out


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
