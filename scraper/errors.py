"""Every failure wxarchive reports, as a small tree of typed errors.

::

    WxArchiveError                 every error; .url is the URL concerned (may be "")
    ├── ConfigError                bad or unknown configuration key / value
    ├── FetchError                 the network did not give us the page or image
    │   ├── TransientFetchError    worth retrying later: connect error, timeout, 408/429/5xx; .status
    │   │   ├── DeadlineExceeded   the whole response took longer than the total deadline
    │   │   └── Blocked            the host answered with a block (verification, freq control); .host
    │   └── PermanentFetchError    retrying will not help
    │       ├── HTTPStatusError    4xx (other than 408/429): 404, 410, 451 …; .status
    │       ├── TooLarge           body (after decompression) over the size cap
    │       ├── TooManyRedirects   redirect chain longer than the limit, or a loop
    │       ├── BlockedURL         scheme/host not allowed (file:, data:, private address …)
    │       └── NotHTML            a page URL answered with something that is not HTML
    ├── ExtractError               the page was fetched but could not be turned into an article
    │   └── NotAnArticle           the page is a typed non-article (deleted, expired …); .kind
    ├── ImageError                 an image could not be fetched or is not a valid image
    │   └── PlaceholderImage       the host answered with an anti-hotlink placeholder
    └── StoreError                 the archive on disk could not be read or written
        ├── DiskFullError          the disk is full (or read-only): every later write would fail too
        └── CatalogBusy            another run held the catalog longer than the busy timeout

Transient vs permanent vs "not an article" are different types so that a batch can decide what to
record and what to retry, the way ArchiveBox keeps "retry later" apart from "not applicable".
Every message is a full sentence that names the URL.
"""

from __future__ import annotations


class WxArchiveError(Exception):
    """Base of all wxarchive errors."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class ConfigError(WxArchiveError):
    pass


class FetchError(WxArchiveError):
    pass


class TransientFetchError(FetchError):
    """A failure that may go away: retried by the fetcher, then reported."""

    def __init__(
        self, message: str, url: str = "", retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, url)
        self.retry_after = retry_after
        self.status = status  # the HTTP status (429, 503 …) when the failure was one


class DeadlineExceeded(TransientFetchError):
    pass


class Blocked(TransientFetchError):
    """The host answered with a block rather than the content: a verification page, WeChat's
    ``freq control`` or a verification status in a JSON answer. A crawl pauses the host."""

    def __init__(self, message: str, url: str = "", host: str = "") -> None:
        super().__init__(message, url)
        self.host = host


class PermanentFetchError(FetchError):
    pass


class HTTPStatusError(PermanentFetchError):
    def __init__(self, message: str, url: str = "", status: int = 0) -> None:
        super().__init__(message, url)
        self.status = status


class TooLarge(PermanentFetchError):
    pass


class TooManyRedirects(PermanentFetchError):
    pass


class BlockedURL(PermanentFetchError):
    pass


class NotHTML(PermanentFetchError):
    pass


class ExtractError(WxArchiveError):
    pass


class NotAnArticle(ExtractError):
    """The page is a known kind of non-article page; ``kind`` names it."""

    def __init__(self, message: str, url: str = "", kind: str = "not_article") -> None:
        super().__init__(message, url)
        self.kind = kind


class ImageError(WxArchiveError):
    pass


class PlaceholderImage(ImageError):
    pass


class StoreError(WxArchiveError):
    pass


class DiskFullError(StoreError):
    """The filesystem holding the archive is full, over quota or read-only.

    Not the fault of one URL: the pipeline stops the batch cleanly after it (every later write would
    fail the same way) and each URL still gets its one line. The message reads
    ``No space left on device <mount point> while writing <what> for <URL>``; :meth:`for_url` names
    the URL when the code that hit the error did not know it.
    """

    def __init__(
        self, message: str = "", url: str = "", *, device: str = "", what: str = "", readonly: bool = False
    ) -> None:
        self.device = device
        self.what = what
        self.readonly = readonly
        super().__init__(message or self._line(url), url)

    def _line(self, url: str) -> str:
        reason = "Read-only file system" if self.readonly else "No space left on device"
        line = f"{reason} {self.device}".rstrip()
        if self.what:
            line += f" while writing {self.what}"
        if url:
            line += f" for {url}"
        return line + "."

    def writing(self, what: str) -> DiskFullError:
        """The same error saying it happened while writing ``what`` (e.g. a path made readable)."""
        return DiskFullError("", self.url, device=self.device, what=what, readonly=self.readonly)

    def for_url(self, url: str) -> DiskFullError:
        """The same error naming ``url`` (a new object; the message is rebuilt)."""
        if self.url or not url:
            return self
        return DiskFullError(
            "", url, device=self.device, what=self.what, readonly=self.readonly
        ).with_traceback(self.__traceback__)


class CatalogBusy(StoreError):
    """Another run held the catalog's write lock (or its creation lock) past the busy timeout."""
