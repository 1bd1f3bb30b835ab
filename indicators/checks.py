"""Adapting a Return to the rules engine's consistency checks.

Keys point at form fields: ``funding-<source>`` for a money line, ``actual-<indicator id>`` for
an indicator line, ``return`` for the whole return, so the form shows each finding next to
the field it is about.
"""

from indicators import rules
from indicators.models import Return
from transfers.selectors import region_budget


def return_data(report: Return) -> rules.ReturnData:
    budget = region_budget(report.fund, report.region)["total"]
    money = [
        rules.MoneyLine(
            key=f"funding-{line.source}", source=line.source, budget=line.budget, spent=line.spent
        )
        for line in report.funding.all()
    ]
    indicators = [
        rules.IndicatorLine(
            key=f"actual-{actual.indicator_id}",
            level1=actual.indicator.level1,
            level2=actual.indicator.level2,
            name=actual.indicator.name,
            target_text=actual.indicator.target_text,
            actual_text=actual.actual_text,
            reason=actual.reason,
            measure=actual.measure,
            parent_target_text=(
                actual.indicator.parent_indicator.target_text
                if actual.indicator.parent_indicator_id
                else None
            ),
        )
        for actual in report.actuals.select_related("indicator__parent_indicator").order_by(
            "indicator__order"
        )
    ]
    return rules.ReturnData(
        key="return",
        region_name=report.region.name,
        allocated=budget or None,
        money=money,
        indicators=indicators,
    )


def return_findings(report: Return) -> list[rules.Finding]:
    return rules.check_return(return_data(report))


def errors_of(findings: list[rules.Finding]) -> list[rules.Finding]:
    return [f for f in findings if f.severity == "error"]


def warnings_of(findings: list[rules.Finding]) -> list[rules.Finding]:
    return [f for f in findings if f.severity == "warning"]
