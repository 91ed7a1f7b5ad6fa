"""Deterministic clean-up of column names: blanks get a positional name, duplicates a suffix."""

from __future__ import annotations

import math
from collections.abc import Sequence


def _as_text(name: object) -> str:
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    if isinstance(name, float) and name.is_integer():
        return str(int(name))
    if hasattr(name, "isoformat"):
        return name.isoformat()  # a date used as a header cell in a spreadsheet
    return str(name).strip()


def clean_column_names(names: Sequence[object]) -> tuple[list[str], dict[str, str]]:
    """(new names, renames): blank -> ``column_<position>``, repeats -> ``name_2``, ``name_3`` ...

    Renames map the original name to the new one; a blank original is keyed ``<blank #N>``
    (N = 1-based position) and a repeat already used as a key ``<name> #N``.
    """
    texts = [_as_text(n) for n in names]
    taken = set(texts)
    seen: set[str] = set()
    result: list[str] = []
    renames: dict[str, str] = {}
    for position, (original, text) in enumerate(zip(names, texts), start=1):
        if not text:
            base, suffix = f"column_{position}", 1
            key = f"<blank #{position}>"
        elif text in seen:
            base, suffix = text, 2
            key = text if text not in renames else f"{text} #{position}"
        else:
            seen.add(text)
            result.append(text)
            if str(original) != text:  # stripped spaces, or a number/date header cell
                renames[str(original)] = text
            continue
        new = base if suffix == 1 else f"{base}_{suffix}"
        while new in taken or new in seen:
            suffix += 1
            new = f"{base}_{suffix}"
        seen.add(new)
        taken.add(new)
        result.append(new)
        renames[key] = new
    return result, renames
