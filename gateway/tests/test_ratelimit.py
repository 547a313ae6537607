from gateway.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_the_limit_then_refuses_with_retry_after() -> None:
    clock = Clock()
    limiter = RateLimiter(10, 60.0, clock=clock)
    assert all(limiter.hit("k") == 0 for _ in range(10))
    wait = limiter.hit("k")
    assert 1 <= wait <= 6
    assert limiter.hit("other") == 0


def test_allowance_comes_back_over_time() -> None:
    clock = Clock()
    limiter = RateLimiter(10, 60.0, clock=clock)
    for _ in range(10):
        limiter.hit("k")
    assert limiter.hit("k") > 0
    clock.now += 6.0
    assert limiter.hit("k") == 0
    assert limiter.hit("k") > 0


def test_refused_requests_do_not_extend_the_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(1, 60.0, clock=clock)
    limiter.hit("k")
    for _ in range(100):
        limiter.hit("k")
    clock.now += 60.0
    assert limiter.hit("k") == 0


def test_zero_limit_disables_and_prune_forgets_idle_keys() -> None:
    assert RateLimiter(0).hit("k") == 0
    clock = Clock()
    limiter = RateLimiter(5, 60.0, clock=clock)
    limiter.hit("k")
    clock.now += 61
    limiter.prune()
    assert len(limiter) == 0


def test_zero_limit_states_no_policy() -> None:
    # A limit switched off (the benchmark's SERVELO_RATELIMIT_*=0) answered 400 on every
    # sign-in: its fields divided by a zero interval.
    limiter = RateLimiter(0)
    limiter.hit("k")
    assert limiter.headers(b"sign-in", "k") == b""
