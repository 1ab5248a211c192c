"""The sales-order PDF parser, fed PDFs that reportlab and fpdf2 write during the test. No database: the separate process."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from distribution.imports import pdf as pdf_module
from distribution.imports.pdf import (
    PdfImportError,
    parse_sales_order_pdf,
    parse_sales_order_pdf_safely,
)
from tests.distribution.pdf_parser.support import (
    import_error,
    many_lines,
)
from tests.distribution.pdf_samples import (
    make_decompression_bomb_pdf,
    make_order_pdf_fpdf,
    make_order_pdf_reportlab,
    sample_order,
)


def test_a_parse_in_a_child_process_gives_the_same_result() -> None:
    data = make_order_pdf_fpdf(sample_order(lines=many_lines(5)), ruled=False, lines_per_page=3)

    assert parse_sales_order_pdf_safely(data, "order.pdf") == parse_sales_order_pdf(data, "order.pdf")


def test_a_child_process_reports_a_bad_file_in_the_same_words() -> None:
    data = make_order_pdf_reportlab(sample_order(), encrypt="secret")

    with pytest.raises(PdfImportError) as caught:
        parse_sales_order_pdf_safely(data, "locked.pdf")

    assert str(caught.value) == import_error(data, "locked.pdf")


def test_a_parse_that_runs_out_of_time_is_stopped() -> None:
    data = make_order_pdf_reportlab(sample_order())

    with pytest.raises(PdfImportError, match=r"order\.pdf took longer than 0\.01 seconds to read"):
        parse_sales_order_pdf_safely(data, "order.pdf", time_limit=0.01)


def test_a_decompression_bomb_is_stopped_by_the_memory_limit() -> None:
    data = make_decompression_bomb_pdf(megabytes=200)  # about 1 MB on disk

    with pytest.raises(PdfImportError, match=r"bomb\.pdf needs more memory to read than is allowed"):
        parse_sales_order_pdf_safely(data, "bomb.pdf", memory_limit_bytes=128 * 1024 * 1024)


def test_a_child_that_cannot_even_start_reading_becomes_an_import_error() -> None:
    data = make_order_pdf_reportlab(sample_order())

    with pytest.raises(PdfImportError, match=r"order\.pdf could not be read"):
        parse_sales_order_pdf_safely(data, "order.pdf", memory_limit_bytes=20 * 1024 * 1024)


PDF_PACKAGE = Path(pdf_module.__file__).parent
CHILD_MODULES = [*sorted(PDF_PACKAGE.glob("*.py")), PDF_PACKAGE.parent / "values.py"]


def test_the_reader_imports_only_itself_and_the_standard_library_by_name() -> None:
    # The child process loads the package by path under another name: an absolute import of
    # distribution (or Django) would fail there, or drag the web app into the sandbox.
    assert PDF_PACKAGE.name == "pdf" and len(CHILD_MODULES) > 5
    for path in CHILD_MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            project = {"django", "distribution", "customers", "silqeqms", "sales_dashboard", "tests"}
            assert not [name for name in names if name.split(".")[0] in project], path.name


def test_the_child_loads_the_reader_without_django_or_the_project() -> None:
    # What the child does, in a process started the same way: parse, then look at what got imported.
    script = (
        "import runpy, sys\n"
        f"reader = runpy.run_path({str(PDF_PACKAGE / '_child.py')!r})['load_reader']()\n"
        "result = reader.parse_sales_order_pdf(sys.stdin.buffer.read(), 'order.pdf')\n"
        "assert result.orders[0].order_number == 'SO-1001', result\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'distribution', 'tests'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", script],
        input=make_order_pdf_reportlab(sample_order()),
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == b"[]"


def test_a_file_beside_the_reader_named_like_a_standard_module_is_never_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of distribution/imports/ with traps beside the reader's modules and above them.
    copy = tmp_path / "imports"
    shutil.copytree(PDF_PACKAGE, copy / "pdf", ignore=shutil.ignore_patterns("__pycache__"))
    for path in CHILD_MODULES[-1:] + [PDF_PACKAGE.parent / "__init__.py"]:
        shutil.copy(path, copy / path.name)
    for folder in (tmp_path, copy, copy / "pdf"):
        for name in ("json", "re", "dataclasses", "subprocess", "resource", "pathlib", "sitecustomize"):
            (folder / f"{name}.py").write_text("raise SystemExit('a shadowing module was imported')\n")
    monkeypatch.chdir(copy / "pdf")
    monkeypatch.setattr(pdf_module.sandbox, "CHILD_SCRIPT", str(copy / "pdf" / "_child.py"))
    data = make_order_pdf_fpdf(sample_order(), ruled=False)

    assert parse_sales_order_pdf_safely(data, "order.pdf") == parse_sales_order_pdf(data, "order.pdf")

    # And it is the copy that ran: without its geometry module, the child cannot read anything.
    (copy / "pdf" / "geometry.py").unlink()
    with pytest.raises(PdfImportError, match="the PDF reader stopped unexpectedly"):
        parse_sales_order_pdf_safely(data, "order.pdf")
