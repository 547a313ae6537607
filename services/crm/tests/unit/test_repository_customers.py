"""Client search patterns: the term is found literally, LIKE's wildcards included."""

from crm.repository.customers import like_pattern


def test_like_wildcards_in_the_term_are_taken_literally() -> None:
    assert like_pattern("100% dry_wall") == "%100\\% dry\\_wall%"
    assert like_pattern("back\\slash") == "%back\\\\slash%"
    assert like_pattern("ann") == "%ann%"
