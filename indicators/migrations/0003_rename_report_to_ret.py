# "report" means a document (报告) in this project; a return's lines now name their return "ret".

from django.db import migrations, models

CONSTRAINTS = [
    ("indicatoractual", "actual_unique_indicator", ("indicator",)),
    ("returnfunding", "funding_unique_source", ("source",)),
    ("returnnarrative", "narrative_unique_aspect", ("aspect",)),
]


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0002_returncomment_deadline"),
    ]

    operations = [
        *[migrations.RemoveConstraint(model_name=model, name=name) for model, name, _ in CONSTRAINTS],
        migrations.RenameField(model_name="returnfunding", old_name="report", new_name="ret"),
        migrations.RenameField(model_name="indicatoractual", old_name="report", new_name="ret"),
        migrations.RenameField(model_name="returnnarrative", old_name="report", new_name="ret"),
        migrations.RenameField(model_name="returncomment", old_name="report", new_name="ret"),
        *[
            migrations.AddConstraint(
                model_name=model, constraint=models.UniqueConstraint(fields=("ret", *rest), name=name)
            )
            for model, name, rest in CONSTRAINTS
        ],
        migrations.AlterModelOptions(
            name="indicatoractual",
            options={
                "ordering": ["ret", "indicator__order"],
                "verbose_name": "指标完成值",
                "verbose_name_plural": "指标完成值",
            },
        ),
        migrations.AlterModelOptions(
            name="returnfunding",
            options={"ordering": ["ret", "source"], "verbose_name": "资金执行", "verbose_name_plural": "资金执行"},
        ),
    ]
