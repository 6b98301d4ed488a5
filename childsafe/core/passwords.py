"""Password rules beyond Django's own validators (issue 10, item 4).

Django's common-password list holds "password123" but not "Password123!": a common word with a
capital, digits and a symbol added is what a guesser tries first. This refuses a password whose
letters, once the digits and symbols around them are taken away, are a common password."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


class CommonWordWithDecorationValidator:
    def __init__(self) -> None:
        self._common = CommonPasswordValidator()

    def validate(self, password: str, user: Any = None) -> None:
        core = _DECORATION.sub("", password.strip()).lower()
        if core and core != password.lower() and core in self._common.passwords:
            raise ValidationError(
                "This password is a common word with numbers or symbols added, which is among the first "
                "things a guesser tries. Choose a phrase of several unrelated words.",
                code="password_common_word",
            )

    def get_help_text(self) -> str:
        return "Your password can't be a common word with numbers or symbols added."
