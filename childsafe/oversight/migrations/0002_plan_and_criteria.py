"""Pre-load the inspectorate's ten recommendations (2021 report, post-inspection review 2023) and the
default case-audit questions. Data, so the force edits them; the wording is the report's, abridged."""

from django.db import migrations

RECOMMENDATIONS = [
    ("R1", "Immediately review processes for incidents relating to child protection, paying particular attention to how control room staff make decisions on officer response.", "Initial contact"),
    ("R2", "Within three months, make sure officers obtain and record children's concerns and views (including their behaviour and demeanour).", "Initial contact"),
    ("R3", "Immediately improve missing children arrangements: a response consistent with the risks identified, effective supervision, safe and well checks, and sharing information with partners.", "Missing children"),
    ("R4", "Immediately work more closely with safeguarding partners and review the multi-agency risk management meetings for children at risk of exploitation.", "Child exploitation"),
    ("R5", "Within three months, review referral processes and supervision so that risk to children is identified and the right information is shared with the right people at the right time.", "Referrals"),
    ("R6", "Immediately improve child protection investigations: allocation to skilled officers, effective supervision, prompt referrals, support to multi-agency investigations, and regular audits of practice.", "Investigation"),
    ("R7", "Within three months, improve the understanding of CSE: staff awareness and skills, prompt responses, risk assessments of all the child's circumstances, supervision.", "Child exploitation"),
    ("R8", "Within three months, with partners: take children to an appropriate place of safety under police protection, investigate offences, and record and make accessible all relevant information.", "Police protection"),
    ("R9", "Immediately improve the management of registered sex offenders: recording, sharing with frontline officers and with children's social care.", "Offender management"),
    ("R10", "Within three months, review with partners how children are detained: appropriate adults attending promptly, children's needs and voices, referrals, and monitoring.", "Detention"),
]

CRITERIA = {
    "missing": [
        "Was the risk graded on all the information held, and the grade consistent with it?",
        "Was the investigation supervised, with direction recorded?",
        "Was a safe and well check done and the child's voice recorded?",
        "Was information shared with partners promptly?",
    ],
    "referral": [
        "Was the referral prompt and comprehensive, with the child's views and demeanour?",
        "Were other children in the household considered?",
        "Was the risk identified and shared with the right people at the right time?",
    ],
    "investigation": [
        "Was the investigation allocated to an officer with the skills and capacity?",
        "Did supervision reviews record the further work needed?",
        "Was a safeguarding referral made promptly?",
        "Was the investigation free of unexplained drift?",
    ],
    "protection": [
        "Was the child taken to an appropriate place of safety?",
        "Were offences properly investigated?",
        "Was the information recorded and made accessible?",
    ],
    "offender": [
        "Is the information on the offender's record complete and current?",
        "Were frontline officers told what they needed to know?",
        "Were contacts with children shared with children's social care?",
    ],
}


def load(apps, schema_editor):
    Recommendation = apps.get_model("oversight", "Recommendation")
    AuditCriterion = apps.get_model("oversight", "AuditCriterion")
    for reference, text, source in RECOMMENDATIONS:
        Recommendation.objects.get_or_create(
            reference=reference, defaults={"kind": "recommendation", "text": text, "source": source}
        )
    for case_type, questions in CRITERIA.items():
        for order, question in enumerate(questions):
            AuditCriterion.objects.get_or_create(case_type=case_type, question=question, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
