"""How a frame's URL meets stored files: as sent, without a query, as ``~/path``
for any scheme and host; how a map reference resolves next to its file."""

from __future__ import annotations

import base64

import pytest

from tocsin.issues.map_urls import candidates, data_url, map_reference, resolve


def test_it_tries_the_url_then_without_query_then_any_host() -> None:
    assert candidates("https://shop.example/static/js/app.js?v=3#x") == [
        "https://shop.example/static/js/app.js?v=3", "https://shop.example/static/js/app.js",
        "~/static/js/app.js?v=3", "~/static/js/app.js"]


def test_a_server_path_and_an_app_url_match_tilde_files() -> None:
    assert candidates("/srv/app/dist/server.js") == ["/srv/app/dist/server.js",
                                                     "~/srv/app/dist/server.js"]
    assert candidates("app:///dist/main.js") == ["app:///dist/main.js", "~/dist/main.js"]


def test_a_relative_name_matches_only_itself() -> None:
    assert candidates("main.js") == ["main.js"]


@pytest.mark.parametrize(("base", "reference", "resolved"), [
    ("~/static/js/app.js", "app.js.map", "~/static/js/app.js.map"),
    ("~/static/js/app.js", "../maps/app.js.map", "~/static/maps/app.js.map"),
    ("~/static/js/app.js", "/maps/app.js.map", "~/maps/app.js.map"),
    ("https://shop.example/js/app.js", "app.js.map", "https://shop.example/js/app.js.map"),
    ("https://shop.example/js/app.js", "https://cdn.example/m.map", "https://cdn.example/m.map"),
    ("~/app.js", "data:application/json;base64,e30=", "data:application/json;base64,e30="),
])
def test_a_map_reference_resolves_next_to_its_file(base: str, reference: str,
                                                   resolved: str) -> None:
    assert resolve(base, reference) == resolved


def test_the_last_source_mapping_comment_counts() -> None:
    code = b"x()\n//# sourceMappingURL=old.map\nmore()\n//# sourceMappingURL=app.js.map\n"
    assert map_reference(code) == "app.js.map"
    assert map_reference(b"//@ sourceMappingURL=legacy.map") == "legacy.map"
    assert map_reference(b'var s = "//# sourceMappingURL=" + x;') is None


def test_data_urls_decode_base64_and_percent_forms() -> None:
    encoded = base64.b64encode(b'{"version":3}').decode().rstrip("=")
    assert data_url(f"data:application/json;charset=utf-8;base64,{encoded}", 100) == (
        b'{"version":3}')
    assert data_url("data:application/json,%7B%7D", 100) == b"{}"
    with pytest.raises(ValueError, match="larger"):
        data_url("data:application/json;base64," + "A" * 400, 100)
