"""Fail when translations/messages.pot is stale or a Vietnamese entry is missing, empty or fuzzy.

Run by `make test`. To fix: `make translations-update`, then translate translations/vi.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "translations" / "messages.pot"
VI = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def _ids(path: Path) -> set:
    with path.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def main() -> int:
    """Print every problem and return 1 if there is one."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "-q",
                "extract",
                "-F",
                str(ROOT / "babel.cfg"),
                "-k",
                "_l",
                "-k",
                "lazy_gettext",
                "--no-location",
                "--sort-output",
                "-o",
                str(fresh),
                str(ROOT),
            ],
            check=True,
            cwd=ROOT,
        )
        current, committed = _ids(fresh), _ids(POT) if POT.exists() else set()
    for msgid in sorted(current - committed, key=str):
        problems.append(f"not in messages.pot (run make translations-update): {msgid!r}")
    for msgid in sorted(committed - current, key=str):
        problems.append(f"in messages.pot but no longer in the code: {msgid!r}")
    with VI.open("rb") as handle:
        vi = read_po(handle)
    for msgid in sorted(current, key=str):
        message = vi.get(msgid)
        strings = message.string if message else None
        if isinstance(strings, tuple | list):
            empty = not all(strings)
        else:
            empty = not strings
        if message is None or empty:
            problems.append(f"no Vietnamese translation: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy Vietnamese translation (check and clear the flag): {msgid!r}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} translation problem(s).")
        return 1
    print(f"Translations: {len(current)} messages, all translated into Vietnamese.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
