"""The flat repository's names, kept while the API moves onto `rapport.db.repositories`."""

from __future__ import annotations

from rapport.db.repositories.articles import (
    add_article as add_article,
)
from rapport.db.repositories.articles import (
    get_article_by_url as get_article_by_url,
)
from rapport.db.repositories.articles import (
    list_articles as list_articles,
)
from rapport.db.repositories.articles import (
    pick_article as pick_article,
)
from rapport.db.repositories.campaigns import (
    add_campaign as add_campaign,
)
from rapport.db.repositories.campaigns import (
    get_campaign as get_campaign,
)
from rapport.db.repositories.campaigns import (
    get_campaign_by_external_id as get_campaign_by_external_id,
)
from rapport.db.repositories.candidates import (
    REACHABLE_STAGES as REACHABLE_STAGES,
)
from rapport.db.repositories.candidates import (
    CandidateFilter as CandidateFilter,
)
from rapport.db.repositories.candidates import (
    Page as Page,
)
from rapport.db.repositories.candidates import (
    add_candidate as add_candidate,
)
from rapport.db.repositories.candidates import (
    candidates_page as candidates_page,
)
from rapport.db.repositories.candidates import (
    erase_candidate as erase_candidate,
)
from rapport.db.repositories.candidates import (
    escape_like as escape_like,
)
from rapport.db.repositories.candidates import (
    get_candidate as get_candidate,
)
from rapport.db.repositories.candidates import (
    get_candidate_by_external_id as get_candidate_by_external_id,
)
from rapport.db.repositories.candidates import (
    get_erasure as get_erasure,
)
from rapport.db.repositories.candidates import (
    list_candidates as list_candidates,
)
from rapport.db.repositories.digests import (
    digest_sent as digest_sent,
)
from rapport.db.repositories.digests import (
    record_digest as record_digest,
)
from rapport.db.repositories.digests import (
    undigested_matches as undigested_matches,
)
from rapport.db.repositories.interactions import (
    add_interaction as add_interaction,
)
from rapport.db.repositories.interactions import (
    get_interaction as get_interaction,
)
from rapport.db.repositories.invitations import (
    add_invitation as add_invitation,
)
from rapport.db.repositories.invitations import (
    count_invited as count_invited,
)
from rapport.db.repositories.invitations import (
    get_invitation as get_invitation,
)
from rapport.db.repositories.invitations import (
    invite_members as invite_members,
)
from rapport.db.repositories.tasks import (
    add_task as add_task,
)
from rapport.db.repositories.tasks import (
    get_task as get_task,
)
from rapport.db.repositories.tasks import (
    get_task_by_key as get_task_by_key,
)
from rapport.db.repositories.tasks import (
    list_tasks as list_tasks,
)
from rapport.db.repositories.touches import (
    get_touch_by_key as get_touch_by_key,
)
from rapport.db.repositories.touches import (
    last_touch_at as last_touch_at,
)
from rapport.db.repositories.touches import (
    list_touches as list_touches,
)
from rapport.db.repositories.touches import (
    record_touch as record_touch,
)
from rapport.db.repositories.touches import (
    set_touch_outcome as set_touch_outcome,
)
from rapport.db.repositories.vacancies import (
    CLOSED_BEFORE_SENT as CLOSED_BEFORE_SENT,
)
from rapport.db.repositories.vacancies import (
    DATED as DATED,
)
from rapport.db.repositories.vacancies import (
    REPLY_COUNTS_FOR_VACANCY as REPLY_COUNTS_FOR_VACANCY,
)
from rapport.db.repositories.vacancies import (
    add_vacancy as add_vacancy,
)
from rapport.db.repositories.vacancies import (
    draft_not_sent as draft_not_sent,
)
from rapport.db.repositories.vacancies import (
    get_vacancy as get_vacancy,
)
from rapport.db.repositories.vacancies import (
    get_vacancy_by_external_id as get_vacancy_by_external_id,
)
from rapport.db.repositories.vacancies import (
    list_matches as list_matches,
)
from rapport.db.repositories.vacancies import (
    mark_replied as mark_replied,
)
from rapport.db.repositories.vacancies import (
    match_counts as match_counts,
)
from rapport.db.repositories.vacancies import (
    matches_for as matches_for,
)
from rapport.db.repositories.vacancies import (
    pending_matches as pending_matches,
)
from rapport.db.repositories.vacancies import (
    save_matches as save_matches,
)
from rapport.db.repositories.vacancies import (
    set_match_status as set_match_status,
)
from rapport.db.repositories.vacancies import (
    skip_reasons as skip_reasons,
)
from rapport.db.repositories.vacancies import (
    vacancies_in_key as vacancies_in_key,
)
