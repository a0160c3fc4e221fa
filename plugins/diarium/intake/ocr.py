"""Scanned post to text: the file checked (PDF or TIFF by its content, size, pages, a PDF
that opens), OCR with Tesseract's Swedish model through ``ocrmypdf`` into a searchable
PDF/A-2b, and the barcodes and QR codes of cover sheets read with zbar (``pyzbar``).

``ocrmypdf`` runs as a child process (``python -m ocrmypdf``) with a time limit, so a scan
that hangs or crashes Ghostscript or Tesseract cannot take the server or the worker with it;
Tesseract gets one OpenMP thread (on two cores its threads cost more than they give) and
ocrmypdf works on up to ``ocr_jobs`` pages at once. Bad input raises :class:`BadScan` (a 422
problem) or :class:`TooLarge` (413) before anything is stored.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import DomainError
from plugins.diarium import runtime

log = logging.getLogger(__name__)

PDF = "application/pdf"
TIFF = "image/tiff"
ACCEPTED = (PDF, TIFF)
PRIOR_TEXT = 6  # ocrmypdf's exit code for "the page already has text"
BARCODE_PAGES = 3  # cover sheets come first: only the first pages are searched for codes


class BadScan(DomainError):
    """A file that cannot become a draft: not a PDF or TIFF, damaged, protected, empty."""

    status = 422
    code = "bad-scan"


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
    for symbol in pyzbar.decode(image.convert("L")):
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
def _ocr_command(
    source: Path, target: Path, sidecar: Path, mime: str, force: bool = False
) -> list[str]:
    jobs = max(1, min(int(runtime.setting("ocr_jobs", 2)), os.cpu_count() or 1))
    command = [
        sys.executable,
        "-m",
        "ocrmypdf",
        "--quiet",
        "--language",
        str(runtime.setting("ocr_languages", "swe")),
        "--output-type",
        "pdfa",
        "--optimize",
        "0",
        "--jobs",
        str(jobs),
        "--sidecar",
        str(sidecar),
    ]
    if force:
        # a PDF that already carries text: Debian 12's Ghostscript 10.0 corrupts PDFs in
        # ocrmypdf's skip-text mode, so such pages are rasterised and read again
        command.append("--force-ocr")
    if mime == TIFF:
        command += ["--image-dpi", "300"]  # used only when the TIFF does not say its DPI
    return [*command, str(source), str(target)]


async def _ocrmypdf(
    source: Path, target: Path, sidecar: Path, mime: str, force: bool, limit: float
) -> tuple[int, str]:
    """Run ocrmypdf once: (exit code, the end of its stderr); TimeoutError when too slow."""
    proc = await asyncio.create_subprocess_exec(
        *_ocr_command(source, target, sidecar, mime, force),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return int(proc.returncode or 0), stderr.decode(errors="replace")


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
            code, stderr = await _ocrmypdf(source, target, sidecar, mime, False, timeout)
            if code == PRIOR_TEXT:
                code, stderr = await _ocrmypdf(source, target, sidecar, mime, True, timeout)
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
            log.warning("ocrmypdf exit %s for %s: %s", code, filename, stderr[-2000:])
            raise BadScan(
                "The scan {name} could not be read by the OCR (the file may be damaged)",
                name=filename or "-",
            )
        text = sidecar.read_text(encoding="utf-8", errors="replace") if sidecar.exists() else ""
        pdfa = target.read_bytes()
    text = text.replace("\x00", "").replace("\x0c", "\n").strip()
    return OcrResult(mime, pages, text, pdfa, codes, time.perf_counter() - started)
