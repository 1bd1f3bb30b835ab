"""Target tables and their indicators; returns (自评填报) with spending, actuals and narratives.

Rates are never stored: completion, deviation and execution rates are computed from the
texts and amounts here by indicators.rules whenever they are shown.
"""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q

from indicators.rules.monitoring import Thresholds
from indicators.rules.sampling import share_percent
from transfers.models import MONEY_TO_THE_YUAN, Fund, MoneySource, Project, Region


class Level1(models.TextChoices):
    OUTPUT = "产出指标", "产出指标"
    BENEFIT = "效益指标", "效益指标"
    SATISFACTION = "满意度指标", "满意度指标"
    COST = "成本指标", "成本指标"


# The level-2 groups that belong to each level-1 group, in report order.
LEVEL2_BY_LEVEL1 = {
    Level1.OUTPUT: ["数量指标", "质量指标", "时效指标", "成本指标"],
    Level1.BENEFIT: ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
    Level1.SATISFACTION: ["服务对象满意度指标"],
    Level1.COST: ["经济成本指标", "社会成本指标", "生态环境成本指标"],
}
LEVEL2_CHOICES = [(name, name) for names in LEVEL2_BY_LEVEL1.values() for name in names]


class TargetTable(models.Model):
    """绩效目标表 of one fund for one region or project; a lower table starts as its parent's copy.

    The province may hold two: the table the centre sent with the money (``is_central``: the
    province's own return and its 自评表 answer to it) and its own decomposed table for the
    whole province (全区), passed down to the prefectures. A province with one table uses it
    for both.
    """

    fund = models.ForeignKey(
        Fund, verbose_name="资金", on_delete=models.CASCADE, related_name="target_tables"
    )
    region = models.ForeignKey(
        Region,
        verbose_name="地区/单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="target_tables",
    )
    project = models.ForeignKey(
        Project,
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="target_tables",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级目标表",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_central = models.BooleanField(
        "中央下达的目标表",
        default=False,
        help_text="财政部随文下达本省（区）的区域绩效目标表；本省（区）分解的全区目标表不勾选。",
    )
    overall_goals = models.TextField("年度总体目标", blank=True, help_text="每条目标一行，保留原编号。")
    # 资金情况 as the table itself states it (万元), kept to show and compare with what the
    # allocations brought; every money figure of returns and documents is the ledger's.
    stated_total = models.DecimalField(
        "目标表所列年度金额", max_digits=14, decimal_places=2, null=True, blank=True
    )
    stated_central = models.DecimalField(
        "目标表所列中央财政资金", max_digits=14, decimal_places=2, null=True, blank=True
    )
    stated_local = models.DecimalField(
        "目标表所列地方资金", max_digits=14, decimal_places=2, null=True, blank=True
    )
    level_weights = models.JSONField(
        "一级指标分值",
        default=dict,
        blank=True,
        help_text="留空按默认：产出指标50、效益指标30、满意度指标10。",
    )

    class Meta:
        verbose_name = "绩效目标表"
        verbose_name_plural = "绩效目标表"
        ordering = ["fund", "region__level", "region__order", "region__code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(region__isnull=False) & Q(project__isnull=True))
                | (Q(region__isnull=True) & Q(project__isnull=False)),
                name="target_table_one_owner",
                violation_error_message="目标表必须属于一个地区/单位或一个项目，且只能是其一。",
            ),
            models.UniqueConstraint(
                fields=["fund", "region"],
                condition=Q(project__isnull=True, is_central=False),
                name="target_table_unique_region",
                violation_error_message="该地区已有本资金的目标表。",
            ),
            models.UniqueConstraint(
                fields=["fund"],
                condition=Q(is_central=True),
                name="target_table_one_central",
                violation_error_message="本资金已有中央下达的目标表。",
            ),
            models.CheckConstraint(
                condition=Q(is_central=False) | (Q(region__isnull=False) & Q(parent__isnull=True)),
                name="target_table_central_is_top",
                violation_error_message="中央下达的目标表属于本省（区），没有上级目标表。",
            ),
            models.UniqueConstraint(
                fields=["fund", "project"],
                condition=Q(region__isnull=True),
                name="target_table_unique_project",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="target_table_not_own_parent"),
        ]

    def __str__(self):
        return f"{self.fund.code} · {self.owner}"

    @property
    def owner(self):
        return self.project or self.region

    @property
    def label(self) -> str:
        """伊犁州, 新疆维吾尔自治区（中央下达）, or a project's name."""
        owner = self.project or self.region
        name = owner.name if owner is not None else ""
        if self.is_central:
            return f"{name}（中央下达）"
        return name


class IndicatorTarget(models.Model):
    """One 三级指标 of a target table, with its target value as written (e.g. ≥95%)."""

    class RollupRule(models.TextChoices):
        AUTO = "", "自动（按单位和比较符）"
        SUM = "sum", "求和"
        WEIGHTED = "weighted", "加权平均"
        MAX = "max", "取最差（最大值）"
        ALL_MET = "all_met", "全部完成才算完成"

    table = models.ForeignKey(
        TargetTable, verbose_name="目标表", on_delete=models.CASCADE, related_name="indicators"
    )
    parent_indicator = models.ForeignKey(
        "self",
        verbose_name="对应上级指标",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="derived",
        help_text="本指标来自上级目标表的哪一项；自设指标留空。",
    )
    level1 = models.CharField("一级指标", max_length=10, choices=Level1.choices)
    level2 = models.CharField("二级指标", max_length=12, choices=LEVEL2_CHOICES)
    name = models.CharField("三级指标", max_length=300)
    target_text = models.CharField("指标值", max_length=100)
    order = models.PositiveIntegerField("序号")
    weight = models.DecimalField("分值", max_digits=5, decimal_places=2, null=True, blank=True)
    rollup_rule = models.CharField(
        "汇总规则", max_length=10, choices=RollupRule.choices, blank=True, default=""
    )
    # Where an actual stops being believable (a typo: 960 for 96%): outside it the submit asks
    # for an acknowledgement, it does not refuse. In the actual's unit, as the target is written.
    plausible_min = models.DecimalField(
        "合理范围下限",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="实际完成值低于此数时提交前提示核实；留空不设下限。",
    )
    plausible_max = models.DecimalField(
        "合理范围上限",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="实际完成值高于此数时提交前提示核实；留空按默认：比率不超过100%，不超过指标值的10倍。",
    )

    class Meta:
        verbose_name = "绩效指标"
        verbose_name_plural = "绩效指标"
        ordering = ["table", "order"]
        constraints = [
            models.UniqueConstraint(fields=["table", "order"], name="indicator_order_unique"),
            models.UniqueConstraint(fields=["table", "name"], name="indicator_name_unique"),
            models.CheckConstraint(
                condition=Q(
                    *[Q(level1=level1, level2__in=level2s) for level1, level2s in LEVEL2_BY_LEVEL1.items()],
                    _connector=Q.OR,
                ),
                name="indicator_level2_under_level1",
                violation_error_message="二级指标与一级指标不匹配。",
            ),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=0), name="indicator_weight_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(plausible_min__isnull=True)
                | Q(plausible_max__isnull=True)
                | Q(plausible_min__lte=models.F("plausible_max")),
                name="indicator_plausible_range_ordered",
                violation_error_message="合理范围下限不能大于上限。",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.target_text}）"


class Period(models.TextChoices):
    YEAR_END = "year_end", "年度绩效自评"
    MID_YEAR = "mid_year", "绩效运行监控"


class DeviationCause(models.TextChoices):
    """偏差原因 of a monitoring line whose forecast misses its target: the official categories."""

    FUNDING = "funding", "经费保障"
    RULES = "rules", "制度保障"
    STAFF = "staff", "人员保障"
    HARDWARE = "hardware", "硬件条件保障"
    OTHER = "other", "其他"


class Likelihood(models.TextChoices):
    """完成目标可能性 of a monitoring line that is not on track."""

    CERTAIN = "certain", "确定能"
    POSSIBLE = "possible", "有可能"
    IMPOSSIBLE = "impossible", "完全不可能"


MONITORING_MONTHS = (1, 11)  # a cut-off of 12 months is the year end, not monitoring


class MonitoringPlan(models.Model):
    """How the province monitors one fund mid-year: the cut-off month of the data (1–N月) and
    where the yellow light begins (rules.Thresholds). A fund without one takes the defaults
    (selectors.monitoring_plan)."""

    fund = models.OneToOneField(
        Fund, verbose_name="资金", on_delete=models.CASCADE, related_name="monitoring_plan"
    )
    through_month = models.PositiveSmallIntegerField(
        "数据截止月份", default=6, help_text="监控数据截至当年几月底（1–11月），如6表示1–6月。"
    )
    yellow_from = models.DecimalField(
        "黄灯起点（预计完成率%）",
        max_digits=5,
        decimal_places=2,
        default=Decimal("90"),
        help_text="全年预计完成率不低于此值但未完成目标的为黄灯，低于此值为红灯。",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "绩效运行监控设置"
        verbose_name_plural = "绩效运行监控设置"
        constraints = [
            models.CheckConstraint(
                condition=Q(through_month__gte=MONITORING_MONTHS[0], through_month__lte=MONITORING_MONTHS[1]),
                name="monitoring_month_in_year",
                violation_error_message="数据截止月份应为1至11月。",
            ),
            models.CheckConstraint(
                condition=Q(yellow_from__gt=0, yellow_from__lte=100),
                name="monitoring_yellow_in_range",
                violation_error_message="黄灯起点应大于0%且不超过100%。",
            ),
        ]

    def __str__(self):
        return f"{self.fund.code} 1–{self.through_month}月"

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(yellow_from=self.yellow_from)

    @property
    def months_label(self) -> str:
        """1–6月: how the forms and documents name the monitoring period."""
        return f"1–{self.through_month}月"


class Return(models.Model):
    """自评填报: what one recipient spent and reached for one fund and period."""

    class Status(models.TextChoices):
        DRAFT = "draft", "填报中"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已审核"

    fund = models.ForeignKey(Fund, verbose_name="资金", on_delete=models.CASCADE, related_name="returns")
    region = models.ForeignKey(
        Region, verbose_name="填报地区/单位", on_delete=models.PROTECT, related_name="returns"
    )
    project = models.ForeignKey(
        Project, verbose_name="项目", null=True, blank=True, on_delete=models.PROTECT, related_name="returns"
    )
    period = models.CharField("填报期", max_length=10, choices=Period.choices, default=Period.YEAR_END)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    goal_achievement = models.TextField("总体目标完成情况", blank=True)
    version = models.PositiveIntegerField(
        "版本", default=1, help_text="每次保存加一；用于防止两人同时编辑时互相覆盖。"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # The lock after a passed deadline (indicators.selectors.ReturnLock) or None. Not stored: the
    # selectors and services attach it (with_lock) so the permission functions need no query.
    lock = None

    class Meta:
        verbose_name = "自评填报"
        verbose_name_plural = "自评填报"
        ordering = ["fund", "region__level", "region__order", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "region", "period"],
                condition=Q(project__isnull=True),
                name="return_unique_region_period",
            ),
            models.UniqueConstraint(
                fields=["fund", "project", "period"],
                condition=Q(project__isnull=False),
                name="return_unique_project_period",
            ),
        ]
        indexes = [
            # The review queue (every reviewer's and administrator's home page): the submitted
            # returns of the regions below one, earliest first. Few returns wait at any time;
            # without it the queue read every return of the deployment (167,000: 15 ms).
            models.Index(
                fields=["region", "updated_at"],
                condition=Q(status="submitted"),
                name="return_waiting_review",
            ),
        ]

    def __str__(self):
        owner = self.project or self.region
        return f"{self.fund.code} · {owner} · {self.get_period_display()}"


class ReturnFunding(models.Model):
    """全年执行数 of one money source in a return, and the 全年预算数 the return states for a
    region's own money (市县配套, 其他). The budget of allocated money is never stored here: the
    ledger (indicators.ledger) reads it from the allocations."""

    ret = models.ForeignKey(Return, verbose_name="填报", on_delete=models.CASCADE, related_name="funding")
    source = models.CharField("资金来源", max_length=12, choices=MoneySource.choices)
    budget = models.DecimalField("全年预算数（万元）", **MONEY_TO_THE_YUAN, null=True, blank=True)
    spent = models.DecimalField("全年执行数（万元）", **MONEY_TO_THE_YUAN, null=True, blank=True)
    # Mid-year monitoring only: ``spent`` is then 1–N月执行数, and these say where the year ends.
    forecast = models.DecimalField("全年预计执行数（万元）", **MONEY_TO_THE_YUAN, null=True, blank=True)
    lag_reason = models.TextField("执行进度滞后原因", blank=True)

    class Meta:
        verbose_name = "资金执行"
        verbose_name_plural = "资金执行"
        ordering = ["ret", "source"]
        constraints = [
            models.UniqueConstraint(fields=["ret", "source"], name="funding_unique_source"),
            models.CheckConstraint(
                condition=Q(spent__isnull=True) | Q(spent__gte=0),
                name="funding_spent_not_negative",
                violation_error_message="执行数不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="funding_budget_not_negative",
                violation_error_message="预算数不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(forecast__isnull=True) | Q(forecast__gte=0),
                name="funding_forecast_not_negative",
                violation_error_message="预计执行数不能为负数。",
            ),
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.spent}/{self.budget}"


class IndicatorActual(models.Model):
    """全年实际完成值 of one indicator, with the reason and measure where it was missed."""

    class Band(models.TextChoices):
        NONE = "", "—"
        MET = "达成", "达成"
        PARTLY = "部分达成", "部分达成"
        NOT_MET = "未达成", "未达成"

    ret = models.ForeignKey(Return, verbose_name="填报", on_delete=models.CASCADE, related_name="actuals")
    indicator = models.ForeignKey(
        IndicatorTarget, verbose_name="指标", on_delete=models.PROTECT, related_name="actuals"
    )
    actual_text = models.CharField("全年实际完成值", max_length=100, blank=True)
    reason = models.TextField("未完成原因", blank=True)
    measure = models.TextField("改进措施", blank=True)
    judged_met = models.BooleanField(
        "审核认定已完成", null=True, blank=True, help_text="定性指标由审核人认定是否完成。"
    )
    band = models.CharField("定性评级", max_length=6, choices=Band.choices, blank=True, default="")
    denominator = models.DecimalField(
        "分母",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="比率类指标的分母（如入住人数），用于上级加权汇总。",
    )
    override_note = models.TextField("覆盖汇总值说明", blank=True)
    # Mid-year monitoring only: ``actual_text`` is then 1–N月实际完成值, ``reason`` 原因说明 and
    # ``measure`` 纠偏措施 of a line whose forecast misses its target (rules.monitoring).
    forecast_text = models.CharField("全年预计完成值", max_length=100, blank=True)
    deviation_cause = models.CharField(
        "偏差原因", max_length=10, choices=DeviationCause.choices, blank=True, default=""
    )
    likelihood = models.CharField(
        "完成目标可能性", max_length=10, choices=Likelihood.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = "指标完成值"
        verbose_name_plural = "指标完成值"
        ordering = ["ret", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["ret", "indicator"], name="actual_unique_indicator"),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gte=0),
                name="actual_denominator_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(deviation_cause__in=["", *DeviationCause.values]),
                name="actual_deviation_cause_known",
                violation_error_message="偏差原因应从经费保障、制度保障、人员保障、硬件条件保障、其他中选择。",
            ),
            models.CheckConstraint(
                condition=Q(likelihood__in=["", *Likelihood.values]),
                name="actual_likelihood_known",
                violation_error_message="完成目标可能性应为确定能、有可能或完全不可能。",
            ),
        ]

    def __str__(self):
        return f"{self.indicator.name}: {self.actual_text}"


class Aspect(models.TextChoices):
    ALLOCATION = "allocation", "分配科学性"
    TIMELINESS = "timeliness", "下达及时性"
    DISBURSEMENT = "disbursement", "拨付合规性"
    USE = "use", "使用规范性"
    EXECUTION = "execution", "执行准确性"
    PERFORMANCE = "performance", "预算绩效管理情况"
    RESPONSIBILITY = "responsibility", "支出责任履行情况"


class ReturnNarrative(models.Model):
    """One of the seven 资金管理情况 rows: 情况说明 and 存在问题和改进措施."""

    ret = models.ForeignKey(Return, verbose_name="填报", on_delete=models.CASCADE, related_name="narratives")
    aspect = models.CharField("方面", max_length=16, choices=Aspect.choices)
    description = models.TextField("情况说明", blank=True)
    problems = models.TextField("存在问题和改进措施", blank=True)

    class Meta:
        verbose_name = "资金管理情况"
        verbose_name_plural = "资金管理情况"
        constraints = [models.UniqueConstraint(fields=["ret", "aspect"], name="narrative_unique_aspect")]

    def __str__(self):
        return self.get_aspect_display()


class Deadline(models.Model):
    """When the returns of one fund and period are due at one level; reminders are sent around it.

    ``region`` is the region that sets it: it binds the returns directly below that region (the
    province's binds prefectures and province-level units, 伊犁州's its counties). A return is
    bound by the deadline of its parent, or, if the parent set none, by the nearest one above
    (``indicators.selectors.applicable_deadlines``).
    """

    fund = models.ForeignKey(Fund, verbose_name="资金", on_delete=models.CASCADE, related_name="deadlines")
    region = models.ForeignKey(
        Region, verbose_name="设置地区", on_delete=models.CASCADE, related_name="deadlines"
    )
    period = models.CharField("填报期", max_length=10, choices=Period.choices, default=Period.YEAR_END)
    due_on = models.DateField("截止日期")
    remind_days_before = models.PositiveSmallIntegerField("提前提醒天数", default=3)
    lock_after = models.BooleanField(
        "逾期锁定", default=False, help_text="截止日期过后未提交的填报不能再修改和提交，需上级审核员解锁。"
    )

    class Meta:
        verbose_name = "填报截止日期"
        verbose_name_plural = "填报截止日期"
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "period", "region"], name="deadline_unique_region_period")
        ]

    def __str__(self):
        return f"{self.fund.code} {self.get_period_display()} {self.due_on}"


class DeadlineUnlock(models.Model):
    """A reviewer lets one return past its locked deadline, with a reason (until a day, or for good)."""

    ret = models.ForeignKey(Return, verbose_name="填报", on_delete=models.CASCADE, related_name="unlocks")
    author = models.ForeignKey(
        "evalportal.User", verbose_name="解锁人", on_delete=models.PROTECT, related_name="unlocks"
    )
    reason = models.TextField("解锁原因")
    until = models.DateField("解锁至", null=True, blank=True, help_text="留空表示一直有效。")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "逾期解锁"
        verbose_name_plural = "逾期解锁"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.ret} 解锁"

    def holds_on(self, day) -> bool:
        return self.until is None or self.until >= day


class SentReminder(models.Model):
    """A reminder mailed to one person for one deadline on one day: sent once, however often beat runs."""

    deadline = models.ForeignKey(
        Deadline, verbose_name="截止日期", on_delete=models.CASCADE, related_name="sent_reminders"
    )
    recipient = models.ForeignKey(
        "evalportal.User", verbose_name="收件人", on_delete=models.CASCADE, related_name="sent_reminders"
    )
    kind = models.CharField("类型", max_length=12)
    sent_on = models.DateField("发送日期")

    class Meta:
        verbose_name = "已发提醒"
        verbose_name_plural = "已发提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "recipient", "kind", "sent_on"], name="sent_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.deadline} {self.kind} {self.sent_on}"


class ReturnComment(models.Model):
    """A reviewer's comment on a whole return or on one indicator line of it."""

    ret = models.ForeignKey(Return, verbose_name="填报", on_delete=models.CASCADE, related_name="comments")
    actual = models.ForeignKey(
        IndicatorActual,
        verbose_name="指标行",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    field = models.CharField("栏目", max_length=50, blank=True, help_text="资金、资金管理情况等非指标栏目。")
    author = models.ForeignKey(
        "evalportal.User", verbose_name="意见人", on_delete=models.PROTECT, related_name="comments"
    )
    text = models.TextField("意见")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核意见"
        verbose_name_plural = "审核意见"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:40]


class Notification(models.Model):
    """A message to one person in the portal about a step of a return (or, later, anything else).

    The portal list is the record; the e-mail sent with it is a copy for those with an address.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "提交审核"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "审核通过"
        REOPENED = "reopened", "重新打开"

    recipient = models.ForeignKey(
        "evalportal.User", verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    ret = models.ForeignKey(
        Return,
        verbose_name="填报",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True, help_text="站内路径，如 /returns/12/。")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-pk"]
        # The nav badge counts a person's unread notices on every page.
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.subject


class SpotCheckDraw(models.Model):
    """One random draw of the province's spot re-check (抽查复核): what was considered, the seed
    and share, and what was drawn, kept so an auditor can repeat the draw
    (indicators.rules.sampling.spot_check_sample over ``population_ids`` with ``seed``)."""

    fund = models.ForeignKey(Fund, verbose_name="资金", on_delete=models.CASCADE, related_name="spot_draws")
    period = models.CharField("填报期", max_length=10, choices=Period.choices, default=Period.YEAR_END)
    drawn_by = models.ForeignKey(
        "evalportal.User", verbose_name="抽取人", on_delete=models.PROTECT, related_name="spot_draws"
    )
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)
    seed = models.CharField("随机种子", max_length=64)
    share = models.DecimalField("抽查比例", max_digits=5, decimal_places=4)
    population_ids = models.JSONField(
        "参与抽取的填报", default=list, help_text="已审核县级填报的编号，升序。"
    )
    drawn_ids = models.JSONField("抽中的填报", default=list, help_text="抽中的填报编号，升序。")

    class Meta:
        verbose_name = "抽查复核抽取"
        verbose_name_plural = "抽查复核抽取"
        ordering = ["-drawn_at", "-pk"]

    def __str__(self):
        return f"{self.fund.code} {self.drawn_at:%Y-%m-%d %H:%M} 种子{self.seed}"

    @property
    def share_text(self) -> str:
        return share_percent(self.share)


class SpotCheck(models.Model):
    """One drawn return's re-check: who is to do it and what they found."""

    class Finding(models.TextChoices):
        NONE = "", "未复核"
        CONFIRMED = "确认", "确认"
        RECTIFY = "需整改", "需整改"

    draw = models.ForeignKey(
        SpotCheckDraw, verbose_name="抽取", on_delete=models.CASCADE, related_name="checks"
    )
    ret = models.ForeignKey(Return, verbose_name="填报", on_delete=models.PROTECT, related_name="spot_checks")
    assignee = models.ForeignKey(
        "evalportal.User",
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spot_checks_assigned",
    )
    finding = models.CharField("复核结论", max_length=4, choices=Finding.choices, blank=True, default="")
    finding_text = models.TextField("复核意见", blank=True)
    recorded_by = models.ForeignKey(
        "evalportal.User",
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spot_checks_recorded",
    )
    recorded_at = models.DateTimeField("记录时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽查复核"
        verbose_name_plural = "抽查复核"
        ordering = ["draw", "ret__region__order", "ret__region__code"]
        constraints = [models.UniqueConstraint(fields=["draw", "ret"], name="spot_check_once_per_draw")]

    def __str__(self):
        return f"{self.ret} {self.get_finding_display()}"


class ApprovalException(models.Model):
    """A recipient below a return that has no approved return, recorded with the reason why the
    return above goes ahead without it (docs/domain.md §1: approval follows the tree). The
    report's 数据说明 names it, so a figure that lacks a region says so."""

    ret = models.ForeignKey(
        Return, verbose_name="上级填报", on_delete=models.CASCADE, related_name="approval_exceptions"
    )
    region = models.ForeignKey(
        Region,
        verbose_name="未审核的下级地区/单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_exceptions",
    )
    project = models.ForeignKey(
        Project,
        verbose_name="未审核的项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approval_exceptions",
    )
    reason = models.TextField("原因")
    author = models.ForeignKey(
        "evalportal.User", verbose_name="登记人", on_delete=models.PROTECT, related_name="approval_exceptions"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核例外"
        verbose_name_plural = "审核例外"
        ordering = ["ret", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(region__isnull=False) & Q(project__isnull=True))
                | (Q(region__isnull=True) & Q(project__isnull=False)),
                name="approval_exception_one_recipient",
                violation_error_message="例外必须指向一个下级地区/单位或一个项目，且只能是其一。",
            ),
            models.UniqueConstraint(
                fields=["ret", "region"],
                condition=Q(region__isnull=False),
                name="approval_exception_unique_region",
            ),
            models.UniqueConstraint(
                fields=["ret", "project"],
                condition=Q(project__isnull=False),
                name="approval_exception_unique_project",
            ),
        ]

    def __str__(self):
        return f"{self.ret} · {self.project or self.region}"

    @property
    def recipient(self):
        return self.project or self.region

    @property
    def key(self) -> tuple[str, int]:
        """The recipient's node key in the fund's tree (transfers.tree.Node.key)."""
        return ("p", self.project_id) if self.project_id else ("r", self.region_id)


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Where the stored file lives: by fund and return, never by the name the person chose (a
    name can hold ``..``, slashes or characters object storage refuses); the original name is
    kept in ``original_name`` and given back on download. Only the extension is carried over,
    already checked against the content."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.ret.fund.code}/{instance.ret_id}/{uuid.uuid4().hex}.{suffix}"


class Attachment(models.Model):
    """佐证材料: a file a return's office attached to the whole return or to one indicator line."""

    ret = models.ForeignKey(Return, verbose_name="填报", on_delete=models.CASCADE, related_name="attachments")
    actual = models.ForeignKey(
        IndicatorActual,
        verbose_name="指标行",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
        help_text="留空表示整份填报的佐证材料。",
    )
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("文件类型", max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        "evalportal.User", verbose_name="上传人", on_delete=models.PROTECT, related_name="attachments"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["ret", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name
