"""Screenshot the front page of the built manual for README: ``docs/images/manual_front.png``.

    make docs && python scripts/screenshot_manual.py [--chromium /usr/bin/chromium]

Needs Playwright (the ``test`` extra) and a Chromium; the page is opened from the file, offline.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Open docs/_build/html/index.html in headless Chromium and save the picture."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=os.environ.get("RURALENV_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "manual_front.png")
    args = parser.parse_args()
    page_file = ROOT / "docs" / "_build" / "html" / "index.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out))
        browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
