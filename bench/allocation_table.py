"""The synthetic 附件1 allocation table the import benchmarks read (bench_import.py, row 8 of
bench_national.py): prefectures 第p州 of counties 第p州第c县, whole 万元 and some cents, a negative
本次下达 on every tenth county, each prefecture's 小计 and the 合计 on top, as a notice prints it.
No Django: the benchmarks set up their own database first."""

import io
from decimal import Decimal

from openpyxl import Workbook


def allocation_rows(prefectures, counties: int, *, changed: tuple[int, int] | None = None) -> list[list]:
    """The table's rows for prefecture numbers ``prefectures`` of ``counties`` counties each;
    ``changed`` (p, c): that county's 本次下达 one 万元 higher (a second upload that changes one figure)."""
    blocks, grand = [], [Decimal(0)] * 3
    for p in prefectures:
        lines, sums = [], [Decimal(0)] * 3
        for c in range(1, counties + 1):
            advance = Decimal(p * 100 + c) + Decimal("0.25")
            batch = Decimal(-c) if c % 10 == 0 else Decimal(c * 7) + Decimal("0.5")
            if (p, c) == changed:
                batch += 1
            figures = [advance + batch, advance, batch]
            sums = [a + b for a, b in zip(sums, figures, strict=True)]
            lines.append([None, f"第{p}州第{c}县", *figures])
        grand = [a + b for a, b in zip(grand, sums, strict=True)]
        blocks.append([f"第{p}州", "小计", *sums])
        blocks += lines
    return [["合 计", None, *grand], *blocks]


def allocation_workbook(rows: list[list]) -> bytes:
    """The rows under the notice's title, unit line and two-row header (其中： over 提前下达 / 本次实际下达)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "附件1"
    ws.append(["测试资金分配表"])
    ws.append(["单位：万元"])
    ws.append(["地州市", "县市区", "全年资金合计", "其中：", None])
    ws.append([None, None, None, "提前下达", "本次实际下达"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
