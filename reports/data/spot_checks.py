"""The spot re-check (抽查复核) a province's report A states in 四: its latest draw of the fund,
read in one query, and only for the province's own report (the re-check is the province's)."""

from indicators.models import SpotCheck
from reports.data.types import SpotCheckFinding, SpotCheckSummary
from transfers.models import Fund, Region


def spot_check_summary(fund: Fund, region: Region, period: str) -> SpotCheckSummary | None:
    if region.pk != fund.region_id:
        return None
    checks = list(
        SpotCheck.objects.filter(draw__fund=fund, draw__period=period)
        .select_related("draw", "ret__region")
        .order_by(
            "-draw__drawn_at",
            "-draw__pk",
            "ret__region__parent__order",
            "ret__region__order",
            "ret__region__code",
        )
    )
    if not checks:
        return None
    draw = checks[0].draw
    latest = [c for c in checks if c.draw_id == draw.pk]
    return SpotCheckSummary(
        share=draw.share_text,
        seed=draw.seed,
        population=len(draw.population_ids),
        confirmed=sum(c.finding == SpotCheck.Finding.CONFIRMED for c in latest),
        rectify=[
            SpotCheckFinding(region=c.ret.region.display_name, text=c.finding_text)
            for c in latest
            if c.finding == SpotCheck.Finding.RECTIFY
        ],
        pending=sum(not c.finding for c in latest),
    )
