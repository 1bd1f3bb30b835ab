"""django-import-export resources for the admin: Chinese column names, regions by code.

The admin's import/export is the administrators' raw tool (one table at a time, in the
model's own columns); the office layouts (附件1, target tables, returns) are imported through
reports.imports with preview and row-level checks. Each admin import writes one audit event.
"""

from import_export import fields, resources
from import_export.widgets import BooleanWidget, DateWidget, DecimalWidget, ForeignKeyWidget, IntegerWidget

from evalportal.models import AuditEvent
from transfers.models import Allocation, Fund, Notice, Project, Region


class AuditedResource(resources.ModelResource):
    """Writes one AuditEvent (action import) for every admin import that changed rows."""

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        totals = {key: count for key, count in result.totals.items() if count}
        if not any(totals.get(key) for key in ("new", "update", "delete")):
            return
        model = self._meta.model
        user = kwargs.get("user")
        AuditEvent.objects.create(
            actor=user if getattr(user, "pk", None) else None,
            action=AuditEvent.Action.IMPORT,
            object_type=model._meta.label_lower,
            summary=f"管理后台导入{model._meta.verbose_name}“{kwargs.get('file_name') or ''}”",
            changes={"totals": totals},
        )


def region_field(attribute: str, column: str) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, widget=ForeignKeyWidget(Region, "code"))


class RegionResource(AuditedResource):
    code = fields.Field(attribute="code", column_name="代码")
    name = fields.Field(attribute="name", column_name="全称")
    short_name = fields.Field(attribute="short_name", column_name="简称")
    parent = region_field("parent", "上级代码")
    level = fields.Field(attribute="level", column_name="层级", widget=IntegerWidget())
    kind = fields.Field(attribute="kind", column_name="类型")
    order = fields.Field(attribute="order", column_name="排序", widget=IntegerWidget())
    is_active = fields.Field(attribute="is_active", column_name="有效", widget=BooleanWidget())

    class Meta:
        model = Region
        import_id_fields = ["code"]
        fields = ["code", "name", "short_name", "parent", "level", "kind", "order", "is_active"]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return super().get_queryset().select_related("parent")  # the national tree: 3,400 rows


class FundResource(AuditedResource):
    code = fields.Field(attribute="code", column_name="代码")
    name = fields.Field(attribute="name", column_name="资金名称")
    direction = fields.Field(attribute="direction", column_name="支持方向")
    batch = fields.Field(attribute="batch", column_name="批次")
    year = fields.Field(attribute="year", column_name="年度", widget=IntegerWidget())
    region = region_field("region", "接收省份代码")
    central_department = fields.Field(attribute="central_department", column_name="中央主管部门")
    finance_department = fields.Field(attribute="finance_department", column_name="省级财政部门")
    line_department = fields.Field(attribute="line_department", column_name="省级主管部门")

    class Meta:
        model = Fund
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "direction",
            "batch",
            "year",
            "region",
            "central_department",
            "finance_department",
            "line_department",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True


class NoticeResource(AuditedResource):
    id = fields.Field(attribute="id", column_name="编号", widget=IntegerWidget())
    province = fields.Field(
        attribute="province", column_name="所属省份", widget=ForeignKeyWidget(Region, "code")
    )
    issuer = fields.Field(attribute="issuer", column_name="发文机关")
    number = fields.Field(attribute="number", column_name="文号")
    title = fields.Field(attribute="title", column_name="标题")
    issued_on = fields.Field(attribute="issued_on", column_name="发文日期", widget=DateWidget())
    note = fields.Field(attribute="note", column_name="备注")

    class Meta:
        model = Notice
        import_id_fields = ["id"]
        fields = ["id", "province", "issuer", "number", "title", "issued_on", "note"]
        export_order = fields
        skip_unchanged = True
        report_skipped = True


class ProjectResource(AuditedResource):
    id = fields.Field(attribute="id", column_name="编号", widget=IntegerWidget())
    fund = fields.Field(attribute="fund", column_name="资金代码", widget=ForeignKeyWidget(Fund, "code"))
    region = region_field("region", "实施地区代码")
    name = fields.Field(attribute="name", column_name="项目名称")
    summary = fields.Field(attribute="summary", column_name="项目概况")
    order = fields.Field(attribute="order", column_name="排序", widget=IntegerWidget())
    total_estimate = fields.Field(
        attribute="total_estimate", column_name="资金总概算（万元）", widget=DecimalWidget()
    )

    class Meta:
        model = Project
        import_id_fields = ["id"]
        fields = ["id", "fund", "region", "name", "summary", "order", "total_estimate"]
        export_order = fields
        skip_unchanged = True
        report_skipped = True


class AllocationResource(AuditedResource):
    """Exported with readable columns (文号, names) next to the keys the import uses."""

    id = fields.Field(attribute="id", column_name="编号", widget=IntegerWidget())
    fund = fields.Field(attribute="fund", column_name="资金代码", widget=ForeignKeyWidget(Fund, "code"))
    notice = fields.Field(attribute="notice", column_name="文件编号", widget=ForeignKeyWidget(Notice, "pk"))
    notice_number = fields.Field(attribute="notice__number", column_name="文号", readonly=True)
    from_region = region_field("from_region", "下达方代码")
    region = region_field("region", "接收地区代码")
    region_name = fields.Field(attribute="region__name", column_name="接收地区", readonly=True)
    project = fields.Field(
        attribute="project", column_name="接收项目编号", widget=ForeignKeyWidget(Project, "pk")
    )
    kind = fields.Field(attribute="kind", column_name="下达方式")
    source = fields.Field(attribute="source", column_name="资金来源")
    amount = fields.Field(attribute="amount", column_name="金额（万元）", widget=DecimalWidget())
    order = fields.Field(attribute="order", column_name="排序", widget=IntegerWidget())

    class Meta:
        model = Allocation
        import_id_fields = ["id"]
        fields = [
            "id",
            "fund",
            "notice",
            "notice_number",
            "from_region",
            "region",
            "region_name",
            "project",
            "kind",
            "source",
            "amount",
            "order",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return super().get_queryset().select_related("fund", "notice", "from_region", "region", "project")
