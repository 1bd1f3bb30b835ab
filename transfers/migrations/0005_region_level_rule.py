"""A region sits exactly one level below its parent, levels 1 to 3, in the database itself.

Before this, only the region import checked it; a fourth level made in the admin silently
dropped out of every subtree query. The check constraint says "levels 1 to 3"; the trigger
(transfers.level_guard) says "one below the parent", which a check constraint cannot. A
database that already holds a region breaking the rule stops here, naming it: which way to
repair it is an operator's decision.
"""

from django.db import migrations, models
from django.db.models import F, Q

from transfers import level_guard


def check_then_install(apps, schema_editor):
    Region = apps.get_model("transfers", "Region")
    wrong = list(
        Region.objects.filter(parent__isnull=False)
        .exclude(level=F("parent__level") + 1)
        .values_list("code", "name")[:20]
    )
    if wrong:
        listed = "、".join(f"{code} {name}" for code, name in wrong)
        raise RuntimeError(
            f"这些区划的层级与上级不符，请先在管理后台改正其层级或上级，再运行迁移：{listed}"
        )
    level_guard.install(schema_editor)


def remove(apps, schema_editor):
    level_guard.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("transfers", "0004_region_in_code_list"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="region",
            constraint=models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=3),
                name="region_level_known",
                violation_error_message="层级应为1（省级）、2（地州市）或3（县市区）。",
            ),
        ),
        # Last: on SQLite the AddConstraint above remakes the table, which drops its triggers.
        migrations.RunPython(check_then_install, remove),
    ]
