from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_client_ids"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="auto_close",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "A case of this category is closed as soon as it is verified on site; otherwise a dispatcher "
                    "closes it."
                ),
                verbose_name="close once verified",
            ),
        ),
    ]
