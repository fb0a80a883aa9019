"""Text as citizens send it, cleaned the same way on every intake path."""

import unicodedata


def clean_text(value: str) -> str:
    """What a citizen sent, as stored: NFC, no NUL, lone surrogate or other control or
    unassigned character, only newlines and tabs kept; no surrounding spaces.

    JSON can carry what a form cannot ("\\ud800", "\\u0000"): neither database can store a lone
    surrogate, and PostgreSQL refuses NUL, so every text that reaches a table passes here.
    """
    text = unicodedata.normalize("NFC", value)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
