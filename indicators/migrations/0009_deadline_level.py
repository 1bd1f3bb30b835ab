"""Deadlines per level (#11): the region that sets a deadline, locking after it, unlocks, and a
record of each reminder sent. Existing deadlines were the province's, so they get the fund's
province as their region."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def province_sets_existing(apps, schema_editor):
    Deadline = apps.get_model("indicators", "Deadline")
    Fund = apps.get_model("transfers", "Fund")
    Deadline.objects.update(
        region_id=Subquery(Fund.objects.filter(pk=OuterRef("fund_id")).values("region_id")[:1])
    )
    if schema_editor.connection.vendor == "postgresql":
        # The foreign-key checks of that update are deferred; run them now, or PostgreSQL refuses
        # the ALTER TABLE below ("pending trigger events") in this same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0008_notification"),
        ("transfers", "0010_project_order"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="deadline",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadlines",
                to="transfers.region",
                verbose_name="设置地区",
            ),
        ),
        migrations.RunPython(province_sets_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="deadline",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadlines",
                to="transfers.region",
                verbose_name="设置地区",
            ),
        ),
        migrations.AddField(
            model_name="deadline",
            name="lock_after",
            field=models.BooleanField(
                default=False,
                help_text="截止日期过后未提交的填报不能再修改和提交，需上级审核员解锁。",
                verbose_name="逾期锁定",
            ),
        ),
        migrations.RemoveConstraint(model_name="deadline", name="deadline_unique_period"),
        migrations.AddConstraint(
            model_name="deadline",
            constraint=models.UniqueConstraint(
                fields=("fund", "period", "region"), name="deadline_unique_region_period"
            ),
        ),
        migrations.CreateModel(
            name="DeadlineUnlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.TextField(verbose_name="解锁原因")),
                (
                    "until",
                    models.DateField(
                        blank=True, help_text="留空表示一直有效。", null=True, verbose_name="解锁至"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="时间")),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="unlocks",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="解锁人",
                    ),
                ),
                (
                    "ret",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="unlocks",
                        to="indicators.return",
                        verbose_name="填报",
                    ),
                ),
            ],
            options={
                "verbose_name": "逾期解锁",
                "verbose_name_plural": "逾期解锁",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="SentReminder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=12, verbose_name="类型")),
                ("sent_on", models.DateField(verbose_name="发送日期")),
                (
                    "deadline",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sent_reminders",
                        to="indicators.deadline",
                        verbose_name="截止日期",
                    ),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sent_reminders",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="收件人",
                    ),
                ),
            ],
            options={
                "verbose_name": "已发提醒",
                "verbose_name_plural": "已发提醒",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("deadline", "recipient", "kind", "sent_on"), name="sent_reminder_once"
                    )
                ],
            },
        ),
    ]
