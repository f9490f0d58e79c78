"""Which text encoding a council's CSV is in, and its bytes as UTF-8.

Detection, in order: a byte-order mark (UTF-8 with BOM, UTF-16 little or big endian); else
strict UTF-8 (plain ASCII is UTF-8); else Windows-1252, the encoding Excel on Windows saves
"CSV" in. A file that is none of these (a byte Windows-1252 leaves undefined, or NUL bytes of
UTF-16 without a BOM) is refused naming the row of the first bad byte.
"""

from __future__ import annotations

import codecs

from .base import file_error

_CHUNK = 1 << 24  # check UTF-8 16 MB at a time: no second copy of a large file


def _is_utf8(data: bytes) -> int | None:
    """``None`` when ``data`` is valid UTF-8, else the offset of the first bad byte."""
    if data.isascii():
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK):
        try:
            decoder.decode(view[start:start + _CHUNK], final=start + _CHUNK >= len(data))
        except UnicodeDecodeError as exc:
            return start + exc.start
    return None


def _row_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def to_utf8(data: bytes, label: str) -> tuple[bytes, str]:
    """Return ``data`` as UTF-8 bytes (no BOM) and the name of the encoding it was in.

    Raises
    ------
    ExtractError
        The bytes are not text in any of the encodings above (row of the first bad byte).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):], "UTF-8 with BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8"), "UTF-16"
        except UnicodeDecodeError as exc:
            return_row = data[:exc.start].decode("utf-16", errors="replace").count("\n") + 1
            raise file_error(label, f"not valid UTF-16 text (a byte-order mark, then bad bytes at offset {exc.start})", return_row) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise file_error(label, "contains NUL bytes: not a text file (UTF-16 without a byte-order mark? save as UTF-8 CSV)", _row_of(data, nul))
    bad = _is_utf8(data)
    if bad is None:
        return data, "UTF-8"
    try:
        return data.decode("cp1252").encode("utf-8"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise file_error(label, f"byte 0x{data[exc.start]:02X} is not text in UTF-8, UTF-16 or Windows-1252", _row_of(data, exc.start)) from None
