"""django-import-export resources for the admin (target indicators; returns are exported whole
by reports.exports and imported through reports.imports with the form's checks)."""

from import_export import fields
from import_export.widgets import DecimalWidget, ForeignKeyWidget, IntegerWidget

from indicators.models import IndicatorTarget, TargetTable
from transfers.resources import AuditedResource


class IndicatorTargetResource(AuditedResource):
    id = fields.Field(attribute="id", column_name="编号", widget=IntegerWidget())
    table = fields.Field(
        attribute="table", column_name="目标表编号", widget=ForeignKeyWidget(TargetTable, "pk")
    )
    fund = fields.Field(attribute="table__fund__code", column_name="资金代码", readonly=True)
    owner = fields.Field(attribute="table__region__name", column_name="地区", readonly=True)
    order = fields.Field(attribute="order", column_name="序号", widget=IntegerWidget())
    level1 = fields.Field(attribute="level1", column_name="一级指标")
    level2 = fields.Field(attribute="level2", column_name="二级指标")
    name = fields.Field(attribute="name", column_name="三级指标")
    target_text = fields.Field(attribute="target_text", column_name="指标值")
    weight = fields.Field(attribute="weight", column_name="分值", widget=DecimalWidget())
    rollup_rule = fields.Field(attribute="rollup_rule", column_name="汇总规则")
    parent_indicator = fields.Field(
        attribute="parent_indicator",
        column_name="上级指标编号",
        widget=ForeignKeyWidget(IndicatorTarget, "pk"),
    )

    class Meta:
        model = IndicatorTarget
        import_id_fields = ["id"]
        fields = [
            "id",
            "table",
            "fund",
            "owner",
            "order",
            "level1",
            "level2",
            "name",
            "target_text",
            "weight",
            "rollup_rule",
            "parent_indicator",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return super().get_queryset().select_related("table__fund", "table__region", "parent_indicator")
