"""The XLSX as LibreOffice prints it: one conversion to PDF for the whole module (it takes seconds).

Debian's LibreOffice (libreoffice-calc-nogui), installed by `make system-deps` and CI.
"""

import subprocess
from collections import Counter

import pytest
from pypdf import PdfReader

from tests.test_exports import hall  # noqa: F401  (the 25-participant fixture)
from workshops import exports, services
from workshops.tallies import tally

pytestmark = pytest.mark.django_db

# What LibreOffice would show if it ran them: 1234000 and 1234001.
FORMULA = "=1234*1000"
AFTER_SEPARATOR = "Katso;=1234*1000+1"


def to_pdf(xlsx: bytes, tmp_path) -> PdfReader:
    source = tmp_path / "workshop.xlsx"
    source.write_bytes(xlsx)
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",  # its own profile: parallel runs do not clash
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return PdfReader(tmp_path / "workshop.pdf")


def test_libreoffice_prints_each_sheet_as_the_print_setup_promises_and_runs_no_formula(
    hall,  # noqa: F811
    tmp_path,
):
    result = tally(hall)
    person = hall.participants.first()
    first = result.statements[0].statement
    services.add_note(person, first.pk, "S", FORMULA)
    services.add_note(person, first.pk, "W", AFTER_SEPARATOR)
    book = exports.xlsx_bytes(hall, signatures=True)
    pdf = to_pdf(book, tmp_path)

    # Each page's header is its sheet's name (set by the print set-up), so pages can be counted per sheet.
    pages = [page.extract_text() for page in pdf.pages]
    sheet_of = [text.splitlines()[0].strip() for text in pages]
    statement_sheets = [f"{st.statement.position} {st.statement.short_name}"[:31] for st in result.statements]
    counts = Counter(sheet_of)
    # The summary and every statement fit one landscape page; no sheet is cut into columns of pages.
    assert counts["Yhteenveto"] == 1
    assert [counts[name] for name in statement_sheets] == [1] * len(statement_sheets)
    assert 1 <= counts["Tiedot"] <= 3  # 100 rows (they were 21 pages before fit-to-width)
    assert counts["Allekirjoituslista"] == 1
    assert sum(counts.values()) == len(pages)
    for text, sheet in zip(pages, sheet_of, strict=True):
        if sheet == "Tiedot":  # the header rows repeat, and the last column is on every page
            assert "workshop_code" in text and "small_number" in text
    for page, sheet in zip(pdf.pages, sheet_of, strict=True):
        landscape = page.mediabox.width > page.mediabox.height
        assert landscape == (sheet != "Allekirjoituslista"), sheet
        assert round(min(page.mediabox.width, page.mediabox.height)) == 595  # A4: 210 mm

    # No formula ran: the notes are printed as written, with no visible apostrophe at the start.
    text = "\n".join(pages)
    assert "1234000" not in text and "1234001" not in text
    assert "S: =1234*1000" in text and "Katso;'=1234*1000+1" in text
    assert "'" + FORMULA not in text.replace("Katso;'=", "")
    assert "Demokratiapäivä" in pages[0] and "Nro" in pages[0] and "Kannatusluku" in pages[0]
