"""The built site and slides, checked in headless Chromium (Debian's ``chromium`` and ``chromium-driver``).

    python -m tools.publishing.site --check-only            # the build in build/site/html

The site is served over HTTP from a local port, and every page reachable from ``index.html``
is visited (the slides through their links). Each page must have:

- no error output of a cell (a traceback) and no script error in the browser's console
  (a failed request to the internet, such as the Colab badge's image, is not counted);
- every image from the site loaded (images from the internet are left out: there is none
  offline, and the site must not need one);
- its maths rendered by the site's MathJax, with no MathJax error;
- every audio element with a source the browser can play;
- every internal link leading to a page that exists.

Each deck of slides must start reveal.js with more than one slide, move to the next slide on
the right-arrow key and back on the left, and render its maths.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                  "--window-size=1400,1000"]

_MATHS_DONE = """
if (!window.MathJax || !MathJax.Hub) { return document.querySelectorAll('.math').length ? 'missing' : 'none'; }
var q = MathJax.Hub.queue;
return (MathJax.isReady && q.pending === 0 && q.running === 0) ? 'done' : 'busy';
"""

_PAGE_REPORT = """
var origin = window.location.origin, problems = [];
document.querySelectorAll('.output.traceback, .output.error, div.cell_output .traceback, '
    + '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] .ansi-red-fg')
  .forEach(function (e) { problems.push('error output: ' + e.textContent.trim().slice(0, 120)); });
document.querySelectorAll('img').forEach(function (img) {
  var src = img.currentSrc || img.src || '';
  var local = src.startsWith('data:') || src.startsWith(origin);
  if (local && !(img.complete && img.naturalWidth > 0)) { problems.push('image not loaded: ' + src.slice(0, 100)); }
});
var maths = document.querySelectorAll('.math, span.math, div.math, .MathJax_Preview').length;
var rendered = document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML, mjx-container').length;
var raw = document.querySelectorAll('script[type^="math/tex"]').length;
if (document.querySelectorAll('.MathJax_Error, merror, .mjx-merror').length) { problems.push('MathJax error'); }
document.querySelectorAll('audio').forEach(function (a, i) {
  var src = a.currentSrc || a.src || (a.querySelector('source[src]') || {}).src || '';
  if (!src) { problems.push('audio ' + i + ' has no source'); }
  else if (a.error) { problems.push('audio ' + i + ' cannot play: error ' + a.error.code); }
});
// folded cells (<details> blocks, myst-nb's hide-input / hide-cell toggles) start closed
var details = document.querySelectorAll('details').length;
document.querySelectorAll('details[open]').forEach(function (d) {
  var s = d.querySelector('summary');
  problems.push('a folded block is open on load: ' + (s ? s.textContent.trim().slice(0, 60) : '(no summary)'));
});
var links = Array.from(document.querySelectorAll('a[href]')).map(function (a) { return a.href; })
  .filter(function (h) { return h.startsWith(origin); });
return {problems: problems, maths: maths, rendered: rendered, raw: raw, links: links,
        audio: document.querySelectorAll('audio').length, images: document.querySelectorAll('img').length,
        details: details};
"""


_RAW_TEX = """
var text = Array.from(document.querySelectorAll('.jp-MarkdownOutput, .rendered_html'))
  .map(function (e) { return e.textContent; }).join(' ');
var found = text.match(/\\$[^$\\s][^$]{0,80}\\$|\\\\\\(|\\\\\\[/);
return found ? found[0] : '';
"""


def driver():
    """A headless Chromium through chromedriver, with a fresh profile (removed at exit)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="course-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    browser = webdriver.Chrome(options=options, service=service)
    browser.set_page_load_timeout(120)
    browser._course_profile = profile
    return browser


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the browser closing a connection early (a media request) is not the site's problem


def serve(folder: Path) -> tuple[_Server, str]:
    """Serve ``folder`` on a free local port; return the server and its address."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _wait(browser, script: str, done, timeout: float = 60.0):
    deadline, value = time.time() + timeout, None
    while time.time() < deadline:
        value = browser.execute_script(script)
        if done(value):
            return value
        time.sleep(0.25)
    return value


def _console_errors(browser, origin: str) -> list[str]:
    errors = []
    for entry in browser.get_log("browser"):
        message = entry.get("message", "")
        if entry.get("level") != "SEVERE":
            continue
        external = "http" in message and origin not in message.split(" ")[0]
        if external and ("Failed to load resource" in message or "net::ERR" in message):
            continue  # the internet, e.g. the Colab badge: not the site's
        if "/favicon.ico" in message:
            continue  # asked for by the browser itself
        if "about:blank" in message:
            continue  # MathJax 2 probes web-font support with a font at about:blank, by design
        errors.append("console: " + message[:200])
    return errors


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def check_page(browser, url: str, origin: str) -> tuple[list[str], list[str], dict]:
    """Problems on one page, the internal links it holds and what it counted."""
    browser.get(url)
    _wait(browser, "return document.readyState", lambda v: v == "complete")
    state = _wait(browser, _MATHS_DONE, lambda v: v in ("done", "none", "missing"))
    problems = []
    if state == "missing":
        problems.append("maths on the page but no MathJax loaded")
    elif state == "busy":
        problems.append("MathJax did not finish")
    _wait(browser, "return Array.from(document.images).every(function (i) { return i.complete; })", bool, 30)
    report = browser.execute_script(_PAGE_REPORT)
    problems += report["problems"]
    if report["maths"] and not report["rendered"]:
        problems.append(f"{report['maths']} maths elements, none rendered by MathJax")
    problems += _console_errors(browser, origin)
    return problems, report["links"], report


def check_slides(browser, url: str, origin: str) -> list[str]:
    """Problems of one deck: reveal.js must start, and the arrow keys must move between slides."""
    from selenium.webdriver.common.keys import Keys

    browser.get(url)
    ready = _wait(browser, "return !!(window.Reveal && Reveal.isReady && Reveal.isReady());", bool)
    if not ready:
        return ["reveal.js did not start"]
    problems = []
    total = browser.execute_script("return Reveal.getTotalSlides();")
    if total < 2:
        problems.append(f"only {total} slide")
    body = browser.find_element("css selector", "body")
    start = browser.execute_script("return Reveal.getIndices();")
    body.send_keys(Keys.ARROW_RIGHT)
    time.sleep(0.5)
    moved = browser.execute_script("return Reveal.getIndices();")
    if moved == start:
        problems.append("the right-arrow key did not move to the next slide")
    body.send_keys(Keys.ARROW_LEFT)
    time.sleep(0.5)
    if browser.execute_script("return Reveal.getIndices();") != start:
        problems.append("the left-arrow key did not come back")
    visited = browser.execute_script("""
        var n = 1; Reveal.slide(0, 0);
        while (!Reveal.isLastSlide() && n <= Reveal.getTotalSlides() + 1) { Reveal.next(); n += 1; }
        return Reveal.isLastSlide() ? n : -1;""")
    if visited < total:
        problems.append(f"stepping through the deck reached {visited} of {total} slides")
    state = _wait(browser, _MATHS_DONE, lambda v: v in ("done", "none", "missing"))
    report = browser.execute_script(_PAGE_REPORT)
    left = browser.execute_script(_RAW_TEX)
    if state != "done" or left:
        problems.append(f"maths not rendered by MathJax ({state}; {left[:60]!r} left as text)")
    problems += report["problems"] + _console_errors(browser, origin)
    return problems


def check(html_dir: Path, log=print) -> list[str]:
    """Every problem found in the site at ``html_dir`` and its slides, as 'page: problem' lines."""
    html_dir = Path(html_dir)
    if not (html_dir / "index.html").exists():
        return [f"{html_dir}/index.html: no site built there (python -m tools.publishing.site)"]
    server, origin = serve(html_dir)
    browser = driver()
    problems, seen, todo, counts = [], set(), [origin + "index.html"], {"pages": 0, "slides": 0, "audio": 0,
                                                                        "images": 0, "maths": 0, "details": 0}
    start = time.perf_counter()
    try:
        while todo:
            url = urllib.parse.urldefrag(todo.pop(0))[0]
            path = urllib.parse.urlparse(url).path
            if url in seen or not (path.endswith(".html") or path.endswith("/")):
                continue
            seen.add(url)
            name = path.lstrip("/") or "index.html"
            if _status(url) != 200:
                problems.append(f"{name}: broken link (HTTP {_status(url)})")
                continue
            began = time.perf_counter()
            if path.endswith(".slides.html"):
                counts["slides"] += 1
                problems += [f"{name}: {p}" for p in check_slides(browser, url, origin)]
                log(f"  {name}: {time.perf_counter() - began:.0f} s")
                continue
            if "/_static/" in path or "/_sources/" in path:
                continue
            page_problems, links, report = check_page(browser, url, origin)
            counts["pages"] += 1
            for key in ("audio", "images", "maths", "details"):
                counts[key] += report[key]
            problems += [f"{name}: {p}" for p in page_problems]
            log(f"  {name}: {time.perf_counter() - began:.0f} s")
            todo += [link for link in links if urllib.parse.urldefrag(link)[0] not in seen]
    finally:
        browser.quit()
        shutil.rmtree(browser._course_profile, ignore_errors=True)
        server.shutdown()
        server.server_close()
    if not counts["slides"]:
        problems.append("no slides linked from the site")
    log(f"Browser check: {counts['pages']} pages, {counts['slides']} slide decks, {counts['images']} images, "
        f"{counts['audio']} audio players, {counts['maths']} maths elements, {counts['details']} folded blocks, "
        f"{len(problems)} problems, "
        f"{time.perf_counter() - start:.0f} s")
    return problems


if __name__ == "__main__":  # pragma: no cover
    import sys

    found = check(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.getcwd()) / "build" / "site" / "html")
    print("\n".join(found))
    sys.exit(1 if found else 0)
