"""Records of long work (generated documents and workbook imports, each a row with a status), and
the texts an office writes for its own report."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from transfers.models import MONEY_TO_THE_YUAN, Fund, Region


class JobStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "处理中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class GeneratedFile(models.Model):
    """A report or workbook the portal built, kept in storage with the data version it used."""

    fund = models.ForeignKey(
        Fund, verbose_name="资金", on_delete=models.CASCADE, related_name="generated_files"
    )
    region = models.ForeignKey(
        Region, verbose_name="地区", on_delete=models.PROTECT, related_name="generated_files"
    )
    kind = models.CharField("文档类型", max_length=20)
    format = models.CharField("格式", max_length=5, choices=[("docx", "DOCX"), ("xlsx", "XLSX")])
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    file = models.FileField("文件", upload_to="generated/%Y/%m/", blank=True)
    # A DOCX's PDF copy and the picture of its page 1 (reports.pdf), made in the same job;
    # pdf_error says why there is none when LibreOffice is missing or failed.
    pdf = models.FileField("PDF文件", upload_to="generated/%Y/%m/", blank=True)
    preview = models.FileField("第1页预览图", upload_to="generated/%Y/%m/", blank=True)
    pdf_error = models.TextField("PDF生成提示", blank=True)
    error = models.TextField("错误信息", blank=True)
    data_version = models.CharField("数据版本", max_length=64, blank=True)
    # What the build's data said (ReportData.warnings: 数据未全部审核… first), shown on the file page.
    warnings = models.JSONField("生成提示", default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        on_delete=models.PROTECT,
        related_name="generated_files",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # How many times the job was queued, and when it last showed life: the sweeper
    # (reports.services.generated_files_sweep) retries or fails a job that stopped moving.
    attempts = models.PositiveSmallIntegerField("已排队次数", default=0)
    heartbeat_at = models.DateTimeField("最近进展时间", null=True, blank=True)

    class Meta:
        verbose_name = "生成文件"
        verbose_name_plural = "生成文件"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="generated_progress_at_most_100"
            )
        ]

    def __str__(self):
        return f"{self.fund.code} {self.region} {self.kind}.{self.format}"


class ImportRecord(models.Model):
    """One uploaded workbook: its preview, its errors, and whether it was applied."""

    kind = models.CharField("导入类型", max_length=20)
    fund = models.ForeignKey(
        Fund, verbose_name="资金", null=True, blank=True, on_delete=models.CASCADE, related_name="imports"
    )
    region = models.ForeignKey(
        Region, verbose_name="导入范围", on_delete=models.PROTECT, related_name="imports"
    )
    file = models.FileField("上传文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    summary = models.JSONField("预览摘要", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    applied = models.BooleanField("已导入", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="imports"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_status_display()} {self.original_name}"


class ReportText(models.Model):
    """What an office writes in its own report (A, and G for a county; F's 六 and 七 take its 应用,
    公开 and 其他) for one fund: the notice
    that launched the evaluation, the money that arrived, the preamble of the targets it passed
    down, its overall goals, 不足 and 措施, how the results are used and published, and 其他.

    One row per fund and reporting region. A blank field means "the default": the builders
    print the wording of ``reports.data.sections`` instead, so an office that writes nothing
    still gets a report that reads right. The 到位率 is never stored: the rules engine computes
    it from ``arrived`` and the ledger's budget. Written only by ``reports.services.report_text_save``.
    """

    fund = models.ForeignKey(Fund, verbose_name="资金", on_delete=models.CASCADE, related_name="report_texts")
    region = models.ForeignKey(
        Region, verbose_name="报告地区", on_delete=models.PROTECT, related_name="report_texts"
    )
    launch_notice = models.CharField(
        "启动自评的文件",
        max_length=300,
        blank=True,
        help_text="开篇段落“根据……”引用的文件，含书名号和文号。",
    )
    arrived = models.DecimalField(
        "资金到位数（万元）", **MONEY_TO_THE_YUAN, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    arrival_note = models.TextField("资金到位情况说明", blank=True)
    split_preamble = models.TextField("分解下达绩效目标的说明", blank=True)
    split_notice = models.CharField("分解下达绩效目标的文件", max_length=300, blank=True)
    overall_goals = models.TextField("年初设定的总体目标", blank=True)
    goals_achieved = models.TextField("总体目标完成情况", blank=True)
    shortfalls = models.TextField("项目实施过程中存在的不足", blank=True)
    measures = models.TextField("下一步工作实施改进措施", blank=True)
    application = models.TextField("绩效自评结果应用", blank=True)
    website = models.CharField("公开网站", max_length=200, blank=True)
    publication = models.TextField("公开情况", blank=True)
    other_matters = models.TextField("其他需要说明的问题", blank=True)
    version = models.PositiveIntegerField(
        "版本", default=1, help_text="每次保存加一；用于防止两人同时编辑时互相覆盖。"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "报告文字"
        verbose_name_plural = "报告文字"
        constraints = [
            models.UniqueConstraint(fields=["fund", "region"], name="report_text_one_per_fund_region")
        ]

    def __str__(self):
        return f"{self.fund.code} {self.region} 报告文字"
