"""The catalog's schema, as an ordered list of migrations (one place for every table).

A catalog records the number of the last migration applied (``meta.schema_version``); opening it
applies the later ones, in order, inside one write transaction (:meth:`archive.catalog.Catalog.open`).
A new capability adds its tables as a **new migration at the end** (never by editing an applied one),
so an archive made by any earlier wxarchive is upgraded in place and never has to be rebuilt.

SQL here is kept to the subset SQLite and PostgreSQL share, so that one schema serves both catalog
backends: ``INTEGER PRIMARY KEY`` for row ids (translated for PostgreSQL), ``TEXT``/``INTEGER``/``REAL``/
``BLOB`` columns, ``CREATE … IF NOT EXISTS``, ``INSERT … ON CONFLICT (…) DO UPDATE/NOTHING`` in queries,
no ``INSERT OR REPLACE`` and no SQLite-only functions in new code. Dates are ISO 8601 UTC text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """One step of the schema: its number, a short name, and the statements it runs."""

    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """The statements of ``sql`` (``executescript`` would COMMIT the open transaction)."""
        out = []
        for chunk in self.sql.split(";"):
            lines = [ln.split("--")[0] for ln in chunk.splitlines()]
            stmt = "\n".join(lines).strip()
            if stmt:
                out.append(stmt)
        return out


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "base: raw records, articles, images, placeholders, runs, outcomes, sources, robots",
        """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS raw_records (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    final_url TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- page | image | feed
    record_type TEXT NOT NULL,          -- response | resource | revisit | metadata
    status INTEGER NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL,               -- sha256:<hex> of the payload (the body as received)
    length_payload INTEGER NOT NULL,
    warc_file TEXT NOT NULL,            -- file name under raw/
    warc_offset INTEGER NOT NULL,
    warc_length INTEGER NOT NULL,
    refers_to INTEGER REFERENCES raw_records(id),   -- revisit: the record holding the payload
    fetched_at TEXT NOT NULL,           -- ISO 8601 UTC, the WARC-Date
    last_seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS raw_url ON raw_records(url);
CREATE INDEX IF NOT EXISTS raw_digest ON raw_records(digest);
CREATE INDEX IF NOT EXISTS raw_file ON raw_records(warc_file);
CREATE TABLE IF NOT EXISTS warc_files (
    name TEXT PRIMARY KEY,              -- file name under raw/
    size INTEGER NOT NULL,              -- end of the last committed record (bytes past it are torn)
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,                  -- the URL archived (source_url)
    canonical_url TEXT,
    site TEXT NOT NULL,
    article_id TEXT NOT NULL,           -- the bundle directory name
    bundle_path TEXT NOT NULL,          -- index.md, relative to the archive root
    content_hash TEXT NOT NULL,
    extractor_version TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    published TEXT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,               -- archived | unchanged
    error TEXT,
    raw_id INTEGER REFERENCES raw_records(id),
    raw_digest TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (site, article_id)
);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE TABLE IF NOT EXISTS images (
    article INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    remote_url TEXT NOT NULL,           -- the URL as written in the article
    fetch_url TEXT NOT NULL,            -- after normalisation (tp=webp dropped …)
    sha256 TEXT,
    local_file TEXT,
    status TEXT NOT NULL,               -- stored | failed | placeholder
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (article, remote_url)
);
CREATE INDEX IF NOT EXISTS images_fetch_url ON images(fetch_url);
CREATE TABLE IF NOT EXISTS placeholders (
    host TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    learned_at TEXT NOT NULL,
    PRIMARY KEY (host, sha256)
);
CREATE TABLE IF NOT EXISTS host_probes (
    host TEXT PRIMARY KEY,              -- a host suffix of [fetch.referers]
    protected INTEGER NOT NULL,         -- 1: a foreign Referer gets other bytes (a placeholder)
    probed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    ok INTEGER,
    failed INTEGER
);
CREATE TABLE IF NOT EXISTS outcomes (
    id INTEGER PRIMARY KEY,
    run INTEGER REFERENCES runs(id),
    url TEXT NOT NULL,
    stage TEXT NOT NULL,                -- fetch | store | extract | images | write | feed | reextract
    outcome TEXT NOT NULL,              -- archived | unchanged | not_article | failed | skipped
    error_class TEXT,
    message TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outcomes_url ON outcomes(url);
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY,
    last_crawled_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS robots (
    origin TEXT PRIMARY KEY,            -- scheme://host[:port]
    fetched_at TEXT NOT NULL,
    status INTEGER,                     -- HTTP status, NULL when no response came (network error)
    verdict TEXT NOT NULL,              -- rules | allow_all | disallow_all
    body BLOB,                          -- the robots.txt as received (first 500 KiB), for rules
    error TEXT                          -- why allow_all / disallow_all
);
""",
    ),
    Migration(
        2,
        "search and syndication: article texts, MinHash sketches and their LSH buckets, syndicated copies",
        """
CREATE TABLE IF NOT EXISTS article_text (
    article INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,                 -- the cleaned body as plain text: what search reads and highlights
    tokenizer TEXT NOT NULL,            -- version of archive.search.tokenize that indexed it
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sketches (
    article INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    scheme TEXT NOT NULL,               -- shingling + MinHash parameters the signature was made with
    signature BLOB NOT NULL,            -- MinHash hash values, little-endian uint32 each
    length INTEGER NOT NULL             -- characters of normalised body text that were shingled
);
CREATE TABLE IF NOT EXISTS sketch_buckets (
    bucket INTEGER NOT NULL,            -- a 63-bit hash of (band number, the band's hash values)
    article INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (bucket, article)
);
CREATE INDEX IF NOT EXISTS sketch_buckets_article ON sketch_buckets(article);
CREATE TABLE IF NOT EXISTS syndication (
    article INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,   -- a syndicated copy
    original INTEGER NOT NULL REFERENCES articles(id),  -- the entry it is a copy of
    similarity REAL NOT NULL,           -- Jaccard similarity of the two bodies' shingles when linked
    linked_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS syndication_original ON syndication(original);
""",
    ),
    Migration(
        3,
        "articles: the account (for list and stats); indexes for the catalog views",
        """
ALTER TABLE articles ADD COLUMN account TEXT;     -- the WeChat account or media, NULL until archived again or reindexed
CREATE INDEX IF NOT EXISTS articles_account ON articles(account);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
CREATE INDEX IF NOT EXISTS images_sha256 ON images(sha256);
""",
    ),
    Migration(
        4,
        "re-extraction: build fingerprints, page builds, lookup indexes, latest outcomes + bounded history",
        """
-- what each bundle was built from (archive.fingerprint), NULL when built before wxarchive recorded it
ALTER TABLE articles ADD COLUMN built_with TEXT;
ALTER TABLE articles ADD COLUMN template_key TEXT NOT NULL DEFAULT '';
-- the last extraction of each page URL: which record, under which rules, and what it gave
CREATE TABLE IF NOT EXISTS page_builds (
    url TEXT PRIMARY KEY,               -- a page URL of the raw store (raw_records.url)
    raw_id INTEGER REFERENCES raw_records(id),
    raw_digest TEXT NOT NULL,           -- the digest of the record extracted (the URL's newest)
    built_with TEXT NOT NULL,           -- the rules it was extracted under (archive.fingerprint.effective_rules)
    outcome TEXT NOT NULL,              -- article | not_article
    kind TEXT NOT NULL,                 -- the Article kind it gave
    article INTEGER REFERENCES articles(id) ON DELETE SET NULL,  -- the bundle holding the URL (an earlier good one is kept)
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS page_builds_article ON page_builds(article);
-- lookups of re-extraction and archiving (raw_for by final URL, pages by kind, articles by canonical URL)
CREATE INDEX IF NOT EXISTS raw_final_url ON raw_records(final_url);
CREATE INDEX IF NOT EXISTS raw_kind_url ON raw_records(kind, url, record_type);
CREATE INDEX IF NOT EXISTS articles_canonical_url ON articles(canonical_url);
-- outcomes: the latest per URL and stage, plus a history bounded per URL ([archive] outcome_history)
CREATE TABLE IF NOT EXISTS outcome_latest (
    url TEXT NOT NULL,
    stage TEXT NOT NULL,
    run INTEGER REFERENCES runs(id),
    outcome TEXT NOT NULL,
    error_class TEXT,
    message TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (url, stage)
);
INSERT INTO outcome_latest (url, stage, run, outcome, error_class, message, at)
    SELECT o.url, o.stage, o.run, o.outcome, o.error_class, o.message, o.at FROM outcomes o
    WHERE o.id = (SELECT MAX(o2.id) FROM outcomes o2 WHERE o2.url = o.url AND o2.stage = o.stage)
    ON CONFLICT (url, stage) DO NOTHING;
CREATE INDEX IF NOT EXISTS outcomes_url_id ON outcomes(url, id);
DROP INDEX IF EXISTS outcomes_url;
-- an upgraded catalog keeps the default history (20 outcomes per URL), later runs the configured one
DELETE FROM outcomes WHERE id IN (
    SELECT id FROM (
        SELECT id, ROW_NUMBER() OVER (PARTITION BY url ORDER BY id DESC) AS newer FROM outcomes
    ) ranked WHERE newer > 20
)
""",
    ),
    Migration(
        5,
        "crawl frontier, source cursors and host state (archive.frontier, archive.hosts)",
        """
-- Every URL a crawl source discovered, once (archive.frontier). The stats command reads it:
-- states by count, due URLs, URLs per source.
CREATE TABLE IF NOT EXISTS frontier (
    id INTEGER PRIMARY KEY,             -- discovery order
    url TEXT NOT NULL UNIQUE,           -- the URL as discovered (fragment dropped)
    source TEXT NOT NULL,               -- the [[sources]] name that found it first
    title TEXT NOT NULL DEFAULT '',     -- the title the source listed (include/exclude filters)
    identity TEXT,                      -- article identity: wechat:<bizuin>_<mid>_<idx>, qq:<id>, NULL while unknown
    state TEXT NOT NULL,                -- queued | archived | not_article | failed | deleted | known
    first_seen TEXT NOT NULL,           -- ISO 8601 UTC
    last_visit TEXT,                    -- when it was last requested (NULL: never)
    next_visit TEXT,                    -- when it is due (queued, retry, revisit), NULL: never again
    attempts INTEGER NOT NULL DEFAULT 0,  -- visits that did not archive it (failures, pauses)
    revisits INTEGER NOT NULL DEFAULT 0,  -- revisits done after it was archived ([crawl] revisit_days)
    error TEXT                          -- the last failure's message
);
CREATE INDEX IF NOT EXISTS frontier_identity ON frontier(identity);
CREATE INDEX IF NOT EXISTS frontier_due ON frontier(source, next_visit);
-- Where each source stopped: feed ETag/Last-Modified, album begin_msgid/begin_itemidx, list page.
CREATE TABLE IF NOT EXISTS source_cursors (
    source TEXT NOT NULL,
    key TEXT NOT NULL,                  -- e.g. etag <url>, last_modified <url>, resume_url
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, key)
);
-- Hosts whose circuit breaker opened (archive.hosts): no request before paused_until.
CREATE TABLE IF NOT EXISTS host_state (
    host TEXT PRIMARY KEY,
    paused_until TEXT,                  -- ISO 8601 UTC, NULL or past: not paused
    reason TEXT,                        -- why: verification page, 429/403 burst, freq control, Retry-After
    trips INTEGER NOT NULL DEFAULT 0,   -- blocks in a row (the pause doubles with each), 0 after a success
    last_trip TEXT                      -- when the breaker last opened
);
""",
    ),
    Migration(
        6,
        "account templates: the edge blocks of each article before its template, and what each account learned",
        """
CREATE TABLE IF NOT EXISTS account_blocks (
    article INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    account TEXT NOT NULL,              -- archive.accounts.account_key: wechat:<biz> or <site>:<name>
    edge TEXT NOT NULL,                 -- head | tail
    position INTEGER NOT NULL,          -- 0 = the first (head) or the last (tail) block of the body
    key TEXT NOT NULL,                  -- scraper.templates.block_key: t:<hash of the words> | i:<sha256> | u:<url>
    text TEXT NOT NULL,                 -- what the block shows (its words, or [image] <url>)
    PRIMARY KEY (article, edge, position)
);
CREATE INDEX IF NOT EXISTS account_blocks_account ON account_blocks(account);
CREATE TABLE IF NOT EXISTS account_templates (
    account TEXT PRIMARY KEY,           -- as in account_blocks
    name TEXT NOT NULL,                 -- the account name removals are reported under
    posts INTEGER NOT NULL,             -- the archived posts it was learned from
    fingerprint TEXT NOT NULL,          -- scraper.templates.Template.fingerprint ('' when nothing recurs)
    blocks TEXT NOT NULL,               -- JSON list of {edge, key, text, posts}
    learned_at TEXT NOT NULL            -- ISO 8601 UTC
);
""",
    ),
    Migration(
        7,
        "articles: a canonical URL the page claimed on another site (scraper.canonical), kept, not obeyed",
        """
ALTER TABLE articles ADD COLUMN canonical_claim TEXT;   -- NULL when the page's canonical URL was trusted
""",
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version

# The tables a current catalog must have (checked on open, so a half-created file is noticed).
TABLES = (
    "meta", "raw_records", "warc_files", "articles", "images", "placeholders", "host_probes", "runs", "outcomes",
    "sources", "robots", "article_text", "sketches", "sketch_buckets", "syndication", "page_builds", "outcome_latest",
    "frontier", "source_cursors", "host_state", "account_blocks", "account_templates",
)  # fmt: skip
