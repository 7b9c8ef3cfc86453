"""The link check: every URL of a document, asked politely through an SSRF-guarded client, with one verdict each."""
