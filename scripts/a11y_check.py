#!/usr/bin/env python
"""axe-core's WCAG 2.1 A/AA rules on live Dotvote pages, past our CSP and the facilitator's login.

    .venv/bin/python scripts/a11y_check.py [--phone] [--login USER:PASSWORD] URL [URL ...]
    .venv/bin/python scripts/a11y_check.py --all http://127.0.0.1:8000 CODE [--login demo:PASSWORD]

The shared tool (../shared/tools/a11y_check.py) injects axe as an inline script, which our
`script-src 'self'` policy refuses; this one tells Chromium to bypass the page's CSP for the
check only. `--login` signs in first, so the console, the projector and the export pages can be
checked; `--all` checks every page of one workshop (the participant pages through a fresh
phone that joins it). Needs Debian's chromium and npm (axe-core is cached in ~/.cache/axe-core).
Exit status 1 when any page has a violation.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CACHE = Path.home() / ".cache" / "axe-core"
AXE = CACHE / "node_modules" / "axe-core" / "axe.min.js"
RULES = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']"


def ensure_axe() -> Path:
    if not AXE.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        quiet = ["--silent", "--no-audit", "--no-fund"]
        subprocess.run(["npm", "install", *quiet, "--prefix", str(CACHE), "axe-core@4"], check=True)
    return AXE


def every_page(base: str, code: str) -> tuple[list[str], list[str]]:
    """The facilitator's pages of workshop `code`, then a phone's (joined on the way)."""
    facilitator = [
        f"{base}/",
        f"{base}/workshops/",
        f"{base}/workshops/new/",
        f"{base}/workshops/compare/",
        f"{base}/workshops/{code}/",
        f"{base}/workshops/{code}/edit/",
        f"{base}/workshops/{code}/projector/",
        f"{base}/workshops/{code}/notes/",
        f"{base}/workshops/{code}/paper/",
        f"{base}/workshops/{code}/ideas/",
        f"{base}/workshops/{code}/export/",
        f"{base}/workshops/{code}/report/",
    ]
    phone = [f"{base}/{code}", f"{base}/privacy/", f"{base}/accessibility/"]
    return facilitator, phone


def check(page, url: str, axe: Path) -> int:
    response = page.goto(url, wait_until="networkidle")
    page.add_script_tag(path=str(axe))
    violations = page.evaluate(
        f"async () => (await axe.run(document, {{runOnly: {{type: 'tag', values: {RULES}}}}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    status = response.status if response else "?"
    print(f"{url} [{status} → {page.url}]: {len(violations)} violation(s)")
    for violation in violations:
        print(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        print(f"    {json.dumps(violation['nodes'])}")
    return len(violations)


def main(argv: list[str]) -> int:
    phone = "--phone" in argv
    login = argv[argv.index("--login") + 1] if "--login" in argv else None
    args = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--login")]
    if "--all" in argv:
        if len(args) != 2:
            print(__doc__)
            return 2
        facilitator_urls, phone_urls = every_page(args[0].rstrip("/"), args[1])
    else:
        facilitator_urls, phone_urls = ([], args) if phone else (args, [])
    if not facilitator_urls and not phone_urls:
        print(__doc__)
        return 2
    axe = ensure_axe()
    failed = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        if facilitator_urls:
            context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
            page = context.new_page()
            if login:
                user, password = login.split(":", 1)
                start = facilitator_urls[0].split("/", 3)
                page.goto(f"{start[0]}//{start[2]}/accounts/login/")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", password)
                with page.expect_navigation():
                    page.press("input[name=password]", "Enter")
            for url in facilitator_urls:
                failed += bool(check(page, url, axe))
        if phone_urls:
            context = browser.new_context(bypass_csp=True, **p.devices["Pixel 5"])
            page = context.new_page()
            for url in phone_urls:
                failed += bool(check(page, url, axe))
            page.goto(phone_urls[0])
            if "--all" in argv and page.locator("form.join button").count():  # a closed workshop has none
                with page.expect_navigation():
                    page.click("form.join button")  # join, then check the phone's own page
                page.wait_for_load_state("networkidle")
                failed += bool(check(page, page.url, axe))
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
