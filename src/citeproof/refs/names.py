"""BibTeX values as readers see them: braces and TeX gone, name lists split as BibTeX splits them."""

from __future__ import annotations

import re


def unbraced(text: str) -> str:
    """A BibTeX value as a reader sees it: braces and TeX spaces gone, whitespace collapsed."""
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "").replace("~", " ").replace("\\&", "&")).strip()


def split_names(value: str) -> list[str]:
    """A BibTeX name list split at top-level " and " (never inside braces: "{Abuse and Mental Health}")."""
    names, depth, start, text = [], 0, 0, value.strip()
    for index, char in enumerate(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and text.startswith(" and ", index):
            names.append(text[start:index].strip())
            start = index + 5
    if text[start:].strip():
        names.append(text[start:].strip())
    return names


def bib_people(value: str) -> list[tuple[str, bool]]:
    """(family name or organisation, is_organisation) for each name of a BibTeX name list."""
    people = []
    for name in split_names(value):
        if name.startswith("{") and name.endswith("}"):
            people.append((unbraced(name), True))
        else:
            family = name.split(",")[0] if "," in name else name.split()[-1]
            people.append((unbraced(family), False))
    return people
