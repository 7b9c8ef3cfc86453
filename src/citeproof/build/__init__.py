"""Building: parsed documents into products (HTML, EPUB, PDF handout and brochure), checked, staged and published as one set."""
