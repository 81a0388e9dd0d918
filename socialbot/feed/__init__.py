"""The What's New feed: one query, many renderers (HTML, embed, JSON Feed, Atom, RSS, static files)."""
