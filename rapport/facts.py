"""From a stored candidate to the few facts its workflow may know."""

from __future__ import annotations

from rapport.db.models import Candidate
from rapport.outreach.state import CandidateFacts, SchedulePolicy
from rapport.settings import Settings
from rapport.vocabulary import Channel, EmailStatus, Rapport, RelationshipOrigin, SenderRole

CHANNELS = {channel.value: channel for channel in Channel}


def facts_from_candidate(candidate: Candidate) -> CandidateFacts:
    birthday = (
        f"{candidate.birthday_month:02d}-{candidate.birthday_day:02d}"
        if candidate.birthday_month and candidate.birthday_day
        else None
    )
    return CandidateFacts(
        candidate_id=str(candidate.id),
        timezone=candidate.timezone,
        country=candidate.country,
        owner_role=SenderRole(candidate.owner_role),
        owner=candidate.owner,
        relationship_origin=RelationshipOrigin(candidate.relationship_origin),
        rapport=Rapport(candidate.rapport),
        birthday=birthday,
        job_started_on=candidate.job_started_on.isoformat() if candidate.job_started_on else None,
        has_email=bool(candidate.email),
        has_linkedin=bool(candidate.linkedin_url),
        has_postal_address=bool(candidate.postal_address),
        enrolled_on=candidate.created_at.date().isoformat() if candidate.created_at else None,
        # Only the channels there are: any other key or name could never match one.
        consent={CHANNELS[k]: v for k, v in (candidate.consent or {}).items() if k in CHANNELS},
        opt_outs=[CHANNELS[name] for name in candidate.opt_outs or [] if name in CHANNELS],
        greetings_only=bool(candidate.greetings_only),
        email_status=EmailStatus(candidate.email_status or EmailStatus.UNKNOWN),
    )


def schedule_policy(settings: Settings) -> SchedulePolicy:
    start, end = settings.window
    return SchedulePolicy(
        window_start=start.strftime("%H:%M"),
        window_end=end.strftime("%H:%M"),
        send_days=list(settings.weekdays),
        min_days_between_touches=settings.min_days_between_touches,
        task_deadline_days=settings.task_deadline_days,
        note_provider=settings.note_provider,
        vacancy_batch_seconds=settings.vacancy_batch_minutes * 60,
        greeting_quiet_days=settings.greeting_quiet_days,
        # Not a setting: never two messages to one person on one day.
        one_touch_per_day=True,
    )
