"""The Atom feeds of new flags and broken promises: where the site lives, and the feeds' ids.

A feed is read outside the site, by a feed reader that has no page to resolve a
relative link against, so every link in a feed is absolute: the site's base URL
(``ledger site build --base-url``, by default the address ``ledger serve`` uses)
followed by the page's path. Ids are ``urn:`` IRIs built from the log's origin,
which stay the same wherever the site is hosted.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

from ledger.errors import InvalidArgument

DEFAULT_BASE_URL = "http://127.0.0.1:8000/"
"""Where ``ledger serve`` serves the site (``--host`` and ``--port`` defaults)."""

FEED = "feed.xml"
"""Each language's feed, beside its pages: ``en/feed.xml``, ``ur/feed.xml``."""


def parse_base_url(text: str) -> str:
    """The site's public address, checked, ending with ``/`` (links are appended to it).

    An http or https URL with a host, and nothing a page path cannot follow: no user
    name or password, no query, no fragment.
    """

    def refuse(why: str) -> InvalidArgument:
        return InvalidArgument(
            f"--base-url {text!r}: {why}; give the address the site is served at, such as"
            f" {DEFAULT_BASE_URL}",
            field="base_url",
        )

    if not text or text != text.strip() or any(c.isspace() for c in text):
        raise refuse("it is empty or contains spaces")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise refuse("it must start with http:// or https://")
    if not parts.hostname:
        raise refuse("it names no host")
    if parts.username is not None or parts.password is not None:
        raise refuse("it must not carry a user name or password")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise refuse("it must not have a query (?) or a fragment (#)")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 <= port <= 65535:
        raise refuse("its port is not a number from 0 to 65535")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))


def feed_id(origin: str, *parts: str) -> str:
    """A permanent id for the feed or one of its entries: ``urn:ceasefire-ledger:<origin>:…``."""
    return ":".join(
        ["urn", "ceasefire-ledger", *(quote(p, safe="._-~/") for p in (origin, *parts))]
    )
