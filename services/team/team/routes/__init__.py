"""HTTP routes, one module per resource: who may call, parse, one service call, answer.
`ROUTES` is the whole team API; what the modules share comes from libs/common
(servelo_common.http, servelo_common.pagination) and team.domain (PLANNERS)."""

from __future__ import annotations

from team.routes import actuals, allocations, members, projects, roles, utilization

ROUTES = [
    *roles.ROUTES,
    *members.ROUTES,
    *utilization.ROUTES,
    *projects.ROUTES,
    *allocations.ROUTES,
    *actuals.ROUTES,
]
