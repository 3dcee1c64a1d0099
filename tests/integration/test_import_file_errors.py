"""A file that is not a table says so in plain words, never with a stored file name or Python's exception text."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from tests.integration.test_registry_import import GOOD, HEADER

NOT_READABLE = "row 1: file: not UTF-8 or a valid XLSX"


def valid_xlsx():
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append([GOOD.get(column, "") for column in HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def without(member, data):
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            if info.filename != member:
                out.writestr(info, source.read(info.filename))
    return target.getvalue()


def replaced(member, content, data):
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            out.writestr(info, content if info.filename == member else source.read(info.filename))
    return target.getvalue()


BROKEN = {
    "random bytes named .xlsx": ("fake.xlsx", bytes(range(256)) * 40),
    "a CSV named .xlsx": ("text.xlsx", b"\xff\xfe" + "certificate_number\n".encode("utf-16-le")),
    "an empty .xlsx": ("empty.xlsx", b""),
    "a truncated zip": ("cut.xlsx", valid_xlsx()[:900]),
    "a zip without a workbook": ("nowb.xlsx", without("xl/workbook.xml", valid_xlsx())),
    "a sheet that is not XML": ("notxml.xlsx", replaced("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row",
                                                        valid_xlsx())),
    "Latin-1 CSV": ("latin.csv", "certificate_number,product_name\n1,Mật ong\n".encode("cp1258", "replace")
                    + b"\xe0\xe1\n"),
    "UTF-16 CSV": ("utf16.csv", "certificate_number,product_name\n".encode("utf-16")),
    "an old Excel file": ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000),
}


@pytest.mark.parametrize("command", ["registry", "catalog"])
@pytest.mark.parametrize("name", list(BROKEN))
def test_a_file_that_is_not_a_table_is_refused_in_plain_words(runner, tmp_path, command, name):
    filename, content = BROKEN[name]
    path = tmp_path / filename
    path.write_bytes(content)
    result = runner.invoke(args=[command, "import", str(path)])
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("row ")] == [NOT_READABLE]
    assert filename not in result.stderr and "Error" not in result.stderr and "zip" not in result.stderr


def test_a_real_xlsx_named_csv_is_read_as_xlsx(runner, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(valid_xlsx())
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "1 created, 0 updated, 0 unchanged"
