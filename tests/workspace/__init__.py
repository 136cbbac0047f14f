"""The web workspace under /app, end to end on the dev stack: over HTTP, and in Chromium."""
