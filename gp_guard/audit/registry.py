"""Declaring checks and finding them all.

A check module under ``gp_guard/audit/checks/`` declares each check with the ``@check`` decorator;
``all_checks()`` imports every module there, so adding a module is all it takes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence

from gp_guard.audit.model import Area, Check, CheckFunc, CheckMeta, Outcome, Reference, Severity
from gp_guard.host import MACOS, PLATFORMS, WINDOWS, Host

_REGISTRY: dict[str, Check] = {}


def check(
    id: str,
    *,
    area: Area,
    severity: Severity,
    title: str,
    problem: str,
    why: str,
    fix: Mapping[str, Sequence[str]],
    platforms: Sequence[str] = PLATFORMS,
    references: Sequence[Reference] = (),
    settings: Mapping[str, str] | None = None,
    cnil_case: str | None = None,
    needs_admin: bool = False,
    network: bool = False,
    timeout: float = 20.0,
) -> Callable[[CheckFunc], CheckFunc]:
    """Register the decorated function as the check ``id``.

    ``title`` states the good state, ``problem`` what is wrong when the check fails, consequence
    first; both are ``N_()``-marked and must differ.
    """
    if not problem or problem == title:
        raise ValueError(f"{id}: a check needs a problem title that differs from its title")
    for platform in platforms:
        if platform not in fix and "all" not in fix:
            raise ValueError(f"{id}: no fix steps for {platform}")
    meta = CheckMeta(
        id=id,
        area=area,
        severity=severity,
        title=title,
        problem=problem,
        why=why,
        fix=dict(fix),
        platforms=tuple(platforms),
        references=tuple(references),
        settings=dict(settings or {}),
        cnil_case=cnil_case,
        needs_admin=needs_admin,
        network=network,
        timeout=timeout,
    )

    def register(func: CheckFunc) -> CheckFunc:
        if id in _REGISTRY and _REGISTRY[id].func.__qualname__ != func.__qualname__:
            raise ValueError(f"check id {id} declared twice")
        _REGISTRY[id] = Check(meta, func)
        return func

    return register


def all_checks() -> list[Check]:
    """Every declared check, sorted by id."""
    from gp_guard.audit import checks as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return sorted(_REGISTRY.values(), key=lambda c: c.id)


def per_platform(host: Host, windows: Callable[[Host], Outcome], macos: Callable[[Host], Outcome],
                 linux: Callable[[Host], Outcome]) -> Outcome:
    """Runs the part of a check written for the host's system (Linux and any other: ``linux``)."""
    if host.platform == WINDOWS:
        return windows(host)
    if host.platform == MACOS:
        return macos(host)
    return linux(host)
