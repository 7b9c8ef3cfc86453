"""The project: its configuration, validated once; its documents, parsed once; its bibliographies, read once."""
