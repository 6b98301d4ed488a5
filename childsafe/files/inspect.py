"""What a file really is, read from its bytes (never its name), and images made safe to keep.

`sniff` names the type or raises InvalidInput with a plain explanation. `reencode_image` decodes an
image within size limits and writes it afresh with Pillow: only the pixels survive, so EXIF (a phone's
GPS position), XMP, IPTC, ICC profiles and comments are never stored or served.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps

from childsafe.core.errors import InvalidInput
from childsafe.files.models import FileType

EXTENSIONS: dict[str, tuple[str, ...]] = {
    FileType.PDF: (".pdf",),
    FileType.PNG: (".png",),
    FileType.JPEG: (".jpg", ".jpeg"),
    FileType.TEXT: (".txt", ".text", ".csv", ".log"),
    FileType.DOCX: (".docx",),
    FileType.XLSX: (".xlsx",),
    FileType.PPTX: (".pptx",),
    FileType.ODT: (".odt",),
    FileType.ODS: (".ods",),
}
ACCEPTED = "PDF, JPEG, PNG, plain text, Word (.docx), Excel (.xlsx), PowerPoint (.pptx) or OpenDocument"

_OOXML = {"word/": FileType.DOCX, "xl/": FileType.XLSX, "ppt/": FileType.PPTX}
_ODF = {
    b"application/vnd.oasis.opendocument.text": FileType.ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": FileType.ODS,
}
# Programs and containers people send by mistake (or on purpose), named so the error says what it is.
_PROGRAMS = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a Mac program"),
    (b"#!", "a script"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office file (.doc, .xls), which can carry macros"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
# What makes a PDF act rather than show: scripts, launching programs, carried files, forms posting out.
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA|SubmitForm|ImportData)\b")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)


def _bad(message: str) -> InvalidInput:
    return InvalidInput({"file": message})


def sniff(data: bytes, name: str) -> str:
    """The file's type from its content; refuse what is not one we take, or is named as something else."""
    head = data[:16]
    detected = ""
    for magic, what in _PROGRAMS:
        if head.startswith(magic):
            raise _bad(f"This file is {what}, not a document or photograph. Childsafe only takes {ACCEPTED}.")
    if head.startswith(b"%PDF-"):
        detected = FileType.PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        detected = FileType.PNG
    elif head.startswith(b"\xff\xd8\xff"):
        detected = FileType.JPEG
    elif head.startswith(b"PK\x03\x04"):
        detected = _office(data)
    elif _is_text(data):
        detected = FileType.TEXT
    if not detected:
        raise _bad(f"Childsafe cannot tell what this file is. It only takes {ACCEPTED}.")
    lowered = name.lower()
    if "." in lowered and not lowered.endswith(EXTENSIONS[detected]):
        shown = FileType(detected).label
        raise _bad(
            f"The file is named {name!r} but its content is a {shown}. Check it is the file you meant; "
            f"if it is, rename it to end {EXTENSIONS[detected][0]}."
        )
    if detected == FileType.PDF and pdf_is_active(data):
        raise _bad(
            "This PDF contains a script or an embedded program, which Childsafe does not keep. "
            "Print it to a new PDF (or scan it) and attach that instead."
        )
    return detected


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and c not in "\t\r\n\f" for c in text[:65536])


def _office(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "mimetype" in names:
            return _ODF.get(archive.read("mimetype").strip(), "")
    except (zipfile.BadZipFile, KeyError, RuntimeError):
        return ""
    if "[Content_Types].xml" not in names:
        raise _bad(f"This is a zip archive, not a document. Childsafe only takes {ACCEPTED}.")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _bad("This Office document contains macros, which Childsafe does not keep. Save it without macros.")
    for prefix, kind in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return kind
    return ""


def pdf_is_active(data: bytes) -> bool:
    """A PDF that names a script, a launch action or an embedded file, in the open or in a compressed stream."""

    def active(chunk: bytes) -> bool:
        return bool(_PDF_ACTIVE.search(_PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), chunk)))

    if active(data):
        return True
    for match in _PDF_STREAM.finditer(data):
        try:
            # Bounded, so a compressed stream cannot blow up on inflation.
            inflated = zlib.decompressobj().decompress(match[1], 16 * 1024 * 1024)
        except zlib.error:
            continue
        if active(inflated):
            return True
    return False


@dataclass(frozen=True)
class Reencoded:
    data: bytes
    content_type: str
    width: int
    height: int


def _open_checked(data: bytes) -> Image.Image:
    """Open an image, refusing one too big to decode safely before any pixel is read."""
    side = settings.CHILDSAFE_FILES_MAX_IMAGE_SIDE
    pixels = settings.CHILDSAFE_FILES_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bad(f"This image is too large to open safely. Make it smaller than {side:,} pixels a side.") from None
    except (OSError, SyntaxError, ValueError):
        raise _bad("This image is damaged or incomplete, so it cannot be opened. Take or save it again.") from None
    width, height = image.size
    if width > side or height > side or width * height > pixels:
        raise _bad(
            f"This image is {width:,} by {height:,} pixels, bigger than Childsafe takes "
            f"({side:,} pixels a side at most). Resize it and try again."
        )
    return image


def reencode_image(data: bytes, *, as_jpeg: bool = False) -> Reencoded:
    """Decode and write the image afresh: only pixels (turned upright from the EXIF orientation) survive."""
    image = _open_checked(data)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _bad("This image is damaged or incomplete, so it cannot be opened. Take or save it again.") from None
    jpeg = as_jpeg or image.format == "JPEG"
    out = io.BytesIO()
    # A new image from the pixels alone carries no info dict (EXIF, XMP, ICC, text chunks) to write.
    if jpeg:
        clean = Image.frombytes("RGB", upright.size, upright.convert("RGB").tobytes())
        clean.save(out, format="JPEG", quality=88, optimize=True)
    else:
        mode = upright.mode if upright.mode in ("RGB", "RGBA", "L", "LA") else "RGBA"
        clean = Image.frombytes(mode, upright.size, upright.convert(mode).tobytes())
        clean.save(out, format="PNG", optimize=True)
    return Reencoded(out.getvalue(), FileType.JPEG if jpeg else FileType.PNG, *clean.size)


def thumbnail(data: bytes, size: int = 320) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.thumbnail((size, size))
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=82)
    return out.getvalue()
