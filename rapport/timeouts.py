"""Every timeout and retry policy of the workflows, in one place."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

# A send talks to one SMTP server; a minute is generous, and a hung one must not block others.
SEND_TOUCH_START_TO_CLOSE = timedelta(seconds=30)

# A down SMTP server or database is retried with backoff for a long while: the greeting is
# still worth sending hours late within its day, and the touch is recorded either way.
SEND_TOUCH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=0,
    non_retryable_error_types=["PermanentDeliveryError", "InvalidTemplateError", "NoteRejected"],
)
SEND_TOUCH_SCHEDULE_TO_CLOSE = timedelta(hours=12)

# A run of a candidate workflow lasts at most this long before continue-as-new, so histories
# stay short even for candidates who are touched rarely.
RUN_LENGTH = timedelta(days=365)

# Activities that only touch PostgreSQL (open or close a task): quick, retried while the
# database is away.
DATABASE_START_TO_CLOSE = timedelta(seconds=15)
DATABASE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=0,
)

# Matching one page of candidates reads and writes a few hundred rows in well under a second;
# a short limit means a page lost with a crashed worker is retried soon.
MATCH_PAGE_START_TO_CLOSE = timedelta(seconds=20)
# The daily digest is one email per owner, thousands of owners in one run at most; it
# heartbeats per owner, so a worker lost in the middle is noticed in a minute and the retry
# skips the owners already served.
DIGEST_START_TO_CLOSE = timedelta(minutes=30)
DIGEST_HEARTBEAT = timedelta(minutes=1)
# Kept trying through an SMTP or database outage for the rest of the afternoon: a digest a few
# hours late is still today's.
DIGEST_SCHEDULE_TO_CLOSE = timedelta(hours=6)
# A digest missed while Temporal was down is still sent if it comes back within the working
# afternoon, not the next morning on top of that day's.
DIGEST_CATCHUP = timedelta(hours=6)
# A digest run that is somehow stuck gives way to the next day's (the schedule skips a run
# while the previous one is still going).
DIGEST_RUN_TIMEOUT = timedelta(hours=20)
# A fan-out page whose vacancy or campaign row is missing waits this many attempts (about four
# minutes with DATABASE_RETRY) for the API's commit, then fails the workflow.
NOT_COMMITTED_ATTEMPTS = 8
# Reading a country's public holidays from the library takes milliseconds; retried without end
# (a candidate plans nothing without them), with the backoff of the database activities.
CALENDAR_START_TO_CLOSE = timedelta(seconds=30)
CALENDAR_RETRY = DATABASE_RETRY

# Storing a candidate's status (a local activity: one upsert). Retried while the database is
# away, for as long as a frozen or restarting database plausibly stays away; after that the
# workflow goes on, and stores its status again at its next change.
STATUS_START_TO_CLOSE = timedelta(seconds=10)
STATUS_SCHEDULE_TO_CLOSE = timedelta(hours=1)
STATUS_RETRY = DATABASE_RETRY

# Reading one batch of a mailbox: a login, a search and a fetch, then one short transaction per
# message. It heartbeats between messages, so a worker lost mid-batch is noticed within the
# heartbeat timeout and the retry goes on from the position stored with the last message.
MAILBOX_READ_START_TO_CLOSE = timedelta(minutes=5)
MAILBOX_READ_HEARTBEAT = timedelta(seconds=30)
# Failures that a read does not report as the mailbox's health (the database away) are retried
# with the database activities' backoff; the loop never crash-loops on a mailbox's own error.
MAILBOX_READ_RETRY = DATABASE_RETRY
# A run reads this many times before continuing as new, so its history stays short.
MAILBOX_ITERATIONS_PER_RUN = 200
# After failed logins, the next try waits the poll interval times the failures in a row, up to
# this: a revoked password is not hammered (servers lock accounts for that).
MAILBOX_FAILURE_BACKOFF_MAX = timedelta(hours=1)
