"""The course as a website and as slides: notebooks executed once, published without solutions.

    python -m tools.publishing.site                      # class mode: execute (cached), build site and slides
    python -m tools.publishing.site --mode smoke --check # what CI runs: seconds per notebook, then a browser check
    python -m tools.publishing.site --check-only         # check an existing build in headless Chromium

What it does, in order (everything lands in ``build/site/``, which git ignores):

1. **Execute** every notebook (lectures 00-09, then the assignments) in a fresh kernel through
   nbclient, in the given mode with one PyTorch thread, *the instructor's version* so that every
   cell after an exercise has its outputs. Executed notebooks are kept in a jupyter-cache
   (``build/site/cache/<mode>-<key>``, the key a hash of ``course_utils`` and the notebooks'
   data files): a notebook whose code did not change is not executed again. A cell that errors
   fails the build, naming the notebook and the cell.
2. **Publish** each executed notebook as students get it: nbgrader's ClearSolutions,
   ClearHiddenTests and ClearMarkScheme (through :func:`tools.publishing.assignments.student_notebook`),
   with the outputs of every other cell kept and those of the cells that held a solution or a
   hidden test removed. Jupyter widgets, which need a running kernel, become a note saying so
   (with what their output area last showed); closed progress bars are dropped, finished ones
   drawn as plain bars. A line of links opens each page: its student version on Colab and on
   GitHub, a download of the student notebook, its slides, and the set-up sections of the
   student README. Those links, the page's Colab badge and install cell and the theme's GitHub
   button all point at the student repository and tag of :mod:`tools.publishing.target` (``course.toml``).
3. **Build** the site with Sphinx, myst-nb and the book theme from ``site/`` (configuration,
   index, pages) and the published notebooks, warnings as errors (a broken internal link fails
   it), MathJax served from the site itself (the copy the ``jupyter-server-mathjax`` package
   ships); the page of what the course proves comes from :mod:`tools.publishing.claims`.
4. **Slides** of each lecture notebook with ``nbconvert``'s reveal.js exporter, from the slide
   metadata :mod:`tools.publishing.slides` writes, with the outputs, reveal.js and MathJax served locally
   (``build/site/html/slides/``).
5. **Refuse** a built site that links to another GitHub repository than the student one (and
   the third parties it cites), names the instructor's repository, or shows an absolute path of
   this machine (:func:`published_problems`).
6. **Check** (``--check``) the built site and slides in headless Chromium (:mod:`tools.publishing.site.browser`).

The data layer honours ``COURSE_DATA_MIRROR`` (CI and offline machines point it at their local
copies); without it the notebooks download their datasets as they always do.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from course_utils import REPOSITORY
from tools.measuring import benchmark
from tools.measuring.cache import OUT, cache_dir_for, cache_executed, for_execution
from tools.publishing import assignments, colab, pairs, target
from tools.publishing.slides import FOLDED_TAGS as SLIDE_FOLDED
from tools.publishing.slides import HIDDEN_INPUT_TAGS as SLIDE_HIDDEN_INPUT

ROOT = Path(__file__).resolve().parents[3]
SITE = ROOT / "site"
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
SOLUTION_MARKERS = (assignments.BEGIN, assignments.BEGIN_HIDDEN)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_NOTE = ("Interactive: this control needs a running Python kernel. Open the notebook in "
               "Jupyter or on Colab (links at the top of the page) to use it.")
# sections of the student README that tools.publishing.release writes
STUDENT_README = {"on your machine": "on-your-machine", "Colab": "on-colab",
                  "exercises and assignments": "exercises-and-assignments"}


# --- 1. execution, once, through jupyter-cache ------------------------------------------------

def run(path: Path, mode: str, cell_timeout: int = 900):
    """``(executed notebook, seconds)``: the notebook at ``path`` run top to bottom in a fresh kernel.

    Raises ``RuntimeError`` naming the notebook and the cell when a cell fails.
    """
    threads = os.environ.get("COURSE_THREADS", "1")
    env = dict(os.environ, COURSE_MODE=mode, COURSE_THREADS=threads, OMP_NUM_THREADS=threads)
    nb, seconds, error, _ = benchmark.execute_retrying(lambda: for_execution(nbformat.read(path, as_version=4)),
                                                       path, env, cell_timeout, retries=1)
    if error:
        raise RuntimeError(f"{path.name}: {error}")
    return nb, seconds


def execute(paths: list[Path], mode: str, cache_dir: Path, cell_timeout: int = 900, jobs: int = 1,
            log=print) -> tuple[dict[Path, nbformat.NotebookNode], list[str]]:
    """The executed instructor's version of each notebook, from the cache or from a fresh kernel.

    Returns ``({path: notebook}, failures)``; ``jobs`` notebooks run side by side. Only the
    notebooks missing from the cache run, and each one that succeeds is cached.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from jupyter_cache import get_cache

    cache = get_cache(cache_dir)
    done, todo, failures = {}, [], []
    for path in paths:
        original = nbformat.read(path, as_version=4)
        try:
            record = cache.match_cache_notebook(for_execution(original))
            done[path] = merge_outputs(original, cache.get_cache_bundle(record.pk).nb)
            log(f"  {path.name}: from the cache")
        except KeyError:
            todo.append(path)
    # "spawn": a forked copy of this process may share sockets of the kernel clients before it
    pool = (ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
            if jobs > 1 and len(todo) > 1 else None)
    futures = {path: pool.submit(run, path, mode, cell_timeout) for path in todo} if pool else {}
    try:
        for path in todo:
            try:
                nb, seconds = futures[path].result() if pool else run(path, mode, cell_timeout)
            except RuntimeError as err:
                failures.append(str(err))
                log(f"  FAILED {err}")
                continue
            log(f"  {path.name}: executed in {seconds:.0f} s ({mode} mode)")
            cache_executed(path, nb, cache_dir)
            done[path] = merge_outputs(nbformat.read(path, as_version=4), nb)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return done, failures


def merge_outputs(original, executed):
    """``original`` (with its cell metadata) holding the outputs of ``executed``, code cell by code cell."""
    nb = copy.deepcopy(original)
    ran = [c for c in executed.cells if c.cell_type == "code"]
    mine = [c for c in nb.cells if c.cell_type == "code"]
    if [c.source for c in ran] != [c.source for c in mine]:
        raise ValueError("the executed notebook's code differs from the notebook's")
    for cell, done in zip(mine, ran):
        cell.outputs, cell.execution_count = done.outputs, done.execution_count
    if "widgets" in executed.metadata:
        nb.metadata["widgets"] = executed.metadata["widgets"]
    return nb


# --- 2. what students may see ------------------------------------------------------------------

def _is_solution_cell(cell) -> bool:
    grading = cell.metadata.get("nbgrader", {})
    return (any(marker in cell.source for marker in SOLUTION_MARKERS)
            or bool(grading.get("solution")) or "=== BEGIN MARK SCHEME ===" in cell.source)


def published(executed, name: str, where: target.Target | None = None):
    """The page students see: the student version of ``executed`` with the other cells' outputs.

    Solution bodies become stubs, hidden tests and mark schemes go, and a cell that held any of
    them loses its outputs; every other code cell keeps what it printed and drew. The Colab
    badge and the install cell point at the student repository ``where`` (default:
    :func:`tools.publishing.target.load`), as in the release.
    """
    where = where or target.load()
    errors = [i for i, c in enumerate(executed.cells) if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    if errors:
        raise RuntimeError(f"{name}: cells {errors} show an error")
    student = assignments.student_notebook(executed, name)
    if len(student.cells) != len(executed.cells):
        raise RuntimeError(f"{name}: the student version has a different number of cells")
    state = executed.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell, done in zip(student.cells, executed.cells):
        if cell.cell_type != "code":
            continue
        if _is_solution_cell(done):
            cell.outputs, cell.execution_count = [], None
            continue
        cell.outputs = static_outputs(done.outputs, state)
        cell.execution_count = done.execution_count
        for output in cell.outputs:  # a solution's source must not survive in a traceback either
            if any(marker in json.dumps(output) for marker in SOLUTION_MARKERS):
                raise RuntimeError(f"{name}: an output shows a solution marker")
    student.metadata.pop("widgets", None)
    badge = colab.badge(f"notebooks/{Path(name).stem}.ipynb", where.repository, where.tag)
    install = colab.install_code(where.repository, where.tag)
    for cell in student.cells:
        cell.source = colab._BADGE.sub(lambda _: badge, cell.source)
        cell.source = colab._INSTALL.sub(lambda _: install, cell.source)
    return student


def _children(model_id: str, state: dict) -> list[str]:
    """Every widget model reachable from ``model_id`` (itself first)."""
    seen, todo = [], [model_id]
    while todo:
        current = todo.pop(0)
        if current in seen or current not in state:
            continue
        seen.append(current)
        text = json.dumps(state[current].get("state", {}))
        todo += re.findall(r"IPY_MODEL_([\w-]+)", text)
    return seen


def static_outputs(outputs: list, state: dict) -> list:
    """``outputs`` with each Jupyter widget replaced by what a page without a kernel can show.

    A widget whose model is gone (a closed progress bar) is dropped; a progress bar becomes a
    plain ``<progress>`` with its text; any other widget becomes a note that it needs a kernel,
    followed by what its output areas last showed (the figure a slider drew first, say).
    """
    result = []
    for output in outputs:
        data = output.get("data", {})
        if WIDGET_VIEW not in data:
            result.append(output)
            continue
        model_id = data[WIDGET_VIEW].get("model_id", "")
        models = _children(model_id, state)
        if not models:
            continue  # closed, as a finished tqdm bar with leave=False is: Jupyter shows nothing
        kinds = {state[m]["model_name"] for m in models}
        if "FloatProgressModel" in kinds and kinds <= {"HBoxModel", "HTMLModel", "FloatProgressModel",
                                                      "LayoutModel", "HTMLStyleModel", "ProgressStyleModel",
                                                      "DescriptionStyleModel"}:
            result.append(_progress(models, state))
            continue
        result.append(nbformat.v4.new_output("display_data", data={
            "text/html": f'<p class="widget-needs-kernel">{html.escape(WIDGET_NOTE)}</p>',
            "text/plain": WIDGET_NOTE}))
        for m in models:
            if state[m]["model_name"] == "OutputModel":
                result += [nbformat.from_dict(o) for o in state[m]["state"].get("outputs", [])
                           if WIDGET_VIEW not in o.get("data", {})]
    return result


def _progress(models: list[str], state: dict):
    texts = [state[m]["state"].get("value", "") for m in models if state[m]["model_name"] == "HTMLModel"]
    bar = next(state[m]["state"] for m in models if state[m]["model_name"] == "FloatProgressModel")
    value, top = bar.get("value", 0), bar.get("max", 1) or 1
    left, right = (texts + ["", ""])[:2]
    markup = (f'<div class="static-progress">{left} <progress value="{value}" max="{top}"></progress> '
              f"{right}</div>")
    plain = html.unescape(re.sub("<[^>]+>", "", f"{left} {right}"))
    return nbformat.v4.new_output("display_data", data={"text/html": markup, "text/plain": plain})


def links_cell(path: Path, kind: str, where: target.Target | None = None, slides: bool = False):
    """The markdown cell of links under each page's title: Colab, GitHub, download, slides, set-up.

    Every link goes to the student repository ``where`` (default :func:`tools.publishing.target.load`), in
    the layout of the release (``notebooks/NN_*.ipynb``, its README's sections). ``slides=True``
    gives the variant for a slide deck: plain Markdown (no MyST download role, which reveal.js
    would show as raw text) and no link to the deck itself.
    """
    where = where or target.load()
    student = f"notebooks/{path.stem}.ipynb"
    parts = [f"[open the student version in Colab]({where.colab}/{student})",
             f"[the student version on GitHub]({where.github}/{student})"]
    if not slides:
        parts.append(f"{{download}}`download it <../student/{path.stem}.ipynb>`")
        if kind == "lectures":
            parts.append(f'<a href="../slides/{path.stem}.slides.html">slides</a>')
    setup = "set-up: " + ", ".join(f"[{text}]({where.github}/README.md#{anchor})"
                                   for text, anchor in STUDENT_README.items())
    return nbformat.v4.new_markdown_cell("**This page:** " + " · ".join(parts) + f" · {setup}",
                                         metadata={"tags": ["course-links"]})


# --- 3. and 4. the site and the slides --------------------------------------------------------

def _vendor(static: Path) -> None:
    """MathJax and reveal.js, copied from the Python packages that ship them, under ``static``."""
    import jupyter_server_mathjax
    import sphinx_revealjs

    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    reveal = Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"
    shutil.copytree(mathjax, static / "mathjax", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("SVG", "localization"))
    for part in ("dist", "plugin/notes"):
        shutil.copytree(reveal / part, static / "reveal" / part, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.map", "*.esm.js"))


def slides(nb, destination: Path) -> Path:
    """reveal.js slides of a published notebook, with reveal.js and MathJax from the site's ``_static``."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.reveal_url_prefix = "../_static/reveal"
    config.SlidesExporter.reveal_scroll = True
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.mathjax_url = f"../_static/mathjax/MathJax.js?config={MATHJAX_CONFIG}"
    config.SlidesExporter.extra_template_basedirs = [str(SITE / "templates")]
    config.SlidesExporter.template_name = "course_reveal"
    # folded cells (tools.publishing.slides): drawing code shows its figure only, skippable cells go
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = set(SLIDE_HIDDEN_INPUT)
    config.TagRemovePreprocessor.remove_cell_tags = set(SLIDE_FOLDED)
    exporter = SlidesExporter(config=config)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": destination.stem}})
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(body, encoding="utf-8")
    return destination


def index_page(pages: dict[str, list[Path]], where: target.Target | None = None) -> str:
    """``site/index.md`` with the student repository's addresses and the table of contents filled in."""
    where = where or target.load()
    text = (SITE / "index.md").read_text(encoding="utf-8")
    toc = {kind: "\n".join(f"{kind}/{p.stem}" for p in paths) or "claims" for kind, paths in pages.items()}
    return (text.replace("@GITHUB@", where.github).replace("@REPOSITORY@", where.repository)
            .replace("@LECTURES@", toc["lectures"]).replace("@ASSIGNMENTS@", toc["assignments"]))


def build(mode: str = "class", out: Path = OUT, cell_timeout: int = 900, jobs: int = 1, log=print,
          only: list[Path] | None = None, where: target.Target | None = None) -> Path:
    """Execute (or take from the cache), publish and build the site and slides; return the HTML folder.

    Every link to the course goes to the student repository ``where`` (default: course.toml's,
    :func:`tools.publishing.target.load`); the build fails when a page links elsewhere or shows a path of
    this machine (:func:`published_problems`).
    """
    out, where = Path(out), where or target.load()
    src, html_dir = out / "src", out / "html"
    cache_dir = cache_dir_for(mode, out)
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(SITE, src, ignore=shutil.ignore_patterns("templates", "__pycache__"))
    _vendor(src / "_static")
    every = [p.resolve() for p in only] if only else benchmark.notebooks()
    pairs.require_in_sync(every, "python -m tools.publishing.site")
    (src / "target.json").write_text(json.dumps({"repository": where.repository, "tag": where.tag}))
    pages = {"lectures": [p for p in every if p.parent.name == "notebooks"],
             "assignments": [p for p in every if p.parent.name == "assignments"]}
    log(f"Executing {len(every)} notebooks in {mode} mode (cache: {cache_dir})")
    executed, failures = execute(every, mode, cache_dir, cell_timeout, jobs, log)
    for kind, paths in pages.items():
        for path in paths:
            if path not in executed:
                continue
            try:
                nb = published(executed[path], path.name, where)
            except RuntimeError as err:
                failures.append(str(err))
                continue
            deck = copy.deepcopy(nb)
            nb.cells.insert(1, links_cell(path, kind, where))
            (src / kind).mkdir(exist_ok=True)
            nbformat.write(nb, src / kind / path.name)
            if kind == "lectures":
                deck.cells.insert(1, links_cell(path, kind, where, slides=True))
                deck.cells[1].metadata["slideshow"] = {"slide_type": "-"}
                slides(deck, src / "_extra" / "slides" / f"{path.stem}.slides.html")
    if failures:
        raise RuntimeError("notebooks failed:\n  " + "\n  ".join(failures))
    student = src / "student"
    student.mkdir()
    for paths in pages.values():
        for path in paths:
            _student_download(assignments.STUDENT_DIR / path.name, student / path.name, where)
    from tools.publishing import claims

    built = {p.stem for p in pages["lectures"]}
    (src / "claims.md").write_text(claims.page(linked=built), encoding="utf-8")
    (src / "index.md").write_text(index_page(pages, where), encoding="utf-8")
    log("Building the site with Sphinx")
    shutil.rmtree(html_dir, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", str(src), str(html_dir)]
    subprocess.run(command, check=True, cwd=ROOT)
    (html_dir / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ as it is
    problems = published_problems(html_dir, where)
    if problems:
        raise RuntimeError("the built site links outside the student repository or shows a local path:\n  "
                           + "\n  ".join(problems))
    log(f"Site: {html_dir}/index.html")
    return html_dir


def _student_download(source: Path, destination: Path, where: target.Target) -> None:
    """The student notebook offered for download, its badge and install cell on the student repository."""
    nb = nbformat.read(source, as_version=4)
    badge = colab.badge(f"notebooks/{source.name}", where.repository, where.tag)
    install = colab.install_code(where.repository, where.tag)
    for cell in nb.cells:
        cell.source = colab._BADGE.sub(lambda _: badge, cell.source)
        cell.source = colab._INSTALL.sub(lambda _: install, cell.source)
    nb.metadata.get("jupytext", {}).pop("formats", None)
    nbformat.write(nb, destination)


# --- 5. what a published page may name ----------------------------------------------------------

_COURSE_LINK = re.compile(r"(?:github\.com|colab\.research\.google\.com/github|raw\.githubusercontent\.com)"
                          r"/([A-Za-z0-9-]+/[A-Za-z0-9._-]+?)(?=\.git\b|\.(?:\s|$|<)|[/@\s\"'<>)\]#?&,;:*`]|$)")
THIRD_PARTY = ("executablebooks/", "pydata/", "sphinx-doc/", "mathjax/", "hakimel/", "jupyter/",
               "jupyterlab/", "d2l-ai/", "karpathy/", "cuthbertLab/", "nyu-mll/", "pytorch/",
               "material-components/", "danlevan/")
"""Owners of the GitHub addresses a page may show that are not the course's: the theme's, the
vendored libraries', and the sources the notebooks cite."""


def local_paths() -> list[str]:
    """Absolute paths of this machine that a published page must not show: the checkout, the home
    folder, Python's installation, the data cache and mirror, the temporary folder's files."""
    import sysconfig
    import tempfile

    from course_utils import data

    candidates = [ROOT, ROOT.resolve(), Path.home(), Path(sys.prefix), Path(sysconfig.get_paths()["stdlib"]),
                  Path(sysconfig.get_paths()["purelib"]), data.cache_dir(), Path(tempfile.gettempdir()) / "tmp"]
    if os.environ.get(data.MIRROR_ENV):
        candidates.append(Path(os.environ[data.MIRROR_ENV]))
    paths = {str(p) for p in candidates if len(p.parts) > 2 or p == Path.home() and str(p) != "/"}
    return sorted(paths, key=len, reverse=True)


def published_problems(html_dir: Path, where: target.Target) -> list[str]:
    """What a built site must not hold: a link (or address in a code cell) to a GitHub repository
    other than the student repository ``where`` and the third parties of :data:`THIRD_PARTY`, the
    instructor's repository's name, or an absolute path of this machine (:func:`local_paths`)."""
    html_dir = Path(html_dir)
    problems, local = [], local_paths()
    instructor = re.compile(re.escape(REPOSITORY) + r"(?![\w.-])") if REPOSITORY != where.repository else None
    for path in sorted(html_dir.rglob("*")):
        if not path.is_file() or path.suffix not in (".html", ".ipynb", ".txt", ".md", ".json", ".js"):
            continue
        if path.relative_to(html_dir).parts[0] == "_static" and path.name != "documentation_options.js":
            continue  # the theme's and the vendored libraries' own files
        text = path.read_text(encoding="utf-8", errors="replace")
        name = path.relative_to(html_dir).as_posix()
        for repository in sorted(set(_COURSE_LINK.findall(text))):
            if repository != where.repository and not repository.startswith(THIRD_PARTY):
                problems.append(f"{name}: links to github.com/{repository}, not the student repository "
                                f"{where.repository}")
        if instructor and instructor.search(text):
            problems.append(f"{name}: names the instructor's repository {REPOSITORY}")
        problems += [f"{name}: shows the local path {p}" for p in local if p in text]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.publishing.site", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="only these (default: every notebook of the course)")
    parser.add_argument("--mode", default=os.environ.get("COURSE_MODE", "class"), choices=["smoke", "class", "full"],
                        help="the size mode the notebooks are executed in (default: class)")
    parser.add_argument("--out", default=str(OUT), help="output folder (default build/site)")
    parser.add_argument("--cell-timeout", type=int, default=900, help="seconds a cell may run (default 900)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks executed side by side (default 1)")
    parser.add_argument("--check", action="store_true", help="then check the site and slides in headless Chromium")
    parser.add_argument("--check-only", action="store_true", help="only check an existing build")
    args = parser.parse_args(argv)
    html_dir = Path(args.out) / "html"
    if not args.check_only:
        start = time.perf_counter()
        try:
            html_dir = build(args.mode, Path(args.out), args.cell_timeout, args.jobs, only=args.notebooks)
        except (RuntimeError, subprocess.CalledProcessError) as err:
            print(f"site build failed: {err}", file=sys.stderr)
            return 1
        print(f"Built in {time.perf_counter() - start:.0f} s")
    if args.check or args.check_only:
        from tools.publishing.site import browser

        problems = browser.check(html_dir)
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
