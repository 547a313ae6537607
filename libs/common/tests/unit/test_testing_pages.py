"""The test plugin's page walker follows the `Link` header the contract describes."""

from __future__ import annotations

import pytest
from servelo_dev.testing.pages import next_path


def test_next_path_is_the_links_path_and_query_on_any_host() -> None:
    link = '<http://acme.localhost:8080/api/customers?limit=2&cursor=abc%3D>; rel="next"'
    assert next_path(link) == "/api/customers?limit=2&cursor=abc%3D"
    assert next_path('</api/tickets>; rel="next"') == "/api/tickets"


def test_a_link_that_is_not_rel_next_is_refused() -> None:
    with pytest.raises(AssertionError):
        next_path('<http://acme.localhost/api/customers?cursor=x>; rel="prev"')
