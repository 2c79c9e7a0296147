"""Edits or describes a scal review workbook with openpyxl, as a reviewer's own tooling would.

    python3 review_workbook.py edit IN OUT EDITS_JSON
    python3 review_workbook.py describe IN

EDITS_JSON is a list of operations, applied in order:
    {"id": "GPCM-C-1", "column": "NHS England verdict", "value": "Accepted"}  set a cell of the
        row holding that requirement ID, in the column with that heading (any visible sheet)
    {"reverse_rows": "SHEET"}            reverse the order of the rows below the header
    {"rename": "SHEET", "to": "NEW"}     rename a sheet
An empty list loads and saves the workbook unchanged (as openpyxl writes it).

describe prints JSON: for each sheet, whether it is protected and hidden, the data validations
(range and list), and for each column heading of row 1 whether its row-2 cell is locked.
"""

import json
import sys

import openpyxl


def headings(ws):
    return {cell.value: cell.column for cell in ws[1] if cell.value}


def edit(path_in, path_out, edits):
    wb = openpyxl.load_workbook(path_in)
    visible = [ws for ws in wb.worksheets if ws.title != "_review"]
    for op in edits:
        if "reverse_rows" in op:
            ws = wb[op["reverse_rows"]]
            rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
            for r, values in enumerate(reversed(rows), start=2):
                for c, value in enumerate(values, start=1):
                    ws.cell(row=r, column=c).value = value
        elif "rename" in op:
            wb[op["rename"]].title = op["to"]
        else:
            done = False
            for ws in visible:
                columns = headings(ws)
                for row in ws.iter_rows(min_row=2):
                    if row[0].value == op["id"]:
                        ws.cell(row=row[0].row, column=columns[op["column"]]).value = op["value"]
                        done = True
            if not done:
                sys.exit("no row with ID %r" % op["id"])
    wb.save(path_out)


def describe(path_in):
    wb = openpyxl.load_workbook(path_in)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = {
            "protected": bool(ws.protection.sheet),
            "hidden": ws.sheet_state != "visible",
            "validations": [
                {"range": str(dv.sqref), "list": dv.formula1}
                for dv in ws.data_validations.dataValidation
                if dv.type == "list"
            ],
            "locked": {
                str(cell.value): bool(ws.cell(row=2, column=cell.column).protection.locked)
                for cell in ws[1]
                if cell.value
            },
        }
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "edit":
        edit(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
    else:
        describe(sys.argv[2])
