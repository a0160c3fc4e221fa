"""The OCR process: ``python -m plugins.diarium.intake.ocr_worker``, kept running by
:mod:`plugins.diarium.intake.ocr` so ocrmypdf is imported once, not for every scan.

One JSON request a line on stdin (the arguments of :func:`run`), one JSON answer a line
(``{"code": …, "problem": …}``) on the original stdout; everything else the libraries print
goes to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

OTHER_ERROR = 15  # ocrmypdf's exit code for any other error


def run(
    source: str, target: str, sidecar: str, languages: str, jobs: int, dpi: int, force: bool
) -> tuple[int, str]:
    """Run ocrmypdf on one file into a PDF/A with a text sidecar: (exit code, what went
    wrong)."""
    import ocrmypdf
    from ocrmypdf.exceptions import ExitCodeException

    options: dict[str, Any] = {
        "language": languages.split("+"),
        "output_type": "pdfa",
        "optimize": 0,
        "sidecar": sidecar,
        "jobs": jobs,
        "progress_bar": False,
        "use_threads": True,
    }
    if dpi:
        options["image_dpi"] = dpi
    if force:
        # a PDF that already carries text: Debian 12's Ghostscript 10.0 corrupts PDFs in
        # ocrmypdf's skip-text mode, so such pages are rasterised and read again
        options["force_ocr"] = True
    try:
        return int(ocrmypdf.ocr(source, target, **options)), ""
    except ExitCodeException as exc:
        return int(exc.exit_code), f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # anything else the libraries raise: the file is not usable
        return OTHER_ERROR, f"{type(exc).__name__}: {exc}"


def cache_version_probes() -> None:
    """Ask Tesseract and Ghostscript their versions once per process: ocrmypdf runs
    ``tesseract --version`` and ``gs --version`` (six programs started, about 0.1 s) on every
    file otherwise, and they do not change while this process runs. A failed probe is not
    kept (it is asked again); without ocrmypdf's probe module nothing changes."""
    try:
        from ocrmypdf._exec import _probe
    except ImportError:
        return
    original = getattr(_probe, "get_version", None)
    if original is None or getattr(original, "cached_probe", False):
        return
    known: dict[tuple[Any, ...], Any] = {}

    def cached(program: str, **options: Any) -> Any:
        env = options.get("env") or {}
        key = (program, *sorted((k, str(v)) for k, v in options.items() if k != "env"),
               *sorted(env.items()))  # fmt: skip
        if key not in known:
            known[key] = original(program, **options)
        return known[key]

    cached.cached_probe = True  # type: ignore[attr-defined]
    _probe.get_version = cached


def main() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"  # Tesseract: one thread (more cost more on 2 cores)
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints of the libraries must not mix with the answers
    import ocrmypdf  # noqa: F401 - the import is what the warm process saves

    cache_version_probes()

    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        code, problem = run(**request)
        answers.write(json.dumps({"code": code, "problem": problem}) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
