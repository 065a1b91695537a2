"""The HubSpot sandbox application: the routes of every API family, the request gate and the error handlers.

`create_hubspot_app` mounts the same endpoint classes under the v3/v4 paths and the 2026-03 ones, and puts a
gate in front of them: trailing slashes stripped (the SDK asks for `/crm/v3/owners/`), a correlation id on
every answer, bearer auth, then the rate limits. FastAPI's own validation and routing errors are rewritten
into HubSpot's envelope. Injected faults sit outside the gate, so they spend none of the real rate limits.
See /work/shared/reference/hubspot-api.md, sections 4, 6 and 8.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from sandbox.crm_schema import PORTAL_ID
from sandbox.faults import CONTROL_PREFIX, FaultMiddleware, Faults, add_control_routes
from sandbox.hubspot.associations import AssociationsApi
from sandbox.hubspot.errors import (
    CATEGORY_BY_STATUS,
    HubSpotError,
    HubSpotJSON,
    error_response,
    ok,
    rate_limit_body,
)
from sandbox.hubspot.metadata import MetadataApi
from sandbox.hubspot.objects import ObjectsApi
from sandbox.hubspot.portal import DEFAULT, Portal
from sandbox.hubspot.ratelimit import HubSpotLimits, RateGate, api_family, fault_responder, is_search
from sandbox.hubspot.renames import RenamedProperties
from sandbox.hubspot.store import HubSpotStore

OAUTH_HINT = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
    "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


def _objects_router(api: ObjectsApi, v3: bool) -> APIRouter:
    router = APIRouter()
    add = router.add_api_route
    add("/{object_type}", api.list_objects, methods=["GET"])
    add("/{object_type}", api.create_object, methods=["POST"])
    add("/{object_type}/search", api.search, methods=["POST"])
    add("/{object_type}/batch/read", api.batch_read, methods=["POST"])
    add("/{object_type}/batch/create", api.batch_create, methods=["POST"])
    add("/{object_type}/batch/update", api.batch_update, methods=["POST"])
    add("/{object_type}/batch/upsert", api.batch_upsert, methods=["POST"])
    add("/{object_type}/batch/archive", api.batch_archive, methods=["POST"])
    add("/{object_type}/{object_id}", api.read_object, methods=["GET"])
    add("/{object_type}/{object_id}", api.update_object, methods=["PATCH"])
    add("/{object_type}/{object_id}", api.archive_object, methods=["DELETE"])
    if v3:
        add("/{object_type}/{object_id}/associations/{to_type}", api.v3_associations, methods=["GET"])
    return router


def _record_links_router(api: AssociationsApi) -> APIRouter:
    """Per-record association paths: under /crm/v4/objects and /crm/objects/2026-03."""
    router = APIRouter()
    add = router.add_api_route
    add("/{object_type}/{object_id}/associations/{to_type}", api.list_links, methods=["GET"])
    add("/{object_type}/{object_id}/associations/default/{to_type}/{to_id}", api.put_default, methods=["PUT"])
    add("/{object_type}/{object_id}/associations/{to_type}/{to_id}", api.put_labelled, methods=["PUT"])
    add("/{object_type}/{object_id}/associations/{to_type}/{to_id}", api.delete_links, methods=["DELETE"])
    return router


def _type_pair_router(api: AssociationsApi) -> APIRouter:
    """Per-type-pair association paths: under /crm/v4/associations and /crm/associations/2026-03."""
    router = APIRouter()
    add = router.add_api_route
    add("/{from_type}/{to_type}/batch/read", api.batch_read, methods=["POST"])
    add("/{from_type}/{to_type}/batch/associate/default", api.batch_default, methods=["POST"])
    add("/{from_type}/{to_type}/labels", api.labels, methods=["GET"])
    return router


def _metadata_routes(app: FastAPI, api: MetadataApi) -> None:
    add = app.add_api_route
    for version in ("v3", "2026-03"):
        owners, pipelines, properties = (
            f"/crm/v3/{kind}" if version == "v3" else f"/crm/{kind}/{version}"
            for kind in ("owners", "pipelines", "properties")
        )
        add(owners, api.owners, methods=["GET"])
        add(owners + "/{owner_id}", api.owner, methods=["GET"])
        add(pipelines + "/{object_type}", api.pipelines, methods=["GET"])
        add(pipelines + "/{object_type}/{pipeline_id}", api.pipeline, methods=["GET"])
        add(properties + "/{object_type}", api.properties, methods=["GET"])
        add(properties + "/{object_type}/{name}", api.property, methods=["GET"])
    # pipelines 2026-09 (GA 9 Sep 2026; developers.hubspot.com/changelog/pipelines-api-v1-sunset)
    app.add_api_route("/crm/pipelines/2026-09/{object_type}", api.pipelines, methods=["GET"])
    app.add_api_route("/crm/pipelines/2026-09/{object_type}/{pipeline_id}", api.pipeline, methods=["GET"])
    for prefix in (
        "/crm-object-schemas/v3/schemas",
        "/crm/v3/schemas",
        "/crm-object-schemas/2026-03/schemas",
    ):
        add(prefix, api.schemas, methods=["GET"])
        add(prefix + "/{object_type}", api.schema, methods=["GET"])


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "message": str(problem.get("msg")),
            "in": ".".join(str(part) for part in problem.get("loc", ())),
            "code": str(problem.get("type")),
        }
        for problem in exc.errors()
    ]
    first = problems[0] if problems else {"message": "invalid request", "in": "body"}
    message = f"Invalid input JSON: {first['message']} at {first['in']}"
    return error_response(request, HubSpotError(400, message, errors=problems))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    category = CATEGORY_BY_STATUS.get(exc.status_code, "VALIDATION_ERROR")
    message = (
        f"No {request.method} route for {request.url.path}" if exc.status_code in (404, 405) else exc.detail
    )
    return error_response(request, HubSpotError(exc.status_code, str(message), category))


def _hubspot_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubSpotError)
    return error_response(request, exc)


def _gate(token: str, rates: RateGate) -> Callable[[Request, Any], Awaitable[Response]]:
    """Trailing slashes, correlation ids, bearer auth and rate limits for every API request."""
    expected = f"Bearer {token}".encode()

    async def gate(request: Request, call_next: Any) -> Response:
        path: str = request.scope["path"]
        if len(path) > 1 and path.endswith("/"):
            request.scope["path"] = path.rstrip("/") or "/"
        cid = str(uuid4())
        request.state.correlation_id = cid
        if path.startswith(CONTROL_PREFIX):
            return await call_next(request)  # type: ignore[no-any-return]
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), expected):
            message = OAUTH_HINT if not given else "The access token is not valid; check the token you sent."
            response: Response = HubSpotJSON(
                HubSpotError(401, message, "INVALID_AUTHENTICATION").body(cid),
                401,
                headers={"x-hubspot-auth-failure": "401 Unauthorized"},
            )
        else:
            admission = rates.admit(is_search(path))
            if admission.policy:
                response = HubSpotJSON(rate_limit_body(admission.policy, cid), 429)
                if admission.retry_after_s:
                    response.headers["Retry-After"] = str(admission.retry_after_s)
            else:
                response = await call_next(request)
            response.headers.update(admission.headers)
        response.headers["x-hubspot-correlation-id"] = cid
        return response

    return gate


def create_hubspot_app(
    engine: Engine,
    *,
    token: str = "sandbox-token",
    faults: Faults | None = None,
    limits: HubSpotLimits | None = None,
    seed: int = 7,
    portal: Portal = DEFAULT,
) -> FastAPI:
    """The HubSpot-compatible sandbox server over `engine` (tables from sandbox.db)."""
    limits = limits or HubSpotLimits()
    faults = faults or Faults(seed=seed)
    store = HubSpotStore(
        engine,
        links_touch=portal.links_touch,
        index_delay=timedelta(seconds=portal.search_index_delay_s),
    )
    app = FastAPI(title="HubSpot sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.router.redirect_slashes = False  # the gate strips trailing slashes instead of redirecting

    objects, links, metadata = (
        ObjectsApi(store, faults, limits, seed, portal),
        AssociationsApi(store, portal),
        MetadataApi(store, portal),
    )
    app.include_router(_objects_router(objects, v3=True), prefix="/crm/v3/objects")
    app.include_router(_objects_router(objects, v3=False), prefix="/crm/objects/2026-03")
    app.include_router(_record_links_router(links), prefix="/crm/v4/objects")
    app.include_router(_record_links_router(links), prefix="/crm/objects/2026-03")
    app.include_router(_type_pair_router(links), prefix="/crm/v4/associations")
    app.include_router(_type_pair_router(links), prefix="/crm/associations/2026-03")
    _metadata_routes(app, metadata)

    async def token_info(request: Request) -> Response:
        """POST /oauth/v2/private-apps/get/access-token-info {"tokenKey"}: the token's scopes
        (developers.hubspot.com/docs/api/private-apps, "retrieve a private app's access token info")."""
        body = await request.json() if await request.body() else {}
        if not isinstance(body, dict) or body.get("tokenKey") != token:
            raise HubSpotError(400, "The token key is not a valid private app access token.")
        scopes = list(portal.scopes)
        return ok({"userId": 9_100_001, "hubId": PORTAL_ID, "appId": 3_210_001, "scopes": scopes})

    app.add_api_route("/oauth/v2/private-apps/get/access-token-info", token_info, methods=["POST"])
    add_control_routes(app, faults)
    app.add_api_route(
        CONTROL_PREFIX + "/ui-extensions/{object_type}/{object_id}/associations/{to_type}",
        links.card_associations,
        methods=["GET"],
        include_in_schema=False,
    )

    app.add_exception_handler(HubSpotError, _hubspot_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    if portal.renamed:  # innermost: the gate and the faults see the request as the client sent it
        app.add_middleware(RenamedProperties, renamed=portal.renamed)
    app.middleware("http")(_gate(token, RateGate(limits)))
    # Added last, so outermost: injected faults do not consume the real rate limits.
    app.add_middleware(
        FaultMiddleware, faults=faults, error_response=fault_responder(limits), family=api_family
    )
    return app
