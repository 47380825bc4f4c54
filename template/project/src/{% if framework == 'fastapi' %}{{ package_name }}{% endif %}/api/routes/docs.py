"""The interactive view of the OpenAPI document (Swagger UI, from the pinned fastapi-offline
package: /docs needs no CDN)."""

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
assets = StaticFiles(packages=[("fastapi_offline", "static")])

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
    )


@router.get("/docs/")
async def docs_with_slash() -> RedirectResponse:
    return RedirectResponse("/docs", status_code=301)
