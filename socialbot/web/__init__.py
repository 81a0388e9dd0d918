"""The web app: the public feed pages, feeds and embed; later the officers' admin pages."""
