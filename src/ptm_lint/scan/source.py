"""Turn a file's bytes into Python text: encodings, NUL bytes, and notebook code cells."""

from __future__ import annotations

import bisect
import io
import json
import tokenize
from dataclasses import dataclass

from ..core import cell_label
from ..notebook import code_cells
from .ipython import CellCode, Code, transform_cell


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
    code: Code | None = None  # the cell's Python as the kernel runs it, with its column maps


@dataclass(frozen=True, slots=True)
class Source:
    """A file's Python text; for a notebook, its code cells as Jupyter runs them, one after another.

    Every line of a cell is one line of `text` (the cell's first at `Cell.start`), so a line of
    `text` is a (cell, line) pair; columns are mapped back through each line's column map.
    """

    text: str
    cells: tuple[Cell, ...] | None = None  # None for a .py file
    problems: tuple[tuple[str, int | None], ...] = ()  # (message, cell index) for skipped notebook cells
    original: str | None = None  # notebook: the cells' own text, line for line with `text`
    files: tuple[Source, ...] = ()  # `%%writefile NAME.py` cells, each read as its own module
    file_name: str | None = None  # for one of `files`: the NAME it writes

    @property
    def raw(self) -> str:
        """The text as written (comments, secrets and suppressions are looked for here)."""
        return self.original if self.original is not None else self.text

    def cell_at(self, line: int) -> Cell | None:
        if not self.cells:
            return None
        k = bisect.bisect_right(self.cells, line, key=lambda c: c.start) - 1
        if k >= 0 and line < self.cells[k].start + self.cells[k].lines:
            return self.cells[k]
        return None

    def locate(self, line: int) -> tuple[int | None, int]:
        """Map a line of `text` to (cell index, line within the cell)."""
        cell = self.cell_at(line) if self.cells is not None else None
        if cell is None:
            return None, line
        return cell.index, line - cell.start + 1

    def column(self, line: int, column: int) -> int:
        """The 0-based column in the cell's own text of a 0-based column of a line of `text`."""
        cell = self.cell_at(line) if self.cells is not None else None
        if cell is None or cell.code is None:
            return column
        mapped = cell.code.source_column(line - cell.start + 1, column)
        return column if mapped is None else mapped

    def where(self, line: int) -> str:
        """A line of `text` as people read it: `cell 3:2` in a notebook (ruff's numbering), else `12`."""
        cell, within = self.locate(line)
        return f"{cell_label(cell)}:{within}" if cell is not None else str(line)


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
    originals: list[str] = []
    cells: list[Cell] = []
    files: list[tuple[Cell, CellCode]] = []
    problems: list[tuple[str, int | None]] = []
    line = 1
    for found in code_cells(doc["cells"]):
        index, source = found.index, found.source
        if source is None:
            problems.append((f"{found.problem}; skipped", index))
            continue
        code = transform_cell(source)
        placed = Cell(index=index, start=line, lines=len(code.kernel.lines), code=code.kernel)
        cells.append(placed)
        parts.append(code.kernel.text)
        originals.append("\n".join(source.splitlines() or [""]) + "\n")
        if code.file is not None:
            files.append((placed, code))
        line += len(code.kernel.lines)
    text = "".join(parts)
    return Source(text=text, cells=tuple(cells), problems=tuple(problems), original="".join(originals),
                  files=tuple(_file_source(cell, code, line - 1) for cell, code in files))


def _file_source(cell: Cell, code: CellCode, total: int) -> Source:
    """A `%%writefile NAME.py` cell's Python as a module of its own, numbered like the notebook's text."""
    assert code.file is not None
    before = cell.start - 1
    after = total - before - len(code.file.lines)
    text = "\n" * before + code.file.text + "\n" * after
    placed = Cell(index=cell.index, start=cell.start, lines=cell.lines, code=code.file)
    return Source(text=text, cells=(placed,), file_name=code.file_name)


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
