"""Vacancies (HR; viewers read): the list, open or closed; opening one from a form checked by
the API's own `VacancyBody` and opened by the API's own service (its workflow fans out to the
candidates it matches), its findings beside each field; a vacancy's page with its counts and
its matches (score, the reasons the matching stored, what became of each) from PostgreSQL
alone; and closing it after a confirmation (pending vacancy messages are cancelled)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.app.access import PostedByWriter, Reader, Writer
from api.app.enrol_pages import findings
from api.app.render import page
from api.app.session import PATH
from api.auth import ADMIN, HR, Principal
from api.deps import SessionDep, SettingsDep, TemporalDep, id_or_404
from api.errors import Invalid
from api.vacancies import service as vacancies
from api.vacancies.schemas import VacancyBody
from rapport.db.models import Vacancy
from rapport.vocabulary import VacancyStatus

router = APIRouter(prefix="/vacancies")
TEXT_FIELDS = (
    "external_id", "title", "description", "seniority", "location", "hiring_manager",
    "owner_message", "url",
)  # fmt: skip
SENIORITIES = ("junior", "mid", "senior", "staff", "lead", "principal")
MATCHES_PER_PAGE = 50
DONE = {
    "opened": "Opened. Its workflow is matching candidates; each match is told through their "
    "own workflow, within their contact budget.",
    "existing": "Already open under that external id: this is the vacancy as opened.",
    "closed": "Closed. Vacancy messages not yet sent are cancelled.",
}


def can_write(principal: Principal) -> bool:
    return principal.role in (ADMIN, HR)


@router.get("")
async def vacancy_list(
    request: Request, principal: Reader, session: SessionDep, show: str = "open"
) -> Response:
    wanted = VacancyStatus(show) if show in set(VacancyStatus) else None
    context: dict[str, Any] = {
        "title": "Vacancies",
        "rows": await vacancies.listing(session, wanted),
        "show": wanted.value if wanted else "all",
        "can_write": can_write(principal),
    }
    return page(request, "vacancies.html", context)


def body_from(form: FormData) -> dict[str, Any]:
    """The vacancy body a form describes: blank fields left out, skills split at commas."""

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    body: dict[str, Any] = {name: text(name) for name in TEXT_FIELDS if text(name)}
    body["skills"] = [skill.strip() for skill in text("skills").split(",") if skill.strip()]
    body["remote"] = form.get("remote") == "yes"
    return body


def vacancy_form(
    request: Request,
    *,
    form: FormData | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)} if form is not None else {}
    context = {
        "title": "Open a vacancy",
        "values": values,
        "errors": errors or {},
        "seniorities": SENIORITIES,
    }
    return page(request, "vacancy_new.html", context, status_code=status_code)


@router.get("/new")
async def new_vacancy(request: Request, principal: Writer) -> Response:
    return vacancy_form(request)


@router.post("")
async def open_vacancy(
    request: Request,
    principal: PostedByWriter,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Response:
    """As `POST /api/vacancies`: the same body, the same service."""
    form = await request.form()
    try:
        body = VacancyBody.model_validate(body_from(form))
        vacancy, created = await vacancies.open_vacancy(session, temporal, settings, body)
    except (ValidationError, Invalid) as refused:
        return vacancy_form(
            request,
            form=form,
            errors=findings(refused),
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    done = "opened" if created else "existing"
    return RedirectResponse(
        f"{PATH}/vacancies/{vacancy.id}?done={done}", status_code=status.HTTP_303_SEE_OTHER
    )


async def load(session: SessionDep, vacancy_id: str) -> Vacancy:
    return await vacancies.load(session, id_or_404(vacancy_id, "vacancy"))


@router.get("/{vacancy_id}")
async def vacancy_page(
    request: Request,
    vacancy_id: str,
    principal: Reader,
    session: SessionDep,
    after: str | None = None,
    done: str | None = None,
) -> Response:
    vacancy = await load(session, vacancy_id)
    # A bad cursor is just the first page: the address is the workspace's own.
    cursor = after if after and after.isascii() and after.isdigit() and len(after) < 9 else None
    matches = await vacancies.matches(
        session, vacancy, owner=None, limit=MATCHES_PER_PAGE, cursor=cursor
    )
    context: dict[str, Any] = {
        "title": vacancy.title,
        "v": await vacancies.stored_out(session, vacancy),
        "matches": matches,
        "first_rank": int(cursor or 0) + 1,
        "can_write": can_write(principal),
        "done": DONE.get(done or ""),
    }
    return page(request, "vacancy.html", context)


@router.get("/{vacancy_id}/close")
async def confirm_close(
    request: Request, vacancy_id: str, principal: Writer, session: SessionDep
) -> Response:
    """Closing asks first: what it cancels, and that it cannot be undone."""
    context = {
        "title": "Close a vacancy",
        "v": await vacancies.stored_out(session, await load(session, vacancy_id)),
    }
    return page(request, "vacancy_close.html", context)


@router.post("/{vacancy_id}/close")
async def close_vacancy(
    request: Request,
    vacancy_id: str,
    principal: PostedByWriter,
    session: SessionDep,
    temporal: TemporalDep,
) -> Response:
    """As `POST /api/vacancies/{id}/close`; closing twice changes nothing."""
    vacancy = await load(session, vacancy_id)
    await vacancies.close(session, temporal, vacancy)
    return RedirectResponse(
        f"{PATH}/vacancies/{vacancy.id}?done=closed", status_code=status.HTTP_303_SEE_OTHER
    )
