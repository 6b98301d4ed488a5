"""Reads made once per page or per check (ADR 0053).

Inside `one_scope()`, a function marked `@per_scope` runs once for each set of arguments and hands the same
result to every caller; outside a scope it simply runs. It is for reads that several parts of one page
(or of one intelligence check) make for themselves: the child's records, an app's rows, the policy
settings. A scope lasts one page or one check, never longer, so nothing read here outlives the request
that read it. A caller must not change what it is handed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

_memo: ContextVar[dict[tuple[Hashable, ...], Any] | None] = ContextVar("childsafe_scope_memo", default=None)

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def one_scope() -> Iterator[None]:
    """Within this block each `per_scope` read runs once for the same arguments. Nested scopes share the
    outer one's reads."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _key(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Hashable, ...]:
    return (fn.__module__, fn.__qualname__, *(tuple(a) if isinstance(a, list) else a for a in args))


def per_scope(fn: Callable[P, R]) -> Callable[P, R]:
    """Positional arguments only (lists are keyed as tuples)."""

    @functools.wraps(fn)
    def read(*args: P.args, **kwargs: P.kwargs) -> R:
        memo = _memo.get()
        if memo is None or kwargs:
            return fn(*args, **kwargs)
        key = _key(fn, args)
        if key not in memo:
            memo[key] = fn(*args, **kwargs)
        result: R = memo[key]
        return result

    return read


def prime(fn: Callable[..., Any], *args: Any, value: Any) -> None:
    """Inside a scope, hand `value` to the next callers of `fn(*args)` (a read already made another way)."""
    memo = _memo.get()
    if memo is not None:
        target = getattr(fn, "__wrapped__", fn)
        memo[_key(target, args)] = value


def in_scope() -> bool:
    return _memo.get() is not None
