"""Reading level: grade per section, long sentences and plainer words, as findings.

``level`` does the work; ``settings`` is ``[tool.citeproof.readability]``. Nothing is imported
here, so that reading the config (every command does) does not load the word lists.
"""
