"""Incidents get the time they happened; every existing incident happened when it was recorded."""

from django.db import migrations, models
from django.db.models import F


def recorded_is_occurred(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Incident.objects.filter(occurred_at__isnull=True).update(occurred_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [
        migrations.AddField(model_name="incident", name="occurred_at", field=models.DateTimeField(null=True)),
        migrations.RunPython(recorded_is_occurred, migrations.RunPython.noop),
        migrations.AlterField(model_name="incident", name="occurred_at", field=models.DateTimeField()),
    ]
