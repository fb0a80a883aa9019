"""Make sure Chromium is on PATH for the kiosk's browser tests (tests/browser).

Run by `make test`. As root on Debian or Ubuntu with apt-get, it installs the `chromium`
package; otherwise it says what to install and leaves the machine alone (the browser tests then
fail with the same advice rather than being skipped).
"""

import os
import shutil
import subprocess
import sys

ADVICE = (
    "Chromium is needed for the kiosk's browser tests (tests/browser) and is not on PATH.\n"
    "Install it, then run the tests again:\n"
    "  Debian:  sudo apt-get install chromium\n"
    "  Ubuntu:  sudo apt-get install chromium-browser  (make `chromium` reach it on PATH)\n"
    "  Other:   any Chromium or Chrome build, reachable as `chromium` on PATH"
)


def main() -> int:
    """Install Chromium when we can, explain when we cannot; 1 only if an install failed."""
    found = shutil.which("chromium")
    if found:
        print(f"Chromium: {found}")
        return 0
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("Chromium is missing: installing Debian's chromium package with apt-get.")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "chromium"],
        ):
            # Fixed arguments, no shell: apt-get is found on PATH as root's package tool.
            result = subprocess.run(command, env=env, check=False)  # noqa: S603
            if result.returncode != 0:
                print(f"`{' '.join(command)}` failed.\n{ADVICE}")
                return 1
        found = shutil.which("chromium")
        print(f"Chromium: {found}" if found else ADVICE)
        return 0 if found else 1
    print(ADVICE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
