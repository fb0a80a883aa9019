"""Masking personal numbers, and the searchable copy of Vietnamese text.

DESIGN §6: phone numbers are masked in lists; 12-digit ID numbers (CCCD) and phone numbers are
masked in anything published or exported. Masking keeps the first 3 and the last 2 digits and
replaces every other digit with "*", so staff can still tell two numbers apart at a glance.
"""

import re
import unicodedata

KEEP_FIRST = 3
KEEP_LAST = 2
DIGITS = frozenset("0123456789")

# Between two digit groups of a phone number: one space, dot or dash, with at least two digits
# on each side. Requiring groups of two or more keeps runs of single figures ("1 2 3 4 ...")
# from being read as one number.
_SEP = r"(?:(?<=[0-9]{2})[ .\-](?=[0-9]{2}))"
_D = rf"(?:{_SEP}?[0-9])"  # one more digit, maybe after a separator

# A number must stand alone:
# - not glued to a digit before it, nor to a letter or digit after it; a label glued before it
#   ("SĐT0912345678", "CCCD001203004567") does not hide it: published text must never show one,
#   and a code that only looks like a number ("H26-240312-0001", "AB12CD34") has too few digits
#   in a row to match;
# - not joined by a dot to another figure, which makes it part of an amount ("1.500.000.000"),
#   a decimal or a code ("000.00.22.H26"). Commas, slashes and dashes are not glue: citizens
#   write "0912345678,0987654321" or "0912345678/0987654321" for two numbers, and dates
#   ("12/03/2024") never have enough digits in a row to match;
# - not followed by a currency ("150000000 đồng" is an amount, not an old ID number).
_BEFORE = r"(?:(?=[(+])|(?<![0-9])(?<![0-9]\.))"
_AFTER = r"(?!\w)(?!\.[0-9])(?!\s*(?:đồng|dong|đ|vnđ|vnd|₫)(?!\w))"

PERSONAL_NUMBER_RE = re.compile(
    rf"""
    {_BEFORE}
    (?:
        # CCCD (căn cước công dân): 12 digits, written together or in groups of 3 or 4 split
        # by spaces, dots or dashes ("001203004567", "001 203 004 567", "0012 0300 4567",
        # "001-234-567-890", "001.234.567.890", "001-234.567-890"). Other groupings are left to
        # the phone patterns ("0912 345 678 12" is a phone number and a count).
        [0-9]{{12}}
      | [0-9]{{3}}[\ .\-][0-9]{{3}}[\ .\-][0-9]{{3}}[\ .\-][0-9]{{3}}
      | [0-9]{{4}}[\ .\-][0-9]{{4}}[\ .\-][0-9]{{4}}
        # Phone, international: +84, (+84) or 84, then the national number without its 0
        # (9 digits; 10 for a landline "+84 24 3825 1234" or a pre-2018 mobile); "+84 0912..."
        # (the 0 kept by mistake) is accepted too. Without the "+" only a space may follow 84,
        # since "84.912.345.678" reads as an amount.
      | (?:\(\+84\)[ .\-]?|\+84[ .\-]?|0084[ .\-]?|84\ ?) (?:\(0\)\ ?)? 0?
        [1-9][0-9] (?: {_D}{{8}} | {_D}{{7}} )
        # Phone, national, 11 digits: a landline, 0 + area code 2x/2xx + subscriber number
        # ("024 3825 1234", "(024) 3825 1234", "(0236) 382 1234"), or a pre-2018 mobile.
      | 0[0-9]{{2}}{_D}{{8}}
      | \(0[0-9]{{2}}\)\ ?[0-9]{{2}}{_D}{{6}}
      | \(0[0-9]{{3}}\)\ ?[0-9]{{2}}{_D}{{5}}
        # Phone, national mobile: 0 + 9 digits ("0912345678", "0912 345 678", "091.234.5678").
        # The first group has at least 3 digits, so a date "01.03.2024 10" is not a phone.
      | 0[0-9]{{2}}{_D}{{7}}
        # CMND (old chứng minh nhân dân): 9 digits written together.
      | [0-9]{{9}}
    )
    {_AFTER}
    """,
    re.VERBOSE | re.IGNORECASE,
)

# What the patterns above miss: 9 to 12 digits in groups of two or more split by spaces,
# slashes, dashes or brackets in any other way ("0912/345/678", "001234 567890",
# "09 12 34 56 78", "(0912) 345 678"). Dots stay out: they write amounts and dates; and a run
# that follows a dash or slash is the tail of a code ("H26-240312-0001"), not a number.
_GROUPED_RE = re.compile(
    rf"(?<![\w.\-/])\(?[0-9]{{2,6}}\)?(?:[ /\-()]{{1,2}}\(?[0-9]{{2,}}\)?){{1,5}}{_AFTER}"
)
_GROUPED_DIGITS = range(9, 13)

_PHONE_SEPARATORS_RE = re.compile(r"[\s.\-()]+")


def _mask_digits(text: str) -> str:
    """Keep the first 3 and last 2 digits of text, replace the other digits, keep the rest.

    With 5 digits or fewer every digit is hidden (keeping 3 + 2 would show the whole number).
    """
    total = sum(ch.isdigit() for ch in text)
    keep_all_but = total > KEEP_FIRST + KEEP_LAST
    out = []
    seen = 0
    for ch in text:
        if ch.isdigit():
            seen += 1
            visible = keep_all_but and (seen <= KEEP_FIRST or seen > total - KEEP_LAST)
            out.append(ch if visible else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_phone(number: str | None) -> str:
    """A phone number for lists: separators removed, first 3 and last 2 digits kept.

    "0912345678" → "091*****78"; "+84 912 345 678" → "+849******78"; None or "" → "".
    """
    if not number:
        return ""
    return _mask_digits(_PHONE_SEPARATORS_RE.sub("", number))


def mask_personal_numbers(text: str) -> str:
    """Free text with ID numbers (CCCD 12 digits, CMND 9 digits) and phone numbers masked.

    Each number is masked where it stands (separators and "+" kept, first 3 and last 2 digits
    shown): "0912 345 678" → "091* *** *78", "001203004567" → "001*******67". Numbers written
    with other scripts' digits, non-breaking spaces or typographic dashes are found too (they
    are read as plain ones, and masked in place). Dates, amounts, dossier codes and tracking
    codes are left alone; see PERSONAL_NUMBER_RE.
    """
    if not text:
        return ""
    if not any(ch.isdigit() for ch in text):
        return text  # most comments hold no number at all
    readable = _as_plain(text)
    spans = [m.span() for m in PERSONAL_NUMBER_RE.finditer(readable)]
    taken = _blank(readable, spans)
    for match in _GROUPED_RE.finditer(taken):
        if sum(ch.isdigit() for ch in match.group(0)) in _GROUPED_DIGITS:
            spans.append(match.span())
    out = list(text)
    for start, end in spans:
        out[start:end] = _mask_digits(text[start:end])
    return "".join(out)


def _as_plain(text: str) -> str:
    """The text with every digit as an ASCII digit, every space as " " and every dash as "-",
    one character for one, so what is found in it can be masked at the same places."""
    out = []
    for ch in text:
        if ch.isdigit() and not ch.isascii():
            value = unicodedata.digit(ch, None)
            out.append(str(value) if value is not None else ch)
        elif ch != " " and (ch == "\t" or unicodedata.category(ch) == "Zs"):
            out.append(" ")
        elif ch != "-" and unicodedata.category(ch) == "Pd":
            out.append("-")
        else:
            out.append(ch)
    return "".join(out)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans already found replaced by letters (so nothing is found twice)."""
    out = list(text)
    for start, end in spans:
        out[start:end] = "x" * (end - start)
    return "".join(out)


def normalise_for_search(text: str) -> str:
    """Lower case, no Vietnamese diacritics, single spaces: "Phường  Đống Đa" → "phuong dong da".

    Used both for the stored searchable copy and for the query, so they always compare alike.
    """
    if not text:
        return ""
    # "đ" is a letter of its own, not d + a mark, so NFD would leave it in place.
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFC", stripped).lower().split())


def excerpt(text: str | None, length: int = 120) -> str:
    """The first words of a citizen's text, for lists: phone and ID numbers masked."""
    flat = mask_personal_numbers(" ".join((text or "").split()))
    if len(flat) <= length:
        return flat
    return flat[:length].rsplit(" ", 1)[0] + "…"
