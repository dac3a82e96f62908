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
