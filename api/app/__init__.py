"""The web workspace under `/app`: HTML pages for HR, owners and employees, signed in by a
session cookie (api/app/session.py), with a CSRF token on every form; `/api` stays JSON.

`routes` (the front door: sign-in, sign-out, `install`) includes the page modules
(`candidate_pages`, `enrol_pages`, `inbox_pages`), which speak HTTP and call the API's own
services (`api.candidates.service`, `api.candidates.lifecycle`, `api.tasks.service`) and this
package's `service`, the only module here that imports the repositories. Templates are in
`templates/` (not the message templates of the top-level `templates/`); htmx is vendored in
`static/htmx-<version>/`. Nothing else of the API imports this package but api/main.py.
"""
