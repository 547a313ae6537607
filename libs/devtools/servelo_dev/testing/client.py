"""An HTTP client that talks to the real gateway with a tenant's host name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from multidict import CIMultiDictProxy


@dataclass
class ApiResponse:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None

    @property
    def error_body(self) -> dict[str, Any]:
        """An error answer without its `code` and `request_id`, after checking both are
        there as the contract says (`request_id` is the answer's `X-Request-Id`): what is
        left compares exactly with a reference's error body."""
        body = self.json
        assert isinstance(body, dict), self
        code, request_id = body.pop("code", None), body.pop("request_id", None)
        assert isinstance(code, str) and code.isidentifier() and code.islower(), self
        assert request_id and request_id == self.headers.get("X-Request-Id"), self
        return body

    def __repr__(self) -> str:
        return f"<ApiResponse {self.status} {self.text[:300]}>"


class ApiClient:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        host: str,
        token: str | None = None,
        *,
        client_ip: str | None = None,
    ) -> None:
        self.http, self.base_url, self.host, self.token = http, base_url, host, token
        # Sent as X-Forwarded-For (the test gateway trusts 127.0.0.1 as a proxy): the
        # address the gateway's and auth's per-address limits see; a request's own
        # X-Forwarded-For header wins.
        self.client_ip = client_ip
        self.user: dict[str, Any] = {}
        self.email = ""
        self.password = ""
        self.refresh_token = ""

    def with_token(self, token: str | None) -> ApiClient:
        return ApiClient(self.http, self.base_url, self.host, token, client_ip=self.client_ip)

    def on_host(self, host: str) -> ApiClient:
        return ApiClient(self.http, self.base_url, host, self.token, client_ip=self.client_ip)

    def on_gateway(self, base_url: str) -> ApiClient:
        """The same client through another gateway replica."""
        client = ApiClient(self.http, base_url, self.host, self.token, client_ip=self.client_ip)
        client.user, client.email, client.password = self.user, self.email, self.password
        client.refresh_token = self.refresh_token
        return client

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> ApiResponse:
        hdrs = {"Host": self.host}
        if self.client_ip:
            hdrs["X-Forwarded-For"] = self.client_ip
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        if json is not None:
            data = orjson.dumps(json)
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        async with self.http.request(
            method,
            self.base_url + path,
            data=data,
            headers=hdrs,
            params=params,
            allow_redirects=False,
        ) as resp:
            body = await resp.read()
            return ApiResponse(resp.status, resp.headers, body)

    async def get(self, path: str, **kw: Any) -> ApiResponse:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> ApiResponse:
        return await self.request("POST", path, **kw)

    async def put(self, path: str, **kw: Any) -> ApiResponse:
        return await self.request("PUT", path, **kw)

    async def patch(self, path: str, **kw: Any) -> ApiResponse:
        return await self.request("PATCH", path, **kw)

    async def delete(self, path: str, **kw: Any) -> ApiResponse:
        return await self.request("DELETE", path, **kw)
