"""References you can trust: cite by identifier, lock registry records, verify every entry.

Identifiers live in :mod:`citeproof.refs.identifiers`, the lock in :mod:`citeproof.refs.lock`,
the checks in :mod:`citeproof.refs.verify` and the settings of ``[tool.citeproof.refs]`` in
:mod:`citeproof.refs.settings`. Registry clients live in :mod:`citeproof.refs.clients` and are
only imported by ``citeproof refs add`` / ``update``: builds and checks never touch the network.

Nothing is imported here: the CLI reads ``citeproof.refs.identifiers`` while it builds its
parser, and every command would otherwise pay for the lock, the checks and the bibliography.
"""
