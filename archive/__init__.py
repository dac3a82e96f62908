"""wxarchive's archive: raw store (WARC + SQLite catalog), image cache, Markdown writer, pipelines.

It knows the disk. The CLI (``archive.cli``) is a thin layer over ``archive.pipeline``.
"""
