"""Pre-load, beside the ten recommendations, the post-inspection review's (December 2022, published 2023)
findings that still needed work and the areas for improvement it named ("the force should ..."), each a short
paraphrase with the report's section, so the force's action plan tracks them as data (QG-4)."""

from django.db import migrations

REVIEW = "Post-inspection review, 2023"
FINDINGS = [
    ("PIR-1", "Control room decisions about vulnerable children are not yet informed by the intelligence held on force systems.", "Initial contact"),
    ("PIR-2", "Supervisors and line managers do not check their officers' PPNs.", "Initial contact"),
    ("PIR-3", "The response to missing children and the assessment of their risk are inconsistent; enquiries are not always effective and safeguarding is not always prioritised.", "Missing children"),
    ("PIR-4", "The specialist missing team is under-resourced and officers record on paper booklets that others cannot see.", "Missing children"),
    ("PIR-5", "Missing children's vulnerability and the risks to them are not consistently recorded on force systems.", "Missing children"),
    ("PIR-6", "The local authority is not always told promptly when a missing child returns.", "Missing children"),
    ("PIR-7", "No accurate intelligence profiles or clear strategy for CSE and CCE: the latest CSE profile dates from September 2020.", "Child exploitation"),
    ("PIR-8", "Data on exploitation risk is not used to direct resources against child exploitation.", "Child exploitation"),
    ("PIR-9", "Schools are told about pupils affected by domestic abuse (Operation Encompass) inefficiently and ineffectively.", "Referrals"),
    ("PIR-10", "Some complex investigations stay with inexperienced officers.", "Investigation"),
    ("PIR-11", "Supervision of investigations has improved but is inconsistent.", "Investigation"),
    ("PIR-12", "Excessive delays in obtaining digital forensic evidence.", "Investigation"),
    ("PIR-13", "Supervision of CSE investigations is not always effective: cases drift and other children's safeguarding is missed.", "Child exploitation"),
    ("PIR-14", "Responding officers do not always investigate offences against children taken into police protection.", "Police protection"),
    ("PIR-15", "Records of the use of police protection powers have improved but are still inconsistent.", "Police protection"),
    ("PIR-16", "Offender management managers do not supervise and direct their staff's work; offences are not consistently identified and enforced.", "Offender management"),
    ("PIR-17", "Referrals about registered offenders to children's social care are inconsistent.", "Offender management"),
    ("PIR-18", "Managers do not use the force's performance data to understand demand and allocate resources.", "Leadership"),
]
AREAS = [
    ("AFI-1", "Call handlers complete the missing child questionnaire and THRIVE, with research of force systems, for every missing child.", "Initial contact"),
    ("AFI-2", "Officers record children's ethnicity on PPNs, and VAT staff query it when it is missing.", "Referrals"),
    ("AFI-3", "Leaders monitor the VAT's operation so it stays effective as referrals rise.", "Referrals"),
    ("AFI-4", "Clear guidance on where strategy meeting decisions and actions are recorded, and checks that it is followed.", "Referrals"),
    ("AFI-5", "Officers treat exploited children as victims, not offenders.", "Child exploitation"),
    ("AFI-6", "Better communication and joint work between the exploitation and missing teams on CSE.", "Child exploitation"),
    ("AFI-7", "Ask safeguarding partners to share what they hold on exploitation, to understand the risk to children.", "Child exploitation"),
    ("AFI-8", "Supervisors review child sexual abuse investigations promptly, with action plans recorded and monitored.", "Investigation"),
    ("AFI-9", "Offender managers record offences as crimes; managers make sure through training and performance management.", "Offender management"),
    ("AFI-10", "Visits to registered offenders are unannounced where appropriate.", "Offender management"),
]


def load(apps, schema_editor):
    Recommendation = apps.get_model("oversight", "Recommendation")
    for kind, rows in (("finding", FINDINGS), ("afi", AREAS)):
        for reference, text, section in rows:
            Recommendation.objects.get_or_create(
                reference=reference, defaults={"kind": kind, "text": text, "source": f"{section} ({REVIEW})"}
            )


def unload(apps, schema_editor):
    Recommendation = apps.get_model("oversight", "Recommendation")
    Recommendation.objects.filter(reference__in=[r for r, _, _ in FINDINGS + AREAS], actions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("oversight", "0003_criterion_version_and_finding_kind")]
    operations = [migrations.RunPython(load, unload)]
