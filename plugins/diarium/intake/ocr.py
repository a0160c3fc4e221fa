"""Scanned post to text: the file checked (PDF or TIFF by its content, size, pages, a PDF
that opens), OCR with Tesseract's Swedish model through ``ocrmypdf`` into a searchable
PDF/A-2b, and the barcodes and QR codes of cover sheets read with zbar (``pyzbar``).

``ocrmypdf`` runs in a child process of its own, kept warm between scans (importing it costs
about a second of CPU, a third of a page's OCR), with a time limit: a scan that hangs or
crashes Ghostscript or Tesseract ends that process, never the server or the worker. Tesseract
gets one OpenMP thread (on two cores its threads cost more than they give) and ocrmypdf works
on up to ``ocr_jobs`` pages at once. Bad input raises :class:`BadScan` (a 422
problem) or :class:`TooLarge` (413) before anything is stored.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import io
import json
import logging
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import DomainError, Unavailable
from plugins.diarium import runtime

log = logging.getLogger(__name__)

PDF = "application/pdf"
TIFF = "image/tiff"
ACCEPTED = (PDF, TIFF)
PRIOR_TEXT = 6  # ocrmypdf's exit code for "the page already has text"
OTHER_ERROR = 15  # ocrmypdf's exit code for any other error
NOT_SET_UP = (3, 9)  # ocrmypdf: a missing dependency (a program, a language), a bad setup
STARTUP_S = 60  # the OCR process's start (imports) on a busy machine
BARCODE_PAGES = 3  # cover sheets come first: only the first pages are searched for codes


class BadScan(DomainError):
    """A file that cannot become a draft: not a PDF or TIFF, damaged, protected, empty."""

    status = 422
    code = "bad-scan"


class OcrUnavailable(Unavailable):
    """Tesseract, its Swedish model or Ghostscript is missing on this machine."""

    code = "ocr-unavailable"


class TooLarge(DomainError):
    """A file or a mail over the configured limit."""

    status = 413
    code = "too-large"


@dataclass
class OcrResult:
    """What the pipeline made of one file."""

    mime: str
    pages: int
    text: str
    pdfa: bytes
    barcodes: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def sniff(data: bytes) -> str | None:
    """The media type of ``data`` by its first bytes: PDF, TIFF, or None."""
    if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return PDF
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    return None


def max_bytes() -> int:
    return int(runtime.setting("max_scan_bytes", 30 * 1024 * 1024))


def check(data: bytes, filename: str = "") -> tuple[str, int]:
    """(media type, pages) of an acceptable scan; raises BadScan or TooLarge otherwise."""
    limit = max_bytes()
    if len(data) > limit:
        raise TooLarge(
            "The file is {size} bytes; at most {limit} bytes are accepted",
            size=len(data),
            limit=limit,
        )
    if not data:
        raise BadScan("The file {name} is empty", name=filename or "-")
    mime = sniff(data)
    if mime is None:
        raise BadScan(
            "The file {name} is neither a PDF nor a TIFF image; scanned post must be one",
            name=filename or "-",
        )
    pages = _pdf_pages(data, filename) if mime == PDF else _tiff_pages(data, filename)
    most = int(runtime.setting("max_scan_pages", 100))
    if pages < 1:
        raise BadScan("The file {name} has no pages", name=filename or "-")
    if pages > most:
        raise TooLarge(
            "The file has {pages} pages; at most {most} pages are accepted", pages=pages, most=most
        )
    return mime, pages


def _pdf_pages(data: bytes, filename: str) -> int:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages)
    except pikepdf.PasswordError as exc:
        raise BadScan(
            "The PDF {name} is password protected; scan it again without a password",
            name=filename or "-",
        ) from exc
    except Exception as exc:  # pikepdf.PdfError and friends: a damaged file
        raise BadScan("The PDF {name} is damaged and cannot be read", name=filename or "-") from exc


def _tiff_pages(data: bytes, filename: str) -> int:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            for index in range(frames):
                image.seek(index)
                image.load()
            return frames
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise BadScan(
            "The TIFF image {name} is damaged and cannot be read", name=filename or "-"
        ) from exc


# -- barcodes ------------------------------------------------------------------------------
def _decode(image: Any) -> list[dict[str, str]]:
    from pyzbar import pyzbar

    found = []
    grey = image.convert("L")
    if grey.width >= 2000:  # a 300 dpi page: codes read as well at half size, 3 times faster
        grey = grey.reduce(2)
    for symbol in pyzbar.decode(grey):
        text = symbol.data.decode("utf-8", errors="replace").replace("\x00", "")
        found.append({"type": symbol.type, "data": text[:500]})
    return found


def barcodes(data: bytes, mime: str) -> list[dict[str, str]]:
    """Barcodes and QR codes on the first pages (cover sheets), in page order, no repeats."""
    from PIL import Image

    images: list[Any] = []
    if mime == TIFF:
        with Image.open(io.BytesIO(data)) as tiff:
            for index in range(min(getattr(tiff, "n_frames", 1), BARCODE_PAGES)):
                tiff.seek(index)
                images.append(tiff.copy())
    else:
        import pikepdf

        with pikepdf.open(io.BytesIO(data)) as pdf:
            for page in list(pdf.pages)[:BARCODE_PAGES]:
                found = page.get_images() if hasattr(page, "get_images") else page.images
                for _, raw in found.items():
                    try:
                        images.append(pikepdf.PdfImage(raw).as_pil_image())
                    except Exception:  # an image kind PIL cannot decode: no code from it
                        continue
    found: list[dict[str, str]] = []
    for image in images:
        for code in _decode(image):
            if code not in found:
                found.append(code)
    return found


# -- OCR -----------------------------------------------------------------------------------
class _Worker:
    """The warm OCR process (``ocr_worker``), one request at a time."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.lock = threading.Lock()

    def _start(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "plugins.diarium.intake.ocr_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            cwd=str(Path(__file__).resolve().parents[3]),
        )
        if not self._answer(proc, STARTUP_S).get("ready"):
            raise RuntimeError("the OCR process did not start")
        return proc

    def _answer(self, proc: subprocess.Popen[str], limit: float) -> dict[str, Any]:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], limit)
        if not ready:
            self._end(proc)
            raise TimeoutError
        line = proc.stdout.readline()
        if not line:
            self._end(proc)
            raise RuntimeError("the OCR process died")
        return json.loads(line)

    def _end(self, proc: subprocess.Popen[str]) -> None:
        with contextlib.suppress(Exception):
            proc.kill()
            proc.wait(timeout=5)
        if self.proc is proc:
            self.proc = None

    def run(self, request: dict[str, Any], limit: float) -> tuple[int, str]:
        """(exit code, problem) of one ocrmypdf run; TimeoutError when slower than
        ``limit`` seconds (the process is ended and started anew next time)."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._start()
            proc = self.proc
            assert proc.stdin is not None
            try:
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.flush()
                answer = self._answer(proc, limit)
            except (BrokenPipeError, RuntimeError) as exc:
                self._end(proc)
                return OTHER_ERROR, str(exc) or "the OCR process died"
            return int(answer["code"]), str(answer.get("problem", ""))

    def stop(self) -> None:
        with self.lock:
            if self.proc is not None:
                self._end(self.proc)


_worker = _Worker()
atexit.register(_worker.stop)


def _dpi(data: bytes, mime: str) -> int:
    """300 for a TIFF without a credible resolution in its metadata, else 0 (its own)."""
    if mime != TIFF:
        return 0
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        dpi = image.info.get("dpi")
    return 0 if dpi and min(dpi) > 96 else 300


async def _ocrmypdf(
    source: Path, target: Path, sidecar: Path, dpi: int, force: bool, limit: float
) -> tuple[int, str]:
    """One ocrmypdf run in the warm OCR process: (exit code, what went wrong); TimeoutError
    when too slow (the process is then ended)."""
    request = {
        "source": str(source),
        "target": str(target),
        "sidecar": str(sidecar),
        "languages": str(runtime.setting("ocr_languages", "swe")),
        "jobs": max(1, min(int(runtime.setting("ocr_jobs", 2)), os.cpu_count() or 1)),
        "dpi": dpi,
        "force": force,
    }
    return await asyncio.to_thread(_worker.run, request, limit)


async def run_ocr(data: bytes, mime: str, filename: str = "") -> OcrResult:
    """Check ``data``, OCR it into a searchable PDF/A and read its barcodes."""
    mime, pages = await asyncio.to_thread(check, data, filename)
    started = time.perf_counter()
    timeout = float(runtime.setting("ocr_timeout_seconds", 300))
    with tempfile.TemporaryDirectory(prefix="diarium-ocr-") as tmp:
        folder = Path(tmp)
        source = folder / ("scan.pdf" if mime == PDF else "scan.tif")
        target, sidecar = folder / "pdfa.pdf", folder / "text.txt"
        source.write_bytes(data)
        codes_task = asyncio.create_task(asyncio.to_thread(barcodes, data, mime))
        try:
            dpi = _dpi(data, mime)
            code, problem = await _ocrmypdf(source, target, sidecar, dpi, False, timeout)
            if code == PRIOR_TEXT:
                code, problem = await _ocrmypdf(source, target, sidecar, dpi, True, timeout)
        except TimeoutError as exc:
            codes_task.cancel()
            raise BadScan(
                "The OCR of {name} took longer than {seconds} s and was stopped",
                name=filename or "-",
                seconds=int(timeout),
            ) from exc
        try:
            codes = await codes_task
        except Exception:  # unreadable codes never stop the OCR result
            log.warning("barcode reading failed for %s", filename, exc_info=True)
            codes = []
        if code != 0 or not target.exists():
            log.warning("ocrmypdf exit %s for %s: %s", code, filename, problem[-2000:])
            if code in NOT_SET_UP:
                raise OcrUnavailable(
                    "The OCR is not set up on the server (Tesseract's Swedish model and "
                    "Ghostscript are needed); ask IT to run scripts/bootstrap.sh"
                )
            raise BadScan(
                "The scan {name} could not be read by the OCR (the file may be damaged)",
                name=filename or "-",
            )
        text = sidecar.read_text(encoding="utf-8", errors="replace") if sidecar.exists() else ""
        pdfa = target.read_bytes()
    text = text.replace("\x00", "").replace("\x0c", "\n").strip()
    return OcrResult(mime, pages, text, pdfa, codes, time.perf_counter() - started)
