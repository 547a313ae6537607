"""Answering with domain objects: `XPublic` reads their attributes; the ETag comes along."""

from dataclasses import dataclass

import orjson
from servelo_common.http import resource, resources
from servelo_common.schemas import ApiOutput


@dataclass(frozen=True)
class Thing:
    id: int
    name: str
    secret: str = "not in the answer"

    @property
    def etag(self) -> str:
        return f'"{self.id}"'


class ThingPublic(ApiOutput):
    id: int
    name: str


def test_resource_is_the_public_model_with_the_etag() -> None:
    resp = resource(ThingPublic, Thing(1, "a"), status=201, headers={"Location": "/things/1"})
    assert resp.status_code == 201
    assert orjson.loads(resp.body) == {"id": 1, "name": "a"}
    assert (resp.headers["etag"], resp.headers["location"]) == ('"1"', "/things/1")


def test_resources_is_a_json_array() -> None:
    resp = resources(ThingPublic, [Thing(1, "a"), Thing(2, "b")], headers={"Link": "<x>"})
    assert orjson.loads(resp.body) == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]
    assert resp.headers["link"] == "<x>"
    assert orjson.loads(resources(ThingPublic, []).body) == []
