# 资金情况 as a pasted or uploaded target table states it (the ledger still holds the money).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0003_rename_report_to_ret'),
    ]

    operations = [
        migrations.AddField(
            model_name='targettable',
            name='stated_central',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='目标表所列中央财政资金'),
        ),
        migrations.AddField(
            model_name='targettable',
            name='stated_local',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='目标表所列地方资金'),
        ),
        migrations.AddField(
            model_name='targettable',
            name='stated_total',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='目标表所列年度金额'),
        ),
    ]
