"""``citeproof preview``: a live page per document, rebuilt on save, with the check's findings on it.

:class:`~citeproof.preview.session.Session` rebuilds and checks; :class:`~citeproof.preview.server.PreviewServer`
serves pages, outputs and the reload events; :func:`~citeproof.preview.watch.watch_project` turns
saves into rebuild requests.
"""
