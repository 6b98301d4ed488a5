"""Control room: CR-1 to CR-5 (RULES.md). The guards and prompts live in incidents/services.py, where the
writes are; registering them here puts them in the engine's registry, and so in `childsafe rules`.

Report, 'Initial contact': control room staff use THRIVE and repeat it on new information; they can't
downgrade calls without a supervisor's approval; child-welfare calls don't go to the initial inquiry
team or a diary appointment; intelligence research of force systems before the child is graded.
"""

from __future__ import annotations

from childsafe.core import engine

SOURCE = "Report, 'Initial contact'."

engine.register(
    "CR-1",
    kind="guard",
    title="Downgrading an incident about a child needs a supervisor's approval, with the rationale",
    source=SOURCE + " Control room staff can't downgrade calls without a supervisor's approval.",
)
engine.register(
    "CR-2",
    kind="guard",
    title="A child-welfare incident is never allocated to the initial inquiry team or a diary appointment",
    source=SOURCE + " Calls about a child's welfare aren't assigned to the initial inquiry team.",
)
engine.register(
    "CR-3",
    kind="prompt",
    title="A THRIVE assessment for every child-concern incident and missing report; new information prompts "
    "a new one, and earlier ones are kept",
    source=SOURCE + " When new information is received, the THRIVE assessment is repeated.",
)
engine.register(
    "CR-4",
    kind="prompt",
    title="The intelligence check: everything held on the child, including on duplicate records, shown and "
    "kept before grading",
    source=SOURCE + " Initial intelligence research of force systems to establish risks and warning markers.",
)
engine.register(
    "CR-5",
    kind="prompt",
    title="Online abuse: the handler tells the caller how to keep the evidence on their devices, and it is recorded",
    source="Report, case study: officers secured and preserved evidence.",
)
