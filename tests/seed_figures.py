"""Figures typed once from the seed documents, the expected values of every test that needs them.

They come from outside the code: change one only after reading the seed again.
"""

from decimal import Decimal

# Seed 000, 分配表1-1 (投入资金) and 执行表2-1 (执行资金, 执行率 %): 地区 as printed there.
# 昌吉州's rate is printed "0.5%"; written here with the two decimals the portal prints.
ELDERLY_EXECUTION = {
    "乌鲁木齐市": ("550", "0", "0"),
    "伊犁哈萨克自治州": ("966", "1.4", "0.14"),
    "塔城地区": ("251", "0", "0"),
    "阿勒泰地区": ("191", "0", "0"),
    "克拉玛依市": ("76", "0", "0"),
    "博尔塔拉蒙古自治州": ("144", "0", "0"),
    "昌吉回族自治州": ("347", "1.73", "0.50"),
    "哈密市": ("140", "0", "0"),
    "吐鲁番市": ("212", "0", "0"),
    "巴音郭楞蒙古自治州": ("362", "0", "0"),
    "阿克苏地区": ("933", "0", "0"),
    "克孜勒苏柯尔克孜自治州": ("294", "0", "0"),
    "喀什地区": ("2583", "24.54", "0.95"),
    "和田地区": ("1405", "0", "0"),
}
ELDERLY_TOTAL = (Decimal("8454"), Decimal("27.67"), Decimal("0.33"))

# Seed 000, 二(四) and the 自评表: (part of the 三级指标 name, 指标值, 全年实际完成值, 完成率, 偏差率).
ELDERLY_INDICATORS = [
    ("补助标准实际到位率", "≥95%", "33.93%", "35.72", "64.28"),
    ("综合能力评估的覆盖率", "100%", "50%", "50", "50"),
    ("当年纳入救助保障范围", "应纳尽纳", "应纳尽纳", "100", "0"),
    ("养老机构护理人员人数与入住的失能老年人等群体人数的比例", "≥20%", "11.43%", "57.15", "42.85"),
    ("救助补助资金", "≤30日", "30日内", "100", "0"),
    ("补助资金按时发放率", "≥95%", "21.43%", "22.56", "77.44"),
    ("及时录入全国养老服务信息系统率", "≥95%", "34.64%", "36.46", "63.54"),
    ("政策在当地的知晓率", "≥95%", "61.42%", "64.65", "35.35"),
    ("补助对象对集中照护政策实施的满意度", "≥90%", "32.88%", "36.53", "63.47"),
]

# Seed 003, 附件1: 合计 and each 小计 (全年资金合计, 提前下达, 本次实际下达), 地州市 as printed there.
# 伊犁州's last cell was lost in extraction; the seeds README gives it as 26537.
RELIEF_TOTAL = (Decimal("792267"), Decimal("564771"), Decimal("227496"))
RELIEF_SUBTOTALS = {
    "乌鲁木齐市": (9095, 4130, 4965),
    "伊犁州": (65682, 39145, 26537),
    "塔城地区": (13139, 8066, 5073),
    "阿勒泰地区": (9920, 5718, 4202),
    "克拉玛依市": (891, 311, 580),
    "博州": (7432, 4341, 3091),
    "昌吉州": (8727, 5198, 3529),
    "哈密市": (5109, 2974, 2135),
    "吐鲁番市": (9056, 6677, 2379),
    "巴州": (18053, 10489, 7564),
    "阿克苏地区": (65351, 43284, 22067),
    "克州": (31071, 22622, 8449),
    "喀什地区": (370526, 268331, 102195),
    "和田地区": (178215, 143485, 34730),
}
# GB/T 2260 codes of the prefectures above (not in the seeds).
PREFECTURE_CODES = {
    "乌鲁木齐市": "650100", "伊犁州": "654000", "塔城地区": "654200", "阿勒泰地区": "654300",
    "克拉玛依市": "650200", "博州": "652700", "昌吉州": "652300", "哈密市": "650500",
    "吐鲁番市": "650400", "巴州": "652800", "阿克苏地区": "652900", "克州": "653000",
    "喀什地区": "653100", "和田地区": "653200",
}  # fmt: skip
RELIEF_SUBTOTALS_BY_CODE = {PREFECTURE_CODES[name]: values for name, values in RELIEF_SUBTOTALS.items()}

# The 自评表 with 分值/得分 of seed 000's province return, worked by hand from the figures above
# and docs/domain.md §4: 预算执行 0.33% × 10 / 100 = 0.033 → 0.03; 产出 50 over its 7 indicators
# (50/7 = 7.142857… each), 效益 30, 满意度 10; 正向 score = weight × actual / target, met = weight.
# Exact scores: 2.551128, 3.571429, 7.142857, 4.082143, 7.142857, 1.611278, 2.604511,
# 19.395789, 3.653333 → 51.755326, total 51.788326 → 51.79 (差). Printed, each column adds up
# to its printed total: the cents the cut to two places loses go to the largest remainders.
ELDERLY_SCORED_WEIGHTS = ["7.15", "7.15", "7.14", "7.14", "7.14", "7.14", "7.14", "30", "10"]
ELDERLY_SCORED_SCORES = ["2.55", "3.57", "7.14", "4.08", "7.14", "1.61", "2.61", "19.40", "3.66"]
ELDERLY_SCORED_BUDGET = ("10", "0.03")  # 分值, 得分 of 预算执行
ELDERLY_SCORED_TOTAL = ("100", "51.79", "差")

# Seed 003: 伊宁市's relief money, 8419 提前下达 + 5586 本次下达.
YINING_RELIEF = Decimal("14005")
# docs/domain.md §2: one county reported 14869.11万元 = 11894 central + 2767 provincial + 208.11 local.
DOMAIN_COUNTY_SOURCES = (Decimal("11894"), Decimal("2767"), Decimal("208.11"), Decimal("14869.11"))

# --- Target tables as a notice prints them (the paste import; fixtures/paste/ are the same
# blocks of the seeds, copied verbatim) -----------------------------------------------------------

# Seed 003 附件3, each prefecture's 中央对地方转移支付区域绩效目标表 (乌鲁木齐市 lines 254–285,
# 伊犁州 287–318): 一级指标, 二级指标, 三级指标, 指标值 as printed there (these two print "≥ 90%").
RELIEF_PREFECTURE_TABLE = [
    ("产出指标", "数量指标", "低保对象人数", "应保尽保"),
    ("产出指标", "数量指标", "临时救助人次", "应救尽救"),
    ("产出指标", "数量指标", "求助的流浪乞讨人员救助率", "应救尽救"),
    ("产出指标", "数量指标", "孤儿等符合条件的儿童纳入保障范围率", "≥ 90%"),
    ("产出指标", "数量指标", "农村留守儿童、困境儿童纳入监测范围率", "≥ 85%"),
    ("产出指标", "质量指标", "城乡低保标准", "按要求合理确定调整"),
    ("产出指标", "质量指标", "建立社会救助家庭经济状况核对机制的县(市、区)比例", "≥ 95%"),
    ("产出指标", "质量指标", "孤儿等符合条件的儿童认定准确率", "不低于上年"),
    ("产出指标", "时效指标", "困难群众基本生活救助和孤儿基本生活费按时发放率", "≥ 90%"),
    ("产出指标", "时效指标", "受助人员救助情况当日录入全国救助管理信息系统率", "≥ 95%"),
    ("效益指标", "社会效益指标", "困难群众生活水平情况", "有所提升"),
    ("效益指标", "社会效益指标", "帮助查明身份滞留流浪乞讨人员返乡情况", "及时送返"),
    (
        "效益指标",
        "社会效益指标",
        "为自愿前来救助站或由公安等部门护送至救助站的传销解救人员、打拐解救人员、家暴受害者等提供救助服务率",
        "≥ 95%",
    ),
    ("满意度指标", "服务对象满意度指标", "救助对象对社会救助实施的满意度", "≥ 88%"),
]
# The province's own table (新疆 全区, lines 218–252): the same 14 三级指标 in the same order, its
# values printed without the space. Its level cells slipped in extraction: 满意度指标 /
# 服务对象满意度指标 stand alone on the last line (252), below the indicator they belong to.
RELIEF_PROVINCE_TARGETS = ["应保尽保", "应救尽救", "应救尽救", "≥90%", "≥85%", "按要求合理确定调整", "≥95%",
                           "不低于上年", "≥90%", "≥95%", "有所提升", "及时送返", "≥95%", "≥88%"]  # fmt: skip
# 年度总体目标 of every seed 003 table: seven numbered goals, the first "1. 规范城乡低保政策实施,…".
RELIEF_GOALS = (7, "1. 规范城乡低保政策实施")
# 资金情况 of seed 003's tables are its 附件1 totals (RELIEF_TOTAL, RELIEF_SUBTOTALS): 年度金额 and
# 其中:中央财政下达 alike, 地方补助 blank.

# Seed 000: the central table (lines 10–123, 下达资金总额 8454, 其中：中央财政补助 8454, 地方资金
# blank) and 乌鲁木齐市's (lines 292–382: 550, 550, 0); both hold ELDERLY_INDICATORS' nine
# indicators and four numbered goals, the first "1.开展经济困难失能老年人等群体集中照护工作,…".
ELDERLY_GOALS = (4, "1.开展经济困难失能老年人等群体集中照护工作")
ELDERLY_TABLE_MONEY = {"central": ("8454", "8454", None), "乌鲁木齐市": ("550", "550", "0")}
