"""The app's caches keyed by the data version: entries of older versions are dropped, not kept."""

import streamlit as st

from kpi.app import cache

calls: list[int] = []


@cache.cached_data(8)
def doubled(number: int) -> int:
    calls.append(number)
    return 2 * number


def test_a_newer_version_empties_the_versioned_caches(monkeypatch):
    monkeypatch.setitem(cache._newest, "version", 0)
    monkeypatch.setitem(st.session_state, cache.VERSION_KEY, 7)
    cache.forget_older_versions(7)
    assert doubled(21) == doubled(21) == 42
    assert calls == [21]  # the second call was served by the cache
    cache.forget_older_versions(7)  # the same version again, from another session: nothing dropped
    assert doubled(21) == 42 and calls == [21]
    cache.forget_older_versions(8)
    assert doubled(21) == 42 and calls == [21, 21]  # the entry of version 7 was dropped
