"""Vacancies: open one (its workflow fans out to matching candidates), watch its counts and
matches, close it (vacancy messages not yet sent are cancelled).

`routes` speaks HTTP and calls `service`, which keeps the database and the vacancy's workflow
in step through the repositories; it imports no other domain's package.
"""
