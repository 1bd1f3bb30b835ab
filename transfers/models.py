"""Regions, funds, notices, allocations and projects: where the money goes.

Money is in 万元 with two decimals. A region's budget for a fund is never stored: it is the
sum of the allocations that enter its subtree from outside it (see transfers.budgets).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

MONEY = {"max_digits": 14, "decimal_places": 2}
# What a return states and spends, to the 元 (four decimals of 万元): a department's budget
# is written to the 元 (seed 004: 2.472万元, 24720元), while notices allocate in 万元 to two.
MONEY_TO_THE_YUAN = {"max_digits": 16, "decimal_places": 4}


class Region(models.Model):
    """A node of the province → prefecture → county tree, or a budget unit under a prefecture."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, "省级"
        PREFECTURE = 2, "地州市"
        COUNTY = 3, "县市区"

    class Kind(models.TextChoices):
        ADMINISTRATIVE = "admin", "行政区划"
        DEVELOPMENT_ZONE = "zone", "开发区"
        RESCUE_STATION = "rescue", "救助站"
        CHILD_WELFARE = "child", "儿童福利院"
        SOS_VILLAGE = "sos", "SOS儿童村"
        ELDERLY_HOME = "elderly", "养老福利院"
        MENTAL_WELFARE = "mental", "精神病福利院"
        # A department that reports its own projects (张掖市民政局's 项目支出, seed 004).
        BUREAU = "bureau", "行政机关"

    code = models.CharField(
        "代码",
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(r"^\d{6}(-\d{2})?$", "代码应为6位行政区划代码，预算单位为“6位代码-2位序号”。")
        ],
        help_text="GB/T 2260 六位代码；预算单位为所属地州市代码加序号，如 654000-01。",
    )
    name = models.CharField("全称", max_length=100)
    short_name = models.CharField("简称", max_length=50, blank=True)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.ADMINISTRATIVE)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("有效", default=True)
    in_code_list = models.BooleanField(
        "列入区划代码表",
        default=False,
        help_text="由 load_regions 从全国区划代码表载入：代码表更名时随之更名（旧名留作曾用名），"
        "不再列出时停用。预算单位和自建区划不在代码表中。",
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["level", "order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level=1) & Q(parent__isnull=True)) | (Q(level__gt=1) & Q(parent__isnull=False)),
                name="region_root_is_province",
                violation_error_message="省级区划不能有上级，其他区划必须有上级。",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="region_not_own_parent"),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=3),
                name="region_level_known",
                violation_error_message="层级应为1（省级）、2（地州市）或3（县市区）。",
            ),
            # And "exactly one level below its parent", which a check constraint cannot say (it
            # reads another row): Region.clean for the forms and services, and a trigger in the
            # database for every other write (transfers.level_guard, migration 0005).
        ]

    def __str__(self):
        return self.name

    def clean(self):
        """A region sits exactly one level below its parent, and has no level below a county's:
        the tree is province → prefecture → county, and every query of a subtree (``subtree_q``)
        reaches two levels down, no further."""
        super().clean()
        if self.level is None:
            return
        if self.parent_id is not None:
            parent = self.parent
            if parent.level >= self.Level.COUNTY:
                raise ValidationError(
                    f"“{parent.name}”是县级区划，其下不能再设区划（区划至多三级：省级、地州市、县市区）。"
                )
            if self.level != parent.level + 1:
                expected = self.Level(parent.level + 1)
                raise ValidationError(
                    f"层级与上级不符：上级“{parent.name}”是{parent.get_level_display()}，"
                    f"本区划应为{expected.label}（{expected.value}），不能跨级或与上级同级。"
                )
        if self.pk is not None:
            below = self.children.exclude(level=self.level + 1).first()
            if below is not None:
                raise ValidationError(
                    f"“{self.name}”有下级区划（{below.name}），其层级必须比本区划低一级：请先调整下级区划。"
                )

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_budget_unit(self) -> bool:
        return self.kind not in (self.Kind.ADMINISTRATIVE, self.Kind.DEVELOPMENT_ZONE)


class RegionAlias(models.Model):
    """Another name the documents use for a region: an old name (库车县) or a variant."""

    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField("名称", max_length=100)
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "区划别名"
        verbose_name_plural = "区划别名"
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="region_alias_unique")]

    def __str__(self):
        return f"{self.name} → {self.region.name}"


class CentralFund(models.Model):
    """A central transfer fund as the ministry sends it to the provinces in one year: each
    province's ``Fund`` of it is its copy, with its own money, targets and returns, and the
    ministry reads them side by side (docs/domain.md §8)."""

    code = models.SlugField("代码", max_length=40, unique=True, help_text="短代码，如 mca-2024-relief。")
    name = models.CharField("资金名称", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    department = models.CharField("中央主管部门", max_length=100, default="民政部")

    class Meta:
        verbose_name = "中央转移支付资金"
        verbose_name_plural = "中央转移支付资金"
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="central_fund_year_sane"
            ),
        ]

    def __str__(self):
        return f"{self.year}年 {self.name}"


class Fund(models.Model):
    """A transfer fund (转移支付项目) one province receives in one year."""

    code = models.SlugField("代码", max_length=40, unique=True, help_text="短代码，如 xj-2024-elderly。")
    name = models.CharField("资金名称", max_length=200)
    direction = models.CharField("支持方向", max_length=200, blank=True)
    batch = models.CharField("批次", max_length=50, blank=True)
    year = models.PositiveSmallIntegerField("年度")
    region = models.ForeignKey(
        Region,
        verbose_name="接收省份",
        on_delete=models.PROTECT,
        related_name="funds",
        limit_choices_to={"level": Region.Level.PROVINCE},
    )
    central_department = models.CharField("中央主管部门", max_length=100, blank=True)
    finance_department = models.CharField("省级财政部门", max_length=100, blank=True)
    line_department = models.CharField("省级主管部门", max_length=100, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name="上年资金",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_years",
        help_text="本资金复制自哪一年的资金：上年的实际完成值据此对照（不低于上年、有所提升）。",
    )
    central = models.ForeignKey(
        CentralFund,
        verbose_name="中央资金",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funds",
        help_text="本省的这项资金是哪一项中央转移支付资金：中央主管部门据此汇总各省。",
    )

    class Meta:
        verbose_name = "转移支付资金"
        verbose_name_plural = "转移支付资金"
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2100), name="fund_year_sane"),
            # One copy of a central fund per province: the ministry's board has one row each.
            models.UniqueConstraint(fields=["central", "region"], name="fund_one_per_province_of_central"),
        ]

    def __str__(self):
        return f"{self.year}年 {self.full_name}"

    @property
    def full_name(self) -> str:
        """The name as documents print it: 困难群众救助补助资金（支持…方向）."""
        name = self.name
        if self.direction and self.direction not in name:
            name = f"{name}（{self.direction}）"
        if self.batch and self.batch not in name:
            name = f"{name}（{self.batch}）"
        return name


class Notice(models.Model):
    """A document (文件) that allocates money, e.g. 新财社〔2024〕210号, as one province records it.

    Each province keeps its own notices: the centre's notice that reaches every province
    (财社〔2024〕179号) is recorded by each of them, so nobody sees another province's list.
    """

    province = models.ForeignKey(
        Region,
        verbose_name="所属省份",
        on_delete=models.PROTECT,
        related_name="notices",
        limit_choices_to={"level": 1},
        null=True,  # only for notices recorded before provinces kept their own; see 0003
    )
    issuer = models.CharField("发文机关", max_length=200)
    number = models.CharField(
        "文号", max_length=60, blank=True, help_text="如 新财社〔2024〕210号；未知时留空。"
    )
    title = models.CharField("标题", max_length=300)
    issued_on = models.DateField("发文日期", null=True, blank=True)
    issued_month_only = models.BooleanField(
        "只知年月", default=False, help_text="文件只写到月（2024年12月）：发文日期存为当月1日。"
    )
    note = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"
        ordering = ["issued_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "number"],
                condition=~Q(number=""),
                name="notice_number_unique_in_province",
            ),
        ]

    def __str__(self):
        return self.number or self.title

    @property
    def issued_text(self) -> str:
        """2024年12月5日, or 2024年12月 when only the month is known; empty when unknown."""
        if self.issued_on is None:
            return ""
        month = f"{self.issued_on.year}年{self.issued_on.month}月"
        return month if self.issued_month_only else f"{month}{self.issued_on.day}日"


class Project(models.Model):
    """A named project of a fund, run in a county or by a budget unit, with its own targets and
    return: a county project the province pays directly, or a department's own project paid
    from its own budget (seed 004's five of 张掖市民政局)."""

    fund = models.ForeignKey(Fund, verbose_name="资金", on_delete=models.CASCADE, related_name="projects")
    region = models.ForeignKey(
        Region, verbose_name="实施地区", on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField("项目名称", max_length=200)
    summary = models.TextField("项目概况", blank=True, help_text="报告F“项目概况”一段：用途、依据和内容。")
    order = models.PositiveIntegerField("排序", default=0, help_text="在本单位项目中的次序（报告F的章序）。")
    # The project's whole estimate, which may span years (seed 004: “该项目资金总概算32万元”); the
    # year's budget is the ledger's (allocations, or what the return states), never this.
    total_estimate = models.DecimalField(
        "资金总概算（万元）",
        **MONEY_TO_THE_YUAN,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="报告F“项目资金到位情况分析”的资金总概算；当年预算数以下达资金或填报为准。",
    )

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["fund", "region__code", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "name"], name="project_name_unique_in_fund"),
            models.CheckConstraint(
                condition=Q(total_estimate__isnull=True) | Q(total_estimate__gte=0),
                name="project_total_estimate_not_negative",
            ),
        ]

    def __str__(self):
        return self.name


class MoneySource(models.TextChoices):
    CENTRAL = "central", "中央财政资金"
    PROVINCIAL = "provincial", "省级财政资金"
    LOCAL = "local", "市县财政资金"
    OTHER = "other", "其他资金"


# Money that comes down by allocation from the level above: its budget is what the allocations
# brought (transfers.budgets), never typed. A region's own money (市县配套, 其他) has the budget
# its return states. The one list of it: allocations carry only these sources (a constraint).
ALLOCATED_SOURCES = (MoneySource.CENTRAL.value, MoneySource.PROVINCIAL.value)


class Allocation(models.Model):
    """Money passed from one level (or the centre) to a region, unit or project under a notice."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", "提前下达"
        BATCH = "batch", "本次下达"

    fund = models.ForeignKey(Fund, verbose_name="资金", on_delete=models.CASCADE, related_name="allocations")
    notice = models.ForeignKey(
        Notice, verbose_name="文件", on_delete=models.PROTECT, related_name="allocations"
    )
    from_region = models.ForeignKey(
        Region,
        verbose_name="下达方",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations_made",
        help_text="留空表示中央下达。",
    )
    region = models.ForeignKey(
        Region,
        verbose_name="接收地区/单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    project = models.ForeignKey(
        Project,
        verbose_name="接收项目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    kind = models.CharField("下达方式", max_length=10, choices=Kind.choices, default=Kind.BATCH)
    source = models.CharField(
        "资金来源",
        max_length=12,
        choices=[(value, label) for value, label in MoneySource.choices if value in ALLOCATED_SOURCES],
        default=MoneySource.CENTRAL,
        help_text="下达的只有中央财政资金和省级财政资金；市县配套等本级资金在填报中填写预算数。",
    )
    amount = models.DecimalField("金额（万元）", **MONEY, help_text="本次下达可为负数（调减）。")
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "资金分配"
        verbose_name_plural = "资金分配"
        ordering = ["fund", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(region__isnull=False) & Q(project__isnull=True))
                | (Q(region__isnull=True) & Q(project__isnull=False)),
                name="allocation_one_recipient",
                violation_error_message="分配对象必须是一个地区/单位或一个项目，且只能是其一。",
            ),
            models.CheckConstraint(
                condition=~Q(kind="advance") | Q(amount__gte=Decimal("0")),
                name="allocation_advance_not_negative",
                violation_error_message="提前下达金额不能为负数；调减请记入本次下达。",
            ),
            models.CheckConstraint(
                condition=Q(source__in=ALLOCATED_SOURCES),
                name="allocation_source_comes_from_above",
                violation_error_message="只能下达中央财政资金或省级财政资金。",
            ),
            models.CheckConstraint(
                condition=~Q(from_region=models.F("region")),
                name="allocation_not_to_itself",
                violation_error_message="不能向本级自身下达资金。",
            ),
            models.UniqueConstraint(
                fields=["fund", "notice", "region", "kind", "source"],
                condition=Q(project__isnull=True),
                name="allocation_unique_region_line",
            ),
            models.UniqueConstraint(
                fields=["fund", "notice", "project", "kind", "source"],
                condition=Q(region__isnull=True),
                name="allocation_unique_project_line",
            ),
        ]

    def __str__(self):
        return f"{self.recipient} {self.get_kind_display()} {self.amount}万元"

    @property
    def recipient(self):
        return self.project or self.region


class DataVersion(models.Model):
    """A token the database draws again whenever a fund's data changes (``transfers.versions``):
    what a page keeps in the cache is keyed by the tokens of what it read, so a change anywhere
    in a fund, by any path (a service, an import, the admin, ``QuerySet.update``, raw SQL), makes
    a new key. Scope 0 is the region tree; any other scope is a fund's pk. Written only by the
    triggers; a scope without a row is never cached."""

    REGIONS = 0

    scope = models.BigIntegerField("范围", primary_key=True)
    token = models.CharField("版本", max_length=32)

    class Meta:
        verbose_name = "数据版本"
        verbose_name_plural = "数据版本"

    def __str__(self):
        return f"{self.scope}: {self.token}"
