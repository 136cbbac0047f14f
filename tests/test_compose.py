"""Static wiring checks for docker-compose.yml, the Dockerfile and .dockerignore.

No Docker engine is needed: the files are parsed and cross-checked against each other,
against the images' documented defaults and against the repository layout, so that a
renamed service, a wrong port or a typo in a command fails here instead of at deploy time.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
import shlex
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from rapport.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

POSTGRES = "postgresql"
TEMPORAL = "temporal"
TEMPORAL_SCHEMA_JOB = "temporal-admin-tools"
TEMPORAL_NAMESPACE_JOB = "temporal-create-namespace"
TEMPORAL_UI = "temporal-ui"
MAIL = "mailpit"
MIGRATE = "migrate"
API = "api"
WORKER = "worker"
APP_SERVICES = (MIGRATE, API, WORKER)
RUNTIME_SERVICES = (API, WORKER)
EXPECTED_SERVICES = {
    POSTGRES,
    TEMPORAL_SCHEMA_JOB,
    TEMPORAL,
    TEMPORAL_NAMESPACE_JOB,
    TEMPORAL_UI,
    MAIL,
    MIGRATE,
    API,
    WORKER,
}

SEARCH_ATTRIBUTES = {
    "CandidateStage": "Keyword",
    "NextOccasion": "Keyword",
    "NextTouchAt": "Datetime",
    "RelationshipOwner": "Keyword",
}

# Documented defaults of the images, used when the compose file does not override them.
TEMPORAL_FRONTEND_DEFAULT_PORT = 7233  # temporalio/server: FRONTEND_GRPC_PORT
TEMPORAL_UI_DEFAULT_PORT = 8080  # temporalio/ui: TEMPORAL_UI_PORT
MAILPIT_SMTP_PORT = 1025
MAILPIT_WEB_PORT = 8025
POSTGRES_PORT = 5432

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR and $$.
_INTERPOLATION = re.compile(
    r"\$\$"
    r"|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>(?:[^{}]|\{[^{}]*\})*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


def interpolate(value: str) -> str:
    """Resolve Compose interpolation as `docker compose config` would with no variables set.

    Required variables (`${VAR:?...}`) become `<VAR>` so that values depending on them can
    still be compared.
    """

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op = match.group("op") or ""
        arg = match.group("arg") or ""
        if op.endswith("-"):
            return interpolate(arg)
        if op.endswith("?"):
            return f"<{name}>"
        return ""

    return _INTERPOLATION.sub(replace, value)


@cache
def compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh)
    assert isinstance(loaded, dict), "docker-compose.yml must be a mapping"
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found = compose().get("services")
    assert isinstance(found, dict) and found, "docker-compose.yml has no services"
    return found


def service(name: str) -> dict[str, Any]:
    assert name in services(), f"service {name!r} missing from docker-compose.yml"
    return services()[name]


def env(name: str) -> dict[str, str]:
    raw = service(name).get("environment") or {}
    pairs: dict[str, str] = {}
    if isinstance(raw, list):
        for item in raw:
            key, _, value = str(item).partition("=")
            pairs[key] = value
    else:
        for key, value in raw.items():
            pairs[str(key)] = "" if value is None else str(value)
    return {key: interpolate(value) for key, value in pairs.items()}


def as_argv(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return shlex.split(interpolate(value))
    return [interpolate(str(part)) for part in value]


def command_text(name: str) -> str:
    svc = service(name)
    return " ".join(as_argv(svc.get("entrypoint")) + as_argv(svc.get("command")))


def all_command_text() -> str:
    return "\n".join(command_text(name) for name in services())


def depends_on(name: str) -> dict[str, str]:
    """Dependency name -> condition (short syntax means service_started)."""
    raw = service(name).get("depends_on") or {}
    if isinstance(raw, list):
        return {str(dep): "service_started" for dep in raw}
    return {
        str(dep): str((spec or {}).get("condition", "service_started")) for dep, spec in raw.items()
    }


def network_names(name: str) -> set[str]:
    """Names under which other containers on the default network reach a service."""
    svc = service(name)
    names = {name}
    for key in ("hostname", "container_name"):
        if svc.get(key):
            names.add(str(svc[key]))
    networks = svc.get("networks")
    if isinstance(networks, dict):
        for spec in networks.values():
            names.update(str(alias) for alias in (spec or {}).get("aliases", []))
    return names


def published_ports(name: str) -> list[tuple[str, int, int]]:
    """(host ip, host port, container port) for each published port of a service."""
    found: list[tuple[str, int, int]] = []
    for entry in service(name).get("ports") or []:
        if isinstance(entry, dict):
            if entry.get("published") is None:
                continue
            found.append(
                (
                    str(entry.get("host_ip", "")),
                    int(interpolate(str(entry["published"]))),
                    int(entry["target"]),
                )
            )
            continue
        text = interpolate(str(entry)).split("/")[0]
        parts = text.rsplit(":", 2)
        if len(parts) == 1:
            continue  # container port only: nothing fixed on the host
        host_ip = parts[0] if len(parts) == 3 else ""
        found.append((host_ip, int(parts[-2]), int(parts[-1])))
    return found


def host_port_for(name: str, container_port: int) -> int | None:
    for _, host, target in published_ports(name):
        if target == container_port:
            return host
    return None


def split_address(address: str) -> tuple[str, int]:
    parts = urlsplit(f"//{address}")
    assert parts.hostname and parts.port, f"{address!r} is not host:port"
    return parts.hostname, parts.port


def temporal_frontend_port() -> int:
    return int(env(TEMPORAL).get("FRONTEND_GRPC_PORT") or TEMPORAL_FRONTEND_DEFAULT_PORT)


def image_name_and_tag(image: str) -> tuple[str, str | None]:
    reference = interpolate(image).split("@", 1)[0]
    last = reference.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = reference.rsplit(":", 1)
        return name, tag
    return reference, None


def dockerfile_instructions() -> list[tuple[str, str]]:
    assert DOCKERFILE.is_file(), "Dockerfile missing at the repository root"
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, rest = stripped.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def dockerfile_cmd() -> list[str]:
    cmds = [rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"]
    assert cmds, "the Dockerfile has no CMD"
    last = cmds[-1]
    if last.startswith("["):
        argv = json.loads(last)
        assert isinstance(argv, list)
        return [str(part) for part in argv]
    return shlex.split(last)


def module_file(dotted: str) -> Path:
    base = ROOT.joinpath(*dotted.split("."))
    package = base / "__init__.py"
    return package if package.is_file() else base.with_suffix(".py")


def uvicorn_target(argv: list[str]) -> str:
    assert "uvicorn" in Path(argv[0]).name or argv[:3] == [
        "python",
        "-m",
        "uvicorn",
    ], f"{argv} does not run uvicorn"
    targets = [arg for arg in argv[1:] if re.fullmatch(r"[\w.]+:[\w]+", arg)]
    assert len(targets) == 1, f"no single module:attribute target in {argv}"
    return targets[0]


def option_value(argv: list[str], option: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg == option and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None


# --- services and dependencies -------------------------------------------------------------


def test_every_expected_service_is_defined() -> None:
    missing = EXPECTED_SERVICES - set(services())
    assert not missing, f"services missing from docker-compose.yml: {sorted(missing)}"


def test_every_depends_on_target_exists() -> None:
    valid = {"service_started", "service_healthy", "service_completed_successfully"}
    for name in services():
        for dep, condition in depends_on(name).items():
            assert dep in services(), f"{name} depends on unknown service {dep!r}"
            assert condition in valid, f"{name} -> {dep}: unknown condition {condition!r}"
            if condition == "service_healthy":
                assert "healthcheck" in service(dep), (
                    f"{name} waits for {dep} to be healthy, but {dep} has no healthcheck"
                )


def test_one_shot_jobs_finish_before_what_needs_them() -> None:
    assert depends_on(TEMPORAL).get(TEMPORAL_SCHEMA_JOB) == "service_completed_successfully"
    assert depends_on(TEMPORAL_SCHEMA_JOB).get(POSTGRES) == "service_healthy"
    assert depends_on(MIGRATE).get(POSTGRES) == "service_healthy"
    assert TEMPORAL in depends_on(TEMPORAL_NAMESPACE_JOB)
    for name in RUNTIME_SERVICES:
        deps = depends_on(name)
        assert deps.get(MIGRATE) == "service_completed_successfully", name
        assert TEMPORAL in deps, f"{name} does not wait for Temporal"
        assert deps.get(TEMPORAL_NAMESPACE_JOB) == "service_completed_successfully", name


def test_postgres_keeps_its_data_and_reports_health() -> None:
    svc = service(POSTGRES)
    volumes = [str(v) for v in svc.get("volumes") or []]
    named = set(compose().get("volumes") or {})
    assert any(v.split(":", 1)[0] in named for v in volumes), "PostgreSQL data is not on a volume"
    test = svc.get("healthcheck", {}).get("test")
    assert test and "pg_isready" in " ".join(as_argv(test)), (
        "PostgreSQL healthcheck lacks pg_isready"
    )


# --- Temporal --------------------------------------------------------------------------------


def test_app_services_reach_the_temporal_frontend() -> None:
    for name in RUNTIME_SERVICES:
        address = env(name).get("RAPPORT_TEMPORAL_ADDRESS", "")
        host, port = split_address(address)
        assert host in network_names(TEMPORAL), f"{name}: {address} is not the temporal service"
        assert port == temporal_frontend_port(), f"{name}: Temporal listens on another port"


def test_temporal_frontend_is_reachable_from_other_containers() -> None:
    # The server binds to 127.0.0.1 unless BIND_ON_IP says otherwise.
    assert env(TEMPORAL).get("BIND_ON_IP") in {"0.0.0.0", "::"}
    assert host_port_for(TEMPORAL, temporal_frontend_port()) == 7233


def test_temporal_persists_to_the_postgres_service() -> None:
    server = env(TEMPORAL)
    database = env(POSTGRES)
    assert server.get("DB") in {"postgres12", "postgres12_pgx"}, (
        "server DB plugin is not PostgreSQL"
    )
    assert server.get("POSTGRES_SEEDS") in network_names(POSTGRES)
    assert int(server.get("DB_PORT") or POSTGRES_PORT) == POSTGRES_PORT
    assert server.get("POSTGRES_USER") == database.get("POSTGRES_USER")
    assert server.get("POSTGRES_PWD") == database.get("POSTGRES_PASSWORD")


def test_schema_job_creates_and_migrates_both_temporal_databases() -> None:
    server = env(TEMPORAL)
    database = env(POSTGRES)
    script = command_text(TEMPORAL_SCHEMA_JOB)
    assert "temporal-sql-tool" in script
    assert re.search(rf"-u\s+{re.escape(database['POSTGRES_USER'])}\b", script)
    assert re.search(r"--plugin\s+postgres12\b", script)
    assert re.search(rf"--ep\s+({'|'.join(map(re.escape, network_names(POSTGRES)))})\b", script)
    assert env(TEMPORAL_SCHEMA_JOB).get("SQL_PASSWORD") == database.get("POSTGRES_PASSWORD")
    for db in (
        server.get("DBNAME", "temporal"),
        server.get("VISIBILITY_DBNAME", "temporal_visibility"),
    ):
        for step in (r"create(-database)?", r"setup-schema", r"update-schema"):
            assert re.search(rf"--db\s+{db}\s+{step}\b", script), f"{db}: no `{step}` step"
    assert "/schema/postgresql/v12/temporal/versioned" in script
    assert "/schema/postgresql/v12/visibility/versioned" in script


def test_namespace_job_creates_the_namespace_the_app_uses() -> None:
    script = command_text(TEMPORAL_NAMESPACE_JOB)
    for name in RUNTIME_SERVICES:
        namespace = env(name).get("RAPPORT_TEMPORAL_NAMESPACE")
        assert namespace, f"{name} has no RAPPORT_TEMPORAL_NAMESPACE"
        assert re.search(rf"namespace\s+create\s+--namespace\s+{namespace}\b", script)
        assert env(name).get("RAPPORT_TASK_QUEUE"), f"{name} has no RAPPORT_TASK_QUEUE"


def test_custom_search_attributes_are_registered_with_their_types() -> None:
    registered = dict(
        re.findall(
            r"search-attribute\s+create\b[^\n]*?--name\s+(\w+)\s+--type\s+(\w+)",
            all_command_text(),
        )
    )
    for attribute, kind in SEARCH_ATTRIBUTES.items():
        assert registered.get(attribute) == kind, f"{attribute} is not registered as {kind}"


def test_temporal_ui_points_at_the_temporal_service_and_is_on_8233() -> None:
    host, port = split_address(env(TEMPORAL_UI).get("TEMPORAL_ADDRESS", ""))
    assert host in network_names(TEMPORAL)
    assert port == temporal_frontend_port()
    ui_port = int(env(TEMPORAL_UI).get("TEMPORAL_UI_PORT") or TEMPORAL_UI_DEFAULT_PORT)
    assert host_port_for(TEMPORAL_UI, ui_port) == 8233, "the Web UI is not published on 8233"
    origins = env(TEMPORAL_UI).get("TEMPORAL_CORS_ORIGINS", "").split(",")
    assert {"http://localhost:8233", "http://127.0.0.1:8233"} & set(origins), (
        "the UI's allowed origins do not include where it is published"
    )


# --- database, mail, API -------------------------------------------------------------------


def test_app_services_set_only_settings_rapport_reads() -> None:
    known = {f"RAPPORT_{name.upper()}" for name in Settings.model_fields}
    for app in APP_SERVICES:
        settings = {key for key in env(app) if key.startswith("RAPPORT_")}
        assert settings - known == set(), f"{app}: settings Rapport does not read"
        values = {key.removeprefix("RAPPORT_").lower(): env(app)[key] for key in settings}
        # Every value (required ones as placeholders) passes the settings' own validation.
        read = Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
        assert (read.digest_time, read.digest_timezone) == ("17:00", "UTC")


def test_database_url_points_at_the_postgres_service_database_and_user() -> None:
    database = env(POSTGRES)
    user = database.get("POSTGRES_USER", "postgres")
    name = database.get("POSTGRES_DB") or user  # the image's documented fallback
    for app in APP_SERVICES:
        url = urlsplit(env(app).get("RAPPORT_DATABASE_URL", ""))
        assert url.scheme == "postgresql+psycopg", f"{app}: not a psycopg 3 SQLAlchemy URL"
        assert url.hostname in network_names(POSTGRES), f"{app}: host is not {POSTGRES}"
        assert (url.port or POSTGRES_PORT) == POSTGRES_PORT
        assert url.username == user, f"{app}: user {url.username!r} is not created by postgres"
        assert url.password == database.get("POSTGRES_PASSWORD"), f"{app}: password differs"
        assert url.path.lstrip("/") == name, f"{app}: database {url.path!r} is not created"


def test_smtp_goes_to_the_mail_catcher_and_its_web_page_is_published() -> None:
    assert "mailpit" in str(service(MAIL).get("image", ""))
    for name in RUNTIME_SERVICES:
        assert env(name).get("RAPPORT_SMTP_HOST") in network_names(MAIL)
        assert int(env(name).get("RAPPORT_SMTP_PORT") or 0) == MAILPIT_SMTP_PORT
        assert env(name).get("RAPPORT_MAIL_FROM"), f"{name} has no RAPPORT_MAIL_FROM"
    assert host_port_for(MAIL, MAILPIT_WEB_PORT) is not None, "Mailpit's web page is not published"


def test_api_is_published_on_8000_where_uvicorn_listens() -> None:
    argv = as_argv(service(API).get("command")) or dockerfile_cmd()
    listen = int(option_value(argv, "--port") or 8000)
    assert option_value(argv, "--host") == "0.0.0.0", "uvicorn only listens on loopback"
    assert host_port_for(API, listen) == 8000, "the API is not published on host port 8000"


def test_admin_api_key_is_never_an_empty_default() -> None:
    for name in RUNTIME_SERVICES:
        key = env(name).get("RAPPORT_ADMIN_API_KEY")
        assert key, f"{name}: RAPPORT_ADMIN_API_KEY resolves to nothing"


# --- images ----------------------------------------------------------------------------------


def test_images_are_pinned_and_auto_setup_is_gone() -> None:
    for name, svc in services().items():
        if "image" not in svc:
            assert "build" in svc, f"{name} has neither image nor build"
            continue
        image, tag = image_name_and_tag(str(svc["image"]))
        assert tag, f"{name}: image {image} has no tag (that means latest)"
        assert tag != "latest", f"{name}: image {image} uses the latest tag"
        assert not image.endswith("auto-setup"), f"{name}: {image} is deprecated"


def test_temporal_images_are_the_current_split_and_versions_agree() -> None:
    server, server_tag = image_name_and_tag(service(TEMPORAL)["image"])
    assert server.endswith("temporalio/server")
    for job in (TEMPORAL_SCHEMA_JOB, TEMPORAL_NAMESPACE_JOB):
        tools, tools_tag = image_name_and_tag(service(job)["image"])
        assert tools.endswith("temporalio/admin-tools"), job
        assert tools_tag == server_tag, f"{job} and the server run different Temporal versions"
    assert image_name_and_tag(service(TEMPORAL_UI)["image"])[0].endswith("temporalio/ui")


# --- Dockerfile ------------------------------------------------------------------------------


def test_built_services_use_the_repository_dockerfile() -> None:
    for name in APP_SERVICES:
        build = service(name).get("build")
        assert build is not None, f"{name} is not built from the Dockerfile"
        if isinstance(build, str):
            context, dockerfile = build, "Dockerfile"
        else:
            context, dockerfile = build.get("context", "."), build.get("dockerfile", "Dockerfile")
        path = (COMPOSE_FILE.parent / context / dockerfile).resolve()
        assert path == DOCKERFILE, f"{name} builds {path}, not {DOCKERFILE}"
        assert path.is_file()


def test_dockerfile_base_install_and_user() -> None:
    instructions = dockerfile_instructions()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert froms and froms[-1].split()[0] == "python:3.11-slim"
    assert any(
        keyword == "RUN" and re.search(r"pip install (\S+ )*\.(\s|$)", rest)
        for keyword, rest in instructions
    ), "the project is not installed with `pip install .`"
    users = [rest.split(":")[0] for keyword, rest in instructions if keyword == "USER"]
    assert users, "the image runs as root"
    assert users[-1] not in {"root", "0"}, "the image runs as root"
    assert any(keyword == "COPY" and rest.split()[0] == "." for keyword, rest in instructions)


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    assert DOCKERIGNORE.is_file(), ".dockerignore missing"
    patterns = {
        line.strip().rstrip("/").removeprefix("**/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for entry in (
        ".venv",
        ".rapport",
        ".git",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
    ):
        assert entry in patterns, f".dockerignore does not exclude {entry}"


def test_commands_name_code_that_exists() -> None:
    # API: the Dockerfile default and the compose command serve the same FastAPI app.
    compose_api = as_argv(service(API).get("command"))
    targets = {uvicorn_target(dockerfile_cmd())}
    if compose_api:
        targets.add(uvicorn_target(compose_api))
    assert len(targets) == 1, f"the Dockerfile and compose serve different apps: {targets}"
    module, attribute = targets.pop().split(":")
    source = module_file(module)
    assert source.is_file(), f"{module} ({source.relative_to(ROOT)}) does not exist"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    defined = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    } | {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    assert attribute in defined, f"{source.relative_to(ROOT)} defines no top-level {attribute!r}"

    # Worker: `python worker.py`, run from the source root (the image's WORKDIR).
    worker = as_argv(service(WORKER).get("command"))
    assert worker and Path(worker[0]).name.startswith("python"), f"worker runs {worker}"
    script = worker[1]
    assert (ROOT / script).is_file(), f"the worker runs {script}, which does not exist"

    # Migrations: `alembic upgrade head` reads alembic.ini from the source root.
    migrate = as_argv(service(MIGRATE).get("command"))
    assert migrate[:3] == ["alembic", "upgrade", "head"], f"migrate runs {migrate}"
    ini = ROOT / (option_value(migrate, "-c") or "alembic.ini")
    assert ini.is_file(), f"{ini.name} missing at the repository root"
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ini, encoding="utf-8")
    location = parser.get("alembic", "script_location", fallback="")
    location = location.replace("%(here)s", str(ROOT))
    assert location and (ROOT / location / "env.py").is_file(), (
        f"alembic.ini's script_location {location!r} has no env.py"
    )
