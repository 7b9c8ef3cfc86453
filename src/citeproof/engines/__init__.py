"""The external engines (pandoc, typst) and every child process: one door each, with limits and signal handling."""
