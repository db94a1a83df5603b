"""Turn a file's bytes into Python text: encodings, NUL bytes, and notebook code cells."""

from __future__ import annotations

import io
import json
import re
import tokenize
from dataclasses import dataclass


class SourceError(Exception):
    """The file cannot be turned into Python text; the message is for the user."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Cell:
    """A notebook code cell placed into the concatenated module text."""

    index: int  # 0-based index among all cells of the notebook
    start: int  # 1-based line of the cell's first line in the concatenated text
    lines: int


@dataclass(frozen=True, slots=True)
class Source:
    text: str
    cells: tuple[Cell, ...] | None = None  # None for a .py file
    problems: tuple[tuple[str, int | None], ...] = ()  # (message, line) for skipped notebook cells

    def locate(self, line: int) -> tuple[int | None, int]:
        """Map a line of `text` to (cell index, line within the cell)."""
        if self.cells is None:
            return None, line
        for cell in self.cells:
            if cell.start <= line < cell.start + cell.lines:
                return cell.index, line - cell.start + 1
        return None, line


def decode_python(data: bytes) -> str:
    """Decode source bytes as Python would (PEP 263 cookie, BOM), with clear errors."""
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise SourceError("file contains a NUL byte; it is not Python source", line)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"bad encoding declaration: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = None
        if isinstance(exc, UnicodeDecodeError):
            line = data.count(b"\n", 0, exc.start) + 1
            detail = f"byte 0x{data[exc.start]:02x} at line {line} is not valid {encoding}"
        else:
            detail = str(exc)
        raise SourceError(f"cannot decode the file: {detail}; declare its encoding with a coding cookie", line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


# Cell magics whose body is still Python: only their first line is neutralised.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "skip"})
_ASSIGN_MAGIC = re.compile(r"^(\s*[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*)[!%].*$")


def _neutralise(lines: list[str]) -> list[str]:
    """Replace IPython-only syntax by equivalent-length Python, keeping the line count."""
    first = next((ln for ln in lines if ln.strip()), "")
    if first.lstrip().startswith("%%"):
        magic = first.lstrip()[2:].split(None, 1)[0] if first.strip() != "%%" else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return [""] * len(lines)
    out = []
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(("%", "!")) or (stripped and stripped[0] == "?"):
            out.append(indent + "pass")
        elif stripped.endswith("?") and not stripped.startswith("#") and re.fullmatch(r"[\w.]+\?\??", stripped):
            out.append(indent + "pass")
        else:
            m = _ASSIGN_MAGIC.match(line)
            out.append(m.group(1) + "None" if m else line)
    return out


def notebook_source(data: bytes) -> Source:
    """Concatenate a notebook's Python code cells into one module text with a line map."""
    if b"\0" in data:
        raise SourceError("notebook contains a NUL byte; it is not valid JSON")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise SourceError(f"notebook is not valid UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"notebook is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", exc.lineno) from None
    except RecursionError:
        raise SourceError("notebook JSON is nested too deeply") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        raise SourceError("notebook has no 'cells' list (not an nbformat 4 notebook)")
    language = _language(doc)
    if language is not None and language != "python":
        raise SourceError(f"notebook language is {language!r}, not Python; skipped")
    parts: list[str] = []
    cells: list[Cell] = []
    problems: list[tuple[str, int | None]] = []
    line = 1
    for index, cell in enumerate(doc["cells"]):
        if not isinstance(cell, dict):
            problems.append((f"cell {index} is not a JSON object; skipped", None))
            continue
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            problems.append((f"cell {index} has a malformed 'source'; skipped", None))
            continue
        lines = _neutralise(source.splitlines()) or [""]
        cells.append(Cell(index=index, start=line, lines=len(lines)))
        parts.append("\n".join(lines) + "\n")
        line += len(lines)
    return Source(text="".join(parts), cells=tuple(cells), problems=tuple(problems))


def _language(doc: dict) -> str | None:
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        return None
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        section = meta.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str):
            return section[field].lower()
    return None


def read_source(data: bytes, is_notebook: bool) -> Source:
    if is_notebook:
        return notebook_source(data)
    return Source(text=decode_python(data))
