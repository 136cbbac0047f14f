"""The content library that check-ins draw from.

`routes` speaks HTTP and calls `service`, which reads and writes through the repositories;
it imports no other domain's package.
"""
