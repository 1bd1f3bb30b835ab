"""Records of long work: generated documents and workbook imports, each a row with a status."""

from django.conf import settings
from django.db import models

from transfers.models import Fund, Region


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
