"""Writing audit rows as they arrive: CSV or one streamed JSON document, UTF-8 without BOM."""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from bot.audit.rows import CSV_COLUMNS, AuditRow, Summary


class RowWriter:
    """CSV: a header, then one line per row. JSON: {"target", "rows": [...], "summary"} written
    piece by piece, so a long audit never holds its rows and an interrupted one stays valid JSON."""

    def __init__(self, out: TextIO, fmt: str, *, target: str, keyword_given: bool) -> None:
        self.out = out
        self.fmt = fmt
        self.keyword_given = keyword_given
        self.summary = Summary()
        self._first = True
        if fmt == "csv":
            self._csv = csv.writer(out)
            self._csv.writerow(CSV_COLUMNS)
        else:
            out.write('{"target": ' + json.dumps(target, ensure_ascii=False) + ', "rows": [')

    def write(self, row: AuditRow) -> None:
        self.summary.add(row)
        if self.fmt == "csv":
            self._csv.writerow(row.csv_values())
        else:
            self.out.write(("\n" if self._first else ",\n") + json.dumps(row.to_dict(), ensure_ascii=False))
            self._first = False
        self.out.flush()

    def close(self) -> dict[str, Any]:
        summary = self.summary.to_dict(keyword_given=self.keyword_given)
        if self.fmt == "json":
            self.out.write('\n], "summary": ' + json.dumps(summary, ensure_ascii=False) + "}\n")
        self.out.flush()
        return summary
