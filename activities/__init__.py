"""Everything with I/O: database, templates, channel delivery."""
