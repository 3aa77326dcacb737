"""Checks that infra/ provisions what the code uses, and nothing it does not.

Inputs: the manifest the code prints (tests/examples/infra_manifest.rs: tables,
routes, steps, state machines), the Terraform (parsed with python-hcl2),
schemas/openapi.json, schemas/{api,records}/*.schema.json,
workflows/definitions/*.asl.json and the environment variables the Lambda
crates read (found in their source).

    python consistency.py --root . --manifest manifest.json

Prints one line per check and closes with "N passed, N failed".
"""

import argparse
import glob
import json
import os
import re
import sys

import hcl2

CHECKS = []


def check(name):
    def register(fn):
        CHECKS.append((name, fn))
        return fn

    return register


def unquote(value):
    """python-hcl2 keeps string literals quoted: '"teams"' -> 'teams'."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [unquote(item) for item in value]
    if isinstance(value, dict):
        return {unquote(key): unquote(item) for key, item in value.items() if not key.startswith("__")}
    return value


class Infra:
    """The Terraform of infra/, as python-hcl2 reads it."""

    def __init__(self, root):
        self.dir = os.path.join(root, "infra")
        self.files = {}
        for path in sorted(glob.glob(os.path.join(self.dir, "*.tf"))):
            with open(path, encoding="utf-8") as handle:
                self.files[os.path.basename(path)] = hcl2.load(handle)
        self.locals = {}
        self.resources = []  # (file, type, name, body)
        for file, doc in self.files.items():
            for block in doc.get("locals", []):
                for key, value in block.items():
                    if not key.startswith("__"):
                        self.locals[key] = value
            for block in doc.get("resource", []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        self.resources.append((file, unquote(rtype), unquote(name), body))

    def local(self, name):
        return unquote(self.locals[name])

    def raw_local(self, name):
        return self.locals[name]

    def resources_of(self, rtype):
        return [(name, body) for _, t, name, body in self.resources if t == rtype]


# --- what the code says -------------------------------------------------------------


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


ACCESS_SCHEMES = {  # route table Access => the OpenAPI document's security scheme
    "public": None,
    "record-token": "accessToken",
    "admin": "admin",
    "stripe-signature": "stripeSignature",
}


def openapi_routes(doc):
    routes = {}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            security = operation.get("security") or []
            scheme = next(iter(security[0])) if security else None
            schema = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
            model = None
            if schema:
                model = schema["$ref"].rsplit("/", 1)[-1] if "$ref" in schema else schema.get("title")
            routes[f"{method.upper()} {path}"] = {
                "lambda": (operation.get("tags") or [None])[0],
                "scheme": scheme,
                "model": model,
            }
    return routes


def placeholder_of(step):
    """The HCL in functions.tf: join("", [for word in split("-", step) : title(word)]) + "FunctionArn"."""
    return "".join(word[:1].upper() + word[1:] for word in step.split("-")) + "FunctionArn"


# Crates compiled into the Lambda bootstrap binary (steps/lambda and what it
# depends on): the environment variables they read must be set by infra.
LAMBDA_CRATES = ["lambda", "app", "aws", "mail", "payments", "records", "ports", "core", "contracts"]

ENV_PATTERNS = [
    ("plain", re.compile(r'env::var(?:_os)?\(\s*"([A-Z][A-Z0-9_]+)"')),
    ("plain", re.compile(r'\b(?:var|required|set)\(\s*"([A-Z][A-Z0-9_]+)"')),
    ("plain", re.compile(r'const [A-Z0-9_]+_VAR: &str = "([A-Z][A-Z0-9_]+)"')),
    ("secret", re.compile(r'\bsecret\(\s*"([A-Z][A-Z0-9_]+)"')),
    ("optional-secret", re.compile(r'\boptional_secret\(\s*"([A-Z][A-Z0-9_]+)"')),
]

# Read by the code but deliberately not set by infra, and why.
PROVIDED_BY_LAMBDA = {
    "AWS_LAMBDA_FUNCTION_NAME": "set by the Lambda runtime",
    "AWS_SESSION_TOKEN": "set by the Lambda runtime (the role's session token; also the extension's auth token)",
    "AWS_REGION": "set by the Lambda runtime (the function's region; the SDK configuration reads it)",
}
OPTIONAL_UNSET = {
    "STRIPE_API_BASE": "points the Stripe adapter at the simulator in local runs; unset means api.stripe.com",
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "the extension's port; unset means its default, 2773",
    "AWS_ENDPOINT_URL": "points every AWS client at an emulator in tests; unset means AWS's own endpoints",
    "RUST_LOG": "the log filter (docs/lambda.md, Log levels); unset means info",
}
# Seed section 7 names these; the code finds the catalog by lookup instead
# (docs/decisions.md, "Stripe catalog and GST"), so none may be read or set.
REPLACED_BY_LOOKUP = [
    "STRIPE_TEAM_PRODUCT_ID",
    "STRIPE_SCHOLARSHIP_PRODUCT_ID",
    "STRIPE_CLUSTER1_PRODUCT_ID",
    "STRIPE_CLUSTER2_PRODUCT_ID",
    "STRIPE_CLUSTER3_PRODUCT_ID",
    "STRIPE_CLUSTER4_PRODUCT_ID",
    "STRIPE_MOCK_PREMIUM_PRODUCT_ID",
]
# Set by infra though no code reads it, and why.
SET_NOT_READ = {
    "SECRETS_GENERATION": "bumped to recycle instances after a secret changes (functions read secrets once per cold start)",
}


def code_env_reads(root):
    reads = {}
    for crate in LAMBDA_CRATES:
        for path in glob.glob(os.path.join(root, "steps", crate, "src", "**", "*.rs"), recursive=True):
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            # Unit tests sit in a trailing #[cfg(test)] module.
            text = text.split("#[cfg(test)]", 1)[0]
            for kind, pattern in ENV_PATTERNS:
                for name in pattern.findall(text):
                    reads.setdefault(name, (kind, os.path.relpath(path, root)))
    return reads











# --- the checks -------------------------------------------------------------------------


class Context:
    def __init__(self, root, manifest):
        self.root = root
        self.manifest = manifest
        self.infra = Infra(root)
        self.openapi = load_json(os.path.join(root, "schemas", "openapi.json"))
        self.definitions = {
            os.path.basename(path)[: -len(".asl.json")]: path
            for path in sorted(glob.glob(os.path.join(root, "workflows", "definitions", "*.asl.json")))
        }
        self.tables = self.infra.local("tables")
        self.api_functions = self.infra.local("api_functions")
        self.step_functions = self.infra.local("step_functions")
        self.campaign_tables = self.infra.local("campaign_tables")


def compare_sets(label, code, infra, code_name="the code", infra_name="infra"):
    problems = []
    for missing in sorted(set(code) - set(infra)):
        problems.append(f"{label} {missing!r} is in {code_name} but not in {infra_name}")
    for extra in sorted(set(infra) - set(code)):
        problems.append(f"{label} {extra!r} is in {infra_name} but not in {code_name}")
    return problems


@check("tables: the same fifteen tables, names and variables (steps/records/src/table.rs vs infra/tables.tf)")
def tables_match(ctx):
    code = {t["name"]: t for t in ctx.manifest["tables"]}
    infra = {t["name"]: t for t in ctx.tables.values()}
    problems = compare_sets("table", code, infra)
    for name in sorted(set(code) & set(infra)):
        if code[name]["envVar"] != infra[name]["env_var"]:
            problems.append(f"{name}: variable {code[name]['envVar']} in the code, {infra[name]['env_var']} in infra")
    return problems


@check("tables: keys, GSIs (hash and range) and TTL as the code uses them")
def keys_match(ctx):
    infra = {t["name"]: t for t in ctx.tables.values()}
    problems = []
    for table in ctx.manifest["tables"]:
        other = infra.get(table["name"])
        if other is None:
            continue
        if table["key"] != other["key"]:
            problems.append(f"{table['name']}: key {table['key']} in the code, {other['key']} in infra")
        if bool(table["ttl"]) != bool(other["ttl"]):
            problems.append(f"{table['name']}: ttl {table['ttl']} in the code, {other['ttl']} in infra")
        code_indexes = {i["name"]: (i["hash"], i["range"]) for i in table["indexes"]}
        infra_indexes = {i["name"]: (i["hash"], i["range"]) for i in other["indexes"]}
        problems += compare_sets(f"{table['name']} index", code_indexes, infra_indexes)
        for name in sorted(set(code_indexes) & set(infra_indexes)):
            if code_indexes[name] != infra_indexes[name]:
                problems.append(f"{table['name']}/{name}: keys {code_indexes[name]} in the code, {infra_indexes[name]} in infra")
    return problems


@check("tables: each key attribute's type (S/N) is the records' JSON type (schemas/records)")
def attribute_types(ctx):
    numbers = set(ctx.infra.local("number_attributes"))
    types = {}
    for path in glob.glob(os.path.join(ctx.root, "schemas", "records", "*.schema.json")):
        schema = load_json(path)
        for prop, spec in (schema.get("properties") or {}).items():
            if not isinstance(spec, dict):
                continue
            kinds = spec.get("type")
            if "$ref" in spec:
                target = spec["$ref"].rsplit("/", 1)[-1]
                kinds = (schema.get("$defs") or {}).get(target, {}).get("type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            for kind in kinds:
                if kind in ("integer", "number"):
                    types.setdefault(prop, set()).add("N")
                elif kind == "string":
                    types.setdefault(prop, set()).add("S")
    problems = []
    for table in ctx.tables.values():
        names = {table["key"]} | {i["hash"] for i in table["indexes"]} | {i["range"] for i in table["indexes"] if i["range"]}
        for name in sorted(names):
            declared = "N" if name in numbers else "S"
            seen = types.get(name)
            if seen and declared not in seen:
                problems.append(f"{table['name']}.{name}: {declared} in infra, {'/'.join(sorted(seen))} in the records")
    return problems


@check("functions: every API function of the route table has a function in infra, and every API function in infra serves a route")
def api_functions_match(ctx):
    code = {route["lambda"] for route in ctx.manifest["routes"]}
    return compare_sets("API function", code, ctx.api_functions, infra_name="infra/functions.tf api_functions")


@check("functions: every step of campaigns_app::steps::all() has a function campaigns-<step>, and every step function a handler")
def step_functions_match(ctx):
    problems = compare_sets(
        "step", [s["name"] for s in ctx.manifest["steps"]], ctx.step_functions,
        infra_name="infra/functions.tf step_functions (add it with the tables it touches)",
    )
    for step in ctx.manifest["steps"]:
        if step["function"] != f"campaigns-{step['name']}":
            problems.append(f"step {step['name']}: the code names its function {step['function']}, infra campaigns-{step['name']}")
        if step["placeholder"] != placeholder_of(step["name"]):
            problems.append(f"step {step['name']}: placeholder {step['placeholder']} in the code, {placeholder_of(step['name'])} in infra")
    return problems


@check("functions: each is deployed with the package the code assigns it (steps/lambda PACKAGES), and granted exactly its ports")
def packages_and_ports_match(ctx):
    infra = {**ctx.api_functions, **{f"campaigns-{step}": access for step, access in ctx.step_functions.items()}}
    known_packages = {package["name"] for package in ctx.manifest["packages"]}
    problems = []
    for function in ctx.manifest["functions"]:
        name = function["name"]
        access = infra.get(name)
        if access is None:
            continue  # reported by the checks above
        default = "api" if name in ctx.api_functions else "step"
        package = access.get("package", default)
        if package not in known_packages:
            problems.append(f"{name}: package {package!r} is not one of steps/lambda's {sorted(known_packages)}")
        elif package != function["package"]:
            problems.append(f"{name}: deployed with package {package!r}, the code assigns {function['package']!r}")
        ports = set(function["ports"])
        grants = {
            "Mail": bool(access.get("mail")),
            "Files": bool(access.get("uploads")),
            "Schedules": bool(access.get("schedules")),
            "Workflows": bool(access.get("start")) or bool(access.get("resume")),
            "Access": bool(access.get("access_events")),
        }
        for port, granted in grants.items():
            if granted and port not in ports:
                problems.append(f"{name}: infra grants {port} access, but its handlers do not declare the port")
            if port in ports and not granted:
                problems.append(f"{name}: its handlers declare {port}, but infra grants no access for it")
        # A change of access writes the event it owes, and crosses it off.
        if "Access" in ports and "access_events" not in str(access.get("write", [])):
            problems.append(f"{name}: its handlers declare Access, but it may not write the access_events table")
    return problems


@check("functions: every table and index a function may touch exists")
def access_refers_to_tables(ctx):
    problems = []
    by_id = ctx.tables
    for group in (ctx.api_functions, ctx.step_functions):
        for name, access in group.items():
            for field in ("read", "write"):
                value = access.get(field, [])
                if isinstance(value, str):  # an expression such as local.campaign_tables
                    value = ctx.campaign_tables if "campaign_tables" in value else []
                for table in value:
                    if table not in by_id:
                        problems.append(f"{name}: {field} names unknown table {table!r}")
            for ref in access.get("indexes", []):
                table, _, index = ref.partition("/")
                if table not in by_id or index not in {i["name"] for i in by_id[table]["indexes"]}:
                    problems.append(f"{name}: index {ref!r} does not exist")
            for machine in access.get("start", []):
                if machine not in ctx.definitions:
                    problems.append(f"{name}: starts {machine!r}, which has no definition")
    for machine in ctx.infra.local("scheduled_state_machines"):
        if machine not in ctx.definitions:
            problems.append(f"schedules start {machine!r}, which has no definition")
    return problems


@check("state machines: every definition is a state machine of the code and the reverse")
def state_machines_match(ctx):
    return compare_sets("state machine", ctx.manifest["stateMachines"], ctx.definitions,
                        infra_name="workflows/definitions (deployed by infra/state_machines.tf)")


@check("state machines: every ${...} placeholder of every definition is supplied by a step function")
def placeholders_supplied(ctx):
    supplied = {placeholder_of(step) for step in ctx.step_functions}
    problems = []
    for name, path in ctx.definitions.items():
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for placeholder in sorted(set(re.findall(r"\$\{([^}]*)\}", text))):
            if placeholder not in supplied:
                problems.append(f"{name}: ${{{placeholder}}} is not supplied (no step function for it)")
        if "%{" in text:
            problems.append(f"{name}: '%{{' is a templatefile directive; escape it as '%%{{'")
    return problems


@check("routes: schemas/openapi.json is the route table (method, path, function, access, request body)")
def openapi_is_route_table(ctx):
    doc = openapi_routes(ctx.openapi)
    code = {f"{r['method']} {r['path']}": r for r in ctx.manifest["routes"]}
    problems = compare_sets("route", code, doc, infra_name="schemas/openapi.json")
    for key in sorted(set(code) & set(doc)):
        route, entry = code[key], doc[key]
        if route["lambda"] != entry["lambda"]:
            problems.append(f"{key}: function {route['lambda']} in the code, {entry['lambda']} in the document")
        if ACCESS_SCHEMES[route["access"]] != entry["scheme"]:
            problems.append(f"{key}: access {route['access']} in the code, scheme {entry['scheme']} in the document")
        if route["request"] != entry["model"]:
            problems.append(f"{key}: request {route['request']} in the code, {entry['model']} in the document")
    return problems


@check("routes: infra builds every API Gateway method, integration and permission from the document's routes, and no other")
def api_routes_from_document(ctx):
    problems = []
    if "schemas/openapi.json" not in str(ctx.infra.raw_local("openapi")):
        problems.append("local.openapi does not read schemas/openapi.json")
    for rtype in ("aws_api_gateway_method", "aws_api_gateway_integration", "aws_lambda_permission"):
        for name, body in ctx.infra.resources_of(rtype):
            source = str(body.get("for_each", ""))
            if name == "route" and source != "${local.routes}":
                problems.append(f"{rtype}.{name} iterates {source}, not local.routes")
            if name not in ("route", "preflight"):
                problems.append(f"{rtype}.{name} is not derived from the document")
    for name, body in ctx.infra.resources_of("aws_api_gateway_method"):
        if name == "preflight" and str(body.get("http_method")) != '"OPTIONS"':
            problems.append("the preflight method is not OPTIONS")
    return problems


@check("routes: every route's function, access scheme and path depth is one infra can deploy")
def api_routes_deployable(ctx):
    doc = openapi_routes(ctx.openapi)
    authorization = ctx.infra.local("authorization")
    depth_blocks = [name for name, _ in ctx.infra.resources_of("aws_api_gateway_resource") if re.fullmatch(r"depth\d+", name)]
    problems = []
    for key, route in sorted(doc.items()):
        if route["lambda"] not in ctx.api_functions:
            problems.append(f"{key}: served by {route['lambda']}, which infra does not deploy")
        scheme = route["scheme"] or "public"
        if scheme not in authorization:
            problems.append(f"{key}: security scheme {scheme!r} has no authorization in infra/api.tf")
        elif (authorization[scheme] == "AWS_IAM") != (scheme == "admin"):
            problems.append(f"{key}: scheme {scheme} is authorized {authorization[scheme]} (only admin routes are IAM)")
        depth = len(key.split(" ", 1)[1].strip("/").split("/"))
        if depth > len(depth_blocks):
            problems.append(f"{key}: {depth} segments deep, infra/api.tf has resource blocks to depth {len(depth_blocks)}")
    return problems


@check("errors: API Gateway validates no request body, so every refusal is the function's, with field and rule")
def gateway_leaves_bodies_to_the_function(ctx):
    problems = []
    for name, body in ctx.infra.resources_of("aws_api_gateway_request_validator"):
        if str(body.get("validate_request_body")).lower() not in ("false", "none"):
            problems.append(f"aws_api_gateway_request_validator.{name} validates request bodies")
    for name, body in ctx.infra.resources_of("aws_api_gateway_method"):
        if body.get("request_models"):
            problems.append(f"aws_api_gateway_method.{name} has request models")
    for name, _ in ctx.infra.resources_of("aws_api_gateway_model"):
        problems.append(f"aws_api_gateway_model.{name}: API Gateway would validate with it")
    for name, body in ctx.infra.resources_of("aws_api_gateway_gateway_response"):
        if "BAD_REQUEST_BODY" in str(body.get("for_each", "")) + str(body.get("response_type", "")):
            problems.append(f"aws_api_gateway_gateway_response.{name} answers body validation failures itself")
    return problems


@check("alarms: every API function's error rate counts its 5xx answers, by the log line the code writes for each")
def api_server_errors_alarmed(ctx):
    with open(os.path.join(ctx.root, "steps", "lambda", "src", "api.rs"), encoding="utf-8") as handle:
        found = re.search(r'SERVER_ERROR_ALARM: &str = "([^"]+)"', handle.read())
    if not found:
        return ["steps/lambda/src/api.rs no longer names SERVER_ERROR_ALARM"]
    problems = []
    filters = dict(ctx.infra.resources_of("aws_cloudwatch_log_metric_filter"))
    server = filters.get("server_error")
    if server is None:
        return ["no aws_cloudwatch_log_metric_filter.server_error"]
    if str(server.get("for_each")) != "${local.api_functions}":
        problems.append("the server_error metric filter is not on every API function's log group")
    if f'alarm = \\"{found.group(1)}\\"' not in str(server.get("pattern")):
        problems.append(f"the server_error metric filter does not match alarm = {found.group(1)!r}: {server.get('pattern')}")
    alarm = dict(ctx.infra.resources_of("aws_cloudwatch_metric_alarm")).get("lambda_error_rate", {})
    if "aws_cloudwatch_log_metric_filter.server_error" not in str(alarm) or "answered_5xx" not in str(alarm):
        problems.append("the lambda_error_rate alarm does not add the server_error metric")
    return problems


def code_alarm_lines(root):
    """Every `alarm = X` field of a log line in the Lambda crates: the value
    and where it is written. X is a string literal or a `&str` constant,
    resolved in its own file first, then across the crates."""
    sources = {}
    for crate in LAMBDA_CRATES:
        for path in glob.glob(os.path.join(root, "steps", crate, "src", "**", "*.rs"), recursive=True):
            with open(path, encoding="utf-8") as handle:
                text = handle.read().split("#[cfg(test)]", 1)[0]
            # Comments name the alarms too; only code counts.
            sources[os.path.relpath(path, root)] = re.sub(r"//[^\n]*", "", text)
    constants = {}
    for path, text in sources.items():
        for name, value in re.findall(r'const ([A-Z][A-Z0-9_]*): &str = "([^"]*)"', text):
            constants.setdefault(name, []).append((path, value))
    lines, problems = {}, []
    for path, text in sources.items():
        for literal, constant in re.findall(r'\balarm\s*=\s*(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_:]*))', text):
            if literal:
                lines.setdefault(literal, set()).add(path)
                continue
            name = constant.rsplit("::", 1)[-1]
            found = constants.get(name, [])
            own = [value for where, value in found if where == path]
            values = own or sorted({value for _, value in found})
            if len(values) != 1:
                problems.append(f"{path}: alarm = {constant} does not resolve to one string constant ({values})")
                continue
            lines.setdefault(values[0], set()).add(path)
    return lines, problems


@check("alarms: every `alarm =` log line the code writes has a metric filter matching it and an alarm on that filter, and every such filter matches a line the code writes")
def alarm_lines_alarmed(ctx):
    lines, problems = code_alarm_lines(ctx.root)
    if not lines:
        problems.append("no `alarm =` log line found in the Lambda crates")
    filters = {}
    for name, body in ctx.infra.resources_of("aws_cloudwatch_log_metric_filter"):
        for value in re.findall(r'alarm = \\"([A-Za-z0-9_]+)\\"', str(body.get("pattern"))):
            filters.setdefault(value, []).append(name)
    alarms = ctx.infra.resources_of("aws_cloudwatch_metric_alarm")
    for value, where in sorted(lines.items()):
        names = filters.get(value)
        if not names:
            problems.append(f"alarm = {value!r} ({', '.join(sorted(where))}) has no metric filter")
            continue
        for filter_name in names:
            reference = f"aws_cloudwatch_log_metric_filter.{filter_name}"
            alarmed = [alarm for alarm, body in alarms if reference in str(body) and "aws_sns_topic.alarms" in str(body)]
            if not alarmed:
                problems.append(f"{reference} (alarm = {value!r}) is on no alarm that notifies the alarm topic")
    for value, names in sorted(filters.items()):
        if value not in lines:
            problems.append(f"metric filter {', '.join(names)} matches alarm = {value!r}, which no code logs")
    return problems


def dashboard_text(ctx, body):
    """A dashboard's body with every local it reads, as python-hcl2 reads them."""
    text = str(body.get("dashboard_body"))
    seen = set()
    while True:
        names = set(re.findall(r"\blocal\.([a-z_][a-z0-9_]*)", text)) - seen
        if not names:
            return text
        for name in sorted(names):
            seen.add(name)
            if name in ctx.infra.locals:
                text += str(ctx.infra.raw_local(name))


@check("metrics: every EMF metric the code emits is charted on a dashboard in its namespace, by its dimensions, for the code's campaigns")
def metrics_charted(ctx):
    dashboards = ctx.infra.resources_of("aws_cloudwatch_dashboard")
    if not dashboards:
        return ["no aws_cloudwatch_dashboard"]
    text = "".join(dashboard_text(ctx, body) for _, body in dashboards)
    problems = []
    if ctx.infra.local("metrics_namespace") != ctx.manifest["metricsNamespace"]:
        problems.append(f"local.metrics_namespace is {ctx.infra.local('metrics_namespace')!r}, the code's {ctx.manifest['metricsNamespace']!r}")
    if "local.metrics_namespace" not in text:
        problems.append("the dashboard does not chart local.metrics_namespace")
    problems += compare_sets("campaign", ctx.manifest["campaigns"], ctx.infra.local("metric_campaigns"),
                             infra_name="infra/dashboard.tf metric_campaigns")
    for metric in ctx.manifest["metrics"]:
        if f'"{metric["name"]}"' not in text:
            problems.append(f"metric {metric['name']} is emitted but not charted")
        for dimension in metric["dimensions"]:
            if f'"{dimension}"' not in text:
                problems.append(f"metric {metric['name']}: its dimension {dimension} is on no chart")
    return problems


@check("environment: every variable the Lambda crates read is set on the functions, and every one set is read")
def environment_set(ctx):
    expression = str(ctx.infra.raw_local("lambda_environment"))
    if "local.table_environment" not in expression:
        return ["lambda_environment does not include local.table_environment"]
    if "table.env_var" not in str(ctx.infra.raw_local("table_environment")):
        return ["table_environment is not built from local.tables' env_var"]
    set_names = infra_environment_names(ctx)
    reads = code_env_reads(ctx.root)
    for table in ctx.manifest["tables"]:
        reads.setdefault(table["envVar"], ("plain", "steps/records/src/table.rs"))
    problems = []
    satisfied = set()
    for name, (kind, where) in sorted(reads.items()):
        if name in PROVIDED_BY_LAMBDA or name in OPTIONAL_UNSET:
            continue
        if kind in ("secret", "optional-secret"):
            if name in set_names or f"{name}_ARN" in set_names:
                satisfied |= {name, f"{name}_ARN"}
            else:
                problems.append(f"{name} (read in {where}) is set neither as {name} nor as {name}_ARN")
            continue
        if name == "CAMPAIGNS_HANDLER" or name in set_names:
            satisfied.add(name)
        else:
            problems.append(f"{name} (read in {where}) is not set on the functions")
    for name in sorted(set_names - satisfied - set(SET_NOT_READ)):
        problems.append(f"{name} is set on the functions but no Lambda crate reads it")
    return problems


def infra_environment_names(ctx):
    """Every variable name infra sets on the functions."""
    names = set(re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", str(ctx.infra.raw_local("lambda_environment"))))
    names |= {t["env_var"] for t in ctx.tables.values()}
    for _, body in ctx.infra.resources_of("aws_lambda_function"):
        names |= set(re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", str(body.get("environment", ""))))
    return names


@check("environment: the seed's STRIPE_*_PRODUCT_ID variables are replaced by lookup: no Lambda crate reads one, infra sets none")
def product_ids_by_lookup(ctx):
    reads = code_env_reads(ctx.root)
    set_names = infra_environment_names(ctx)
    variables = " ".join(str(block) for doc in ctx.infra.files.values() for block in doc.get("variable", []))
    problems = []
    for name in REPLACED_BY_LOOKUP:
        if name in reads:
            problems.append(f"{name} is read in {reads[name][1]}; checkouts find Products by id and Prices by lookup key")
        if name in set_names:
            problems.append(f"{name} is set on the functions, though no code reads it")
        if name.lower() in variables.lower():
            problems.append(f"a Terraform variable is named after {name}, though no code reads it")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", required=True)
    parser.add_argument("--manifest", required=True)
    args = parser.parse_args()
    ctx = Context(os.path.abspath(args.root), load_json(args.manifest))
    passed = failed = 0
    for name, fn in CHECKS:
        problems = fn(ctx)
        if problems:
            failed += 1
            print(f"FAIL {name}")
            for problem in problems:
                print(f"     - {problem}")
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"consistency: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
