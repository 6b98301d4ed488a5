from django.db import migrations


def seed(apps, schema_editor):
    from childsafe.core.language import DEFAULT_PHRASES

    LanguagePhrase = apps.get_model("core", "LanguagePhrase")
    for phrase, suggestion in DEFAULT_PHRASES:
        LanguagePhrase.objects.get_or_create(phrase=phrase, defaults={"suggestion": suggestion})


class Migration(migrations.Migration):
    dependencies = [("core", "0004_language_phrases")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
