"""The Hugo site around the archive: a configuration and minimal layouts, written into a new root.

When: :class:`archive.pipeline.Archive` opens a root (every command that writes one). Why: an archive
root is a Hugo site (``content/<site>/<id>/index.md`` bundles), and ``hugo`` run in it must build a
readable site as it is, with no theme to install and no configuration to write by hand.

What is written, only when the root has **no Hugo configuration at all** (no ``hugo.toml``,
``config.toml`` … and no ``config/`` folder), and then only the files that do not exist yet —
a user's own configuration or edited layouts are never overwritten:

- ``hugo.toml``: Chinese language and date format (``[params] dateformat``, read by Mainroad too),
  ``timeZone = "Asia/Shanghai"``, ``theme = "wxarchive"``, and ``[params] mainSections`` listing every
  site section wxarchive can write (the adapters' short names and ``web``). Why all of them: sections
  appear as articles arrive, and Hugo's default ``mainSections`` is the *largest* section only (a
  home page listing 7 of 18 articles); a section with no page yet costs nothing. The theme's own
  pages list every regular page whatever ``mainSections`` says.
- ``themes/wxarchive/``: minimal layouts (home, section / taxonomy lists, the article page, 404)
  that render what the front matter says: title, date, author / account / source, the link to the
  original and the syndicated copies, the thumbnail in lists (Mainroad's ``thumbnail`` forms: a path
  or ``{src, visibility}``), captions under pictures. Switching to Mainroad is one line of
  ``hugo.toml`` (see the README).

Links: ``thumbnail`` is written relative to the site root without a leading slash
(``qq/<id>/<hash>.jpg``) and every layout passes it through ``relURL``, and body images are relative
to their page: the site works at the root of a host and under a sub-path ``baseURL``
(``https://example.org/archive/``). A leading slash would make ``relURL`` keep the path host-absolute,
which breaks under a sub-path.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from archive.fsutil import atomic_write

CONFIG_FILES = tuple(
    f"{stem}.{ext}" for stem in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json")
)
"""The names Hugo looks for in a site root: any of them means the site is configured already."""

THEME = "wxarchive"
DATE_FORMAT = "2006年1月2日"  # Go's reference time: 2025年2月13日

SITE_TITLES = {
    "wechat": "微信公众号",
    "qq": "腾讯新闻",
    "163": "网易",
    "sina": "新浪",
    "sohu": "搜狐",
    "toutiao": "今日头条",
    "baijiahao": "百家号",
    "ifeng": "凤凰网",
    "thepaper": "澎湃新闻",
}
"""How a reader names each site (an attribution line says 腾讯新闻, not qq)."""


def site_title(site: str) -> str:
    """The reader's name of a site short name (the short name itself when unknown, e.g. ``web``)."""
    return SITE_TITLES.get(site, site)


def site_sections() -> list[str]:
    """Every section wxarchive can write: the registered adapters' short names, then ``web``."""
    from scraper.sites import adapters
    from scraper.sites.generic import ADAPTER as GENERIC

    names = list(dict.fromkeys(a.name for a in adapters()))
    return [*names, GENERIC.name] if GENERIC.name not in names else names


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items) + "]"


def hugo_config(*, content_dir: str = "content", sections: Iterable[str] | None = None) -> str:
    """The ``hugo.toml`` of a new archive root."""
    sections = list(sections) if sections is not None else site_sections()
    content = "" if content_dir == "content" else f"contentDir = {_toml_list([content_dir])[1:-1]}\n"
    return f"""\
# Written by wxarchive when it created this archive root. It is yours: wxarchive never changes it.
# `hugo` in this folder builds the site into public/. To serve it under a sub-path, set baseURL to
# e.g. "https://example.org/archive/": every link and picture resolves there too.
baseURL = "/"
title = "wxarchive"
languageCode = "zh-CN"
defaultContentLanguage = "zh-cn"
hasCJKLanguage = true
timeZone = "Asia/Shanghai"
# The minimal layouts in themes/wxarchive/. For Mainroad: git clone https://github.com/Vimux/Mainroad
# themes/mainroad, then theme = "mainroad" (the README says more).
theme = "{THEME}"
paginate = 20
{content}
[taxonomies]
  category = "categories"
  tag = "tags"

[params]
  # Every site section wxarchive writes (Hugo's default would be the largest section only).
  mainSections = {_toml_list(sections)}
  dateformat = "{DATE_FORMAT}"
  description = "文章存档"
"""


_BASEOF = """\
<!DOCTYPE html>
<html lang="{{ site.LanguageCode | default "zh-CN" }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ site.Title }}{{ end }}</title>
<style>
body { margin: 0 auto; max-width: 46rem; padding: 1rem; line-height: 1.8; color: #222;
  font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
a { color: #1a5fb4; }
header.site { border-bottom: 1px solid #ddd; margin-bottom: 1.5rem; }
header.site a { color: #222; text-decoration: none; font-weight: bold; }
.meta { color: #666; font-size: .9rem; }
.meta span + span::before { content: " · "; }
img { max-width: 100%; height: auto; }
p > img:only-child, p > a:only-child > img { display: block; margin: 0 auto; }
p:has(> img:only-child) + p > em:only-child, p:has(> a:only-child > img) + p > em:only-child {
  display: block; text-align: center; font-style: normal; color: #666; font-size: .9rem; }
blockquote { margin: 1rem 0; padding: 0 1rem; border-left: 4px solid #ddd; color: #555; }
pre { overflow-x: auto; background: #f6f6f6; padding: .5rem; }
table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: .2rem .5rem; }
ul.entries { list-style: none; padding: 0; }
ul.entries li { margin: 0 0 1.5rem; overflow: hidden; }
ul.entries img.thumbnail { float: right; width: 8rem; margin: 0 0 .5rem 1rem; }
.copies { border-top: 1px solid #ddd; margin-top: 2rem; font-size: .9rem; }
nav.pages a { margin-right: 1rem; }
</style>
</head>
<body>
<header class="site"><p><a href="{{ "" | relURL }}">{{ site.Title }}</a></p></header>
<main>
{{ block "main" . }}{{ end }}
</main>
</body>
</html>
"""

_THUMBNAIL = """\
{{- /* Mainroad's thumbnail forms: a path, or {src, visibility: [list, post]}; both default to
       being shown everywhere. .where is "list" or "post". */ -}}
{{- $t := .page.Params.thumbnail -}}
{{- $src := "" -}}
{{- $visibility := slice "list" "post" -}}
{{- if reflect.IsMap $t -}}
  {{- $src = $t.src | default "" -}}
  {{- with $t.visibility }}{{ $visibility = . }}{{ end -}}
{{- else if $t -}}
  {{- $src = $t -}}
{{- end -}}
{{- if and $src (in $visibility .where) -}}
<img class="thumbnail" src="{{ $src | relURL }}" alt="">
{{- end -}}
"""

_META = """\
{{- $p := .Params -}}
<p class="meta">
<span><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format (site.Params.dateformat | default "2006年1月2日") }}</time></span>
{{- with $p.account }}<span>{{ . }}</span>{{ end }}
{{- with $p.author }}<span>{{ . }}</span>{{ end }}
{{- with $p.source }}{{ if ne . $p.account }}<span>来源：{{ . }}</span>{{ end }}{{ end }}
{{- with .Params.categories }}{{ range first 1 . }}<span><a href="{{ (printf "categories/%s/" (urlize .)) | relURL }}">{{ . }}</a></span>{{ end }}{{ end }}
</p>
"""

_ENTRY = """\
<li>
{{ partial "thumbnail.html" (dict "page" . "where" "list") }}
<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
{{ partial "meta.html" . }}
<p>{{ with .Params.summary }}{{ . }}{{ else }}{{ .Summary | plainify }}{{ end }}</p>
</li>
"""

_PAGES = """\
{{- $pager := .Paginator -}}
{{- if gt $pager.TotalPages 1 }}
<nav class="pages">
{{- if $pager.HasPrev }}<a href="{{ $pager.Prev.URL }}">上一页</a>{{ end -}}
<span>第 {{ $pager.PageNumber }} / {{ $pager.TotalPages }} 页</span>
{{- if $pager.HasNext }} <a href="{{ $pager.Next.URL }}">下一页</a>{{ end -}}
</nav>
{{- end }}
"""

_INDEX = """\
{{ define "main" }}
{{- $pages := .Paginate site.RegularPages.ByDate.Reverse -}}
<ul class="entries">
{{ range $pages.Pages }}{{ partial "entry.html" . }}{{ end }}
</ul>
{{ partial "pages.html" . }}
{{ end }}
"""

_LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{- if eq .Kind "taxonomy" }}
<ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> ({{ len .Pages }})</li>{{ end }}
</ul>
{{- else }}
{{- $pages := .Paginate .RegularPagesRecursive.ByDate.Reverse -}}
<ul class="entries">
{{ range $pages.Pages }}{{ partial "entry.html" . }}{{ end }}
</ul>
{{ partial "pages.html" . }}
{{- end }}
{{ end }}
"""

_SINGLE = """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
{{ partial "meta.html" . }}
{{ partial "thumbnail.html" (dict "page" . "where" "post") }}
{{ .Content }}
{{- with .Params.syndicated }}
<section class="copies">
<p>同一篇文章也见于：</p>
<ul>
{{ range . }}<li><a href="{{ .url }}">{{ with .title }}{{ . }}{{ else }}{{ .site }}{{ end }}</a>
{{- if .title }} · {{ .site }}{{ end }}{{ with .published }} · {{ (time .).Format (site.Params.dateformat | default "2006年1月2日") }}{{ end }}</li>
{{ end }}
</ul>
</section>
{{- end }}
{{- with .Params.tags }}
<p class="meta">标签：{{ range $i, $t := . }}{{ if $i }}、{{ end }}<a href="{{ (printf "tags/%s/" (urlize $t)) | relURL }}">{{ $t }}</a>{{ end }}</p>
{{- end }}
</article>
{{ end }}
"""

_404 = """\
{{ define "main" }}
<h1>页面不存在</h1>
<p><a href="{{ "" | relURL }}">回到首页</a></p>
{{ end }}
"""

THEME_FILES = {
    "layouts/_default/baseof.html": _BASEOF,
    "layouts/_default/single.html": _SINGLE,
    "layouts/_default/list.html": _LIST,
    "layouts/index.html": _INDEX,
    "layouts/404.html": _404,
    "layouts/partials/thumbnail.html": _THUMBNAIL,
    "layouts/partials/meta.html": _META,
    "layouts/partials/entry.html": _ENTRY,
    "layouts/partials/pages.html": _PAGES,
}
"""The files of ``themes/wxarchive/``, relative to it."""


def configured(root: Path) -> bool:
    """Whether ``root`` already has a Hugo configuration (a config file or a ``config/`` folder)."""
    return any((root / name).exists() for name in CONFIG_FILES) or (root / "config").is_dir()


def ensure_site(root: Path, *, content_dir: str = "content", staging: Path | None = None) -> list[Path]:
    """Give an unconfigured archive root its ``hugo.toml`` and minimal theme; return what was written.

    Nothing happens in a root that has any Hugo configuration; in one that has none, each file is
    written only if it does not exist (a theme file the user edited stays as it is).
    """
    root = Path(root)
    if configured(root):
        return []
    files = {f"themes/{THEME}/{name}": text for name, text in THEME_FILES.items()}
    files["hugo.toml"] = hugo_config(content_dir=content_dir)
    written = []
    for name, text in files.items():
        path = root / name
        if path.exists() or path.is_symlink():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode("utf-8"), staging=staging)
        written.append(path)
    return written
