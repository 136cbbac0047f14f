"""Typed SQLAlchemy models, one module per part of the schema. Personal data lives here and
nowhere else. Importing this package maps every model (relationships name each other by class).

It may import SQLAlchemy, `rapport.db.types` and `rapport.vocabulary`; nothing above the database.
"""

from rapport.db.models.access import ApiKey, AuditEntry
from rapport.db.models.base import NAMING_CONVENTION, Base
from rapport.db.models.candidates import Candidate, Erasure, Interaction, Invitation, Touch
from rapport.db.models.inbound import InboundRecord
from rapport.db.models.mailboxes import Mailbox
from rapport.db.models.messages import TemplateEdit
from rapport.db.models.outreach import Article, Task, TaskVacancy
from rapport.db.models.people import Person
from rapport.db.models.published import PublishedStatus
from rapport.db.models.vacancies import Campaign, Digest, Vacancy, VacancyMatch
from rapport.db.models.workspace import WorkspaceSetting

__all__ = [
    "NAMING_CONVENTION",
    "ApiKey",
    "Article",
    "AuditEntry",
    "Base",
    "Campaign",
    "Candidate",
    "Digest",
    "Erasure",
    "InboundRecord",
    "Interaction",
    "Invitation",
    "Mailbox",
    "Person",
    "PublishedStatus",
    "Task",
    "TaskVacancy",
    "TemplateEdit",
    "Touch",
    "Vacancy",
    "VacancyMatch",
    "WorkspaceSetting",
]
