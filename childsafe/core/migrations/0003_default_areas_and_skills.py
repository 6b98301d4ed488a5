from django.db import migrations

AREAS = [("city", "City of York"), ("west", "Western area"), ("east", "Eastern area")]
SKILLS = [
    ("aware_voc", "AWARE and voice of the child", "Training in recording children's vulnerability and views."),
    ("scaidp", "SCAIDP", "Specialist Child Abuse Investigator Development Programme accreditation."),
    ("visor", "ViSOR", "Trained to record in ViSOR, including risk management plans (RSO-8)."),
    ("specialist_interview", "Specialist interviewing", "Achieving best evidence (ABE) interviewing of children."),
    ("online_csa", "Online child sexual abuse investigation", "Accredited for online CSA investigations (INV-1)."),
    ("cse_investigation", "CSE investigation", "Accredited for child sexual exploitation investigations (INV-1)."),
]
TEAMS = [("Initial inquiry team", None, "initial_inquiry"), ("Diary appointments", None, "diary_appointment")]


def seed(apps, schema_editor):
    Area = apps.get_model("core", "Area")
    Skill = apps.get_model("core", "Skill")
    Team = apps.get_model("core", "Team")
    for code, name in AREAS:
        Area.objects.get_or_create(code=code, defaults={"name": name})
    for code, name, description in SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name": name, "description": description})
    for name, area, kind in TEAMS:
        Team.objects.get_or_create(name=name, defaults={"kind": kind})


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
