"""What files adds to the child's page (the latest photograph, documents) and the intelligence check."""

from __future__ import annotations

from childsafe.core import access, labels
from childsafe.core.clock import LONDON
from childsafe.core.roles import Capability
from childsafe.files import selectors
from childsafe.files.models import FileKind, PersonPhoto, PhotoSource
from childsafe.people.intelligence import Section
from childsafe.people.intelligence import provider as intelligence_provider
from childsafe.people.sections import PageSection
from childsafe.people.sections import provider as section_provider

labels.EVENTS.update(
    {
        "file.attach": "Attached a document",
        "file.photo": "Added a photograph",
        "file.download": "Downloaded a file",
        "file.thumbnail": "Viewed a photograph",
        "file.withdraw": "Withdrew a file",
        "file.body_map": "Recorded a body map",
        "missing.briefing.view": "Viewed a missing person briefing sheet",
        "missing.publicity_decide": "Decided on a publicity appeal",
    }
)
labels.VALUE_KEYS.update({"sha256": "Fingerprint (SHA-256)", "received_sha256": "Fingerprint as received (SHA-256)"})
labels.register_choices(FileKind)
labels.register_choices(PhotoSource)


@section_provider("files")
def files_page_section(person_ids: list[int], user) -> PageSection | None:  # type: ignore[no-untyped-def]
    photo = selectors.latest_photo(person_ids)
    documents = selectors.files_about(person_ids)
    can_attach = user is not None and access.can(user, Capability.FILE_ATTACH)
    if not (photo or documents or can_attach):
        return None
    return PageSection(
        "files",
        "Photograph and documents",
        "files/_person_section.html",
        data={
            "photo": photo,
            "documents": documents,
            "person_id": person_ids[0],
            "can_attach": can_attach,
            "can_withdraw": user is not None and access.can(user, Capability.FILE_WITHDRAW),
        },
        order=5,  # the photograph is the first thing a search team needs
    )


def _describe(photo: PersonPhoto) -> str:
    taken = photo.taken_at.astimezone(LONDON)
    return f"Latest photograph taken {taken:%-d %b %Y}, from {photo.get_source_display().lower()}"


# ADR 0065: a row when any of the records has a photograph (withdrawn ones too: the provider leaves those out).
_PROBE = "SELECT 1 FROM files_personphoto p WHERE p.person_id IN ({ids})"


@intelligence_provider("photograph", probe=_PROBE)
def photograph_section(cluster: list[int]) -> Section | None:
    photo = selectors.latest_photo(cluster)
    if photo is None:
        return None
    return Section(
        "photograph",
        "Photograph",
        [_describe(photo)],
        priority=1,
        data={"token": photo.image.token, "taken_at": photo.taken_at.isoformat(), "source": photo.source},
    )
