"""The data versions (transfers.versions): a token per fund and one for the region tree.

The triggers that draw them are installed after every migrate by the apps' post_migrate
handlers (SQLite drops a remade table's triggers, so a migration alone would not keep them).
The funds already held get a first token here, so their pages are cached from the start.
"""

import secrets

from django.db import migrations, models


def first_tokens(apps, schema_editor):
    Fund = apps.get_model("transfers", "Fund")
    DataVersion = apps.get_model("transfers", "DataVersion")
    scopes = [0, *Fund.objects.values_list("pk", flat=True)]
    DataVersion.objects.bulk_create([DataVersion(scope=s, token=secrets.token_hex(16)) for s in scopes])


class Migration(migrations.Migration):
    dependencies = [
        ("transfers", "0012_central_fund"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("scope", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="范围")),
                ("token", models.CharField(max_length=32, verbose_name="版本")),
            ],
            options={
                "verbose_name": "数据版本",
                "verbose_name_plural": "数据版本",
            },
        ),
        migrations.RunPython(first_tokens, migrations.RunPython.noop),
    ]
