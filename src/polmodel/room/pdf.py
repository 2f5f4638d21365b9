"""The handout as a PDF: printed by a local Chromium, checked whole, and recognised again.

:func:`pdf_bytes` prints a handout page (``polmodel report --pdf``) in a private temporary
folder and returns the PDF only when it is whole and carries the handout's Title
(:data:`~polmodel.room.handout.TITLE_MARK`); :func:`is_handout_pdf` recognises such a file, so
``report`` may replace it without ``--force``.
"""

from __future__ import annotations

import re

from polmodel.room.handout import TITLE_MARK, read_ends


def is_handout_pdf(path) -> bool:
    """True if ``path`` is a PDF printed from a handout: its Title ends with :data:`TITLE_MARK`."""
    head, tail = read_ends(path, 65536)
    if head is None or not head.startswith(b"%PDF-"):
        return False
    title = pdf_title(head) or pdf_title(tail)
    return title is not None and title.endswith(TITLE_MARK)


_PDF_TITLE = re.compile(rb"/Title\s*(?:\(((?:\\.|[^\\)])*)\)|<([0-9A-Fa-f\s]*)>)", re.DOTALL)


def pdf_title(raw: bytes) -> str | None:
    """The document Title in a PDF's Info dictionary (a literal or a UTF-16 hex string)."""
    m = _PDF_TITLE.search(raw)
    if m is None:
        return None
    if m.group(2) is not None:
        data = bytes.fromhex(m.group(2).decode("ascii").replace(" ", "").replace("\n", ""))
    else:
        data = re.sub(rb"\\([()\\])", rb"\1", m.group(1))
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "replace")
    return data.decode("latin-1")


def pdf_bytes(page: str, *, browser: str | None = None) -> bytes:
    """Print a handout page to PDF with a local Chromium, in a private temporary folder.

    Nothing is written beside the user's files: the page and the PDF live in a temporary
    folder until the PDF is checked whole (``%PDF-`` at the start, ``%%EOF`` at the end, the
    handout's Title), so a full disk or an interrupt leaves no part-written PDF behind.

    Raises
    ------
    PolmodelError
        If no Chromium is found, printing fails, or the PDF is not whole.
    """
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from polmodel.errors import PolmodelError

    exe = browser or next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                           if shutil.which(n)), None)
    if exe is None:
        raise PolmodelError("--pdf: no Chromium found on PATH; open the HTML file in a browser "
                            "and print it to PDF")
    with tempfile.TemporaryDirectory(prefix="polmodel-pdf-") as work:
        source, target = Path(work) / "handout.html", Path(work) / "handout.pdf"
        try:
            source.write_text(page, encoding="utf-8")
        except OSError as err:
            raise PolmodelError(f"--pdf: cannot write a temporary copy of the page: "
                                f"{err.strerror or err}; free some space and try again") from None
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               f"--user-data-dir={Path(work) / 'profile'}", "--no-pdf-header-footer",
               f"--print-to-pdf={target}", source.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise PolmodelError(f"--pdf: {exe} could not print the handout ({err})") from None
        try:
            data = target.read_bytes()
        except OSError:
            raise PolmodelError(f"--pdf: {exe} could not print the handout (exit "
                                f"{done.returncode}, no PDF)") from None
    if done.returncode != 0 or not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise PolmodelError(f"--pdf: {exe} wrote an incomplete PDF ({len(data)} bytes, exit "
                            f"{done.returncode}; a full disk?); nothing was written")
    title = pdf_title(data[:65536]) or pdf_title(data[-65536:])
    if title is None or not title.endswith(TITLE_MARK):
        raise PolmodelError(f"--pdf: {exe} wrote a PDF without the handout's title; nothing was "
                            "written")
    return data


def write_pdf(html_path, pdf_path, *, browser: str | None = None) -> None:
    """Print a handout file to PDF with a local Chromium (the browser's own print-to-PDF).

    The PDF is written atomically; an existing file at ``pdf_path`` is replaced only if it is
    a regular file (never a folder, device or FIFO).

    Raises
    ------
    PolmodelError
        If no Chromium is found, printing fails, or ``pdf_path`` cannot be written.
    """
    from pathlib import Path

    from polmodel.errors import PolmodelError
    from polmodel.views.outputs import prepare_file

    try:
        page = Path(html_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PolmodelError(f"{html_path}: cannot read the handout: {err}") from None
    data = pdf_bytes(page, browser=browser)
    with prepare_file(pdf_path, force=True) as out:
        out.commit({Path(pdf_path).name: data}, {})
