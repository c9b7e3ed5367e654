"""docker-compose.yml: only the reverse proxy faces the network; the app knows it is behind one."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def public_ports(service: dict) -> list[str]:
    """Published ports not bound to the loopback interface."""
    return [
        str(port)
        for port in service.get("ports", [])
        if not str(port).startswith(("127.0.0.1:", "[::1]:"))
    ]


def test_only_the_proxy_publishes_ports():
    services = compose()["services"]
    exposed = {name for name, service in services.items() if public_ports(service)}
    assert exposed == {"proxy"}
    assert sorted(public_ports(services["proxy"])) == [
        "443:443",
        "443:443/udp",
        "80:80",
    ]
    assert "ports" not in services["web"]


def test_the_proxy_forwards_to_gunicorn_with_the_clients_address_and_scheme():
    proxy = compose()["services"]["proxy"]
    assert proxy["image"].startswith("caddy:2")
    assert any(v.endswith(":/etc/caddy/Caddyfile:ro") for v in proxy["volumes"])
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r"^\{\$SITE_DOMAIN:localhost\} \{", caddyfile, re.M)
    assert re.search(r"reverse_proxy web:8000", caddyfile)
    assert "header_up X-Forwarded-For {remote_host}" in caddyfile
    assert "header_up X-Forwarded-Proto {scheme}" in caddyfile


def test_the_app_trusts_exactly_the_one_proxy_in_front_of_it():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["TRUSTED_PROXY_COUNT"] == "1", name
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    web = services["web"]
    # HTTPS now ends at the proxy: the production defaults (redirect, secure cookies) hold.
    for relaxed in (
        "DJANGO_SECURE_SSL_REDIRECT",
        "DJANGO_SESSION_COOKIE_SECURE",
        "DJANGO_CSRF_COOKIE_SECURE",
    ):
        assert relaxed not in web["environment"]
    assert web["environment"]["SITE_URL"].startswith("https://")


def test_the_data_keys_have_a_database_and_volume_of_their_own():
    services = compose()["services"]
    assert services["keysdb"]["volumes"] == ["keysdata:/var/lib/postgresql/data"]
    assert "keysdata" in compose()["volumes"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert "@keysdb:5432/" in environment["KEYS_DATABASE_URL"], name
        assert services[name]["depends_on"]["keysdb"]["condition"] == "service_healthy"
    command = services["web"]["command"]
    assert command.index("migrate --database keys") < command.index(
        "migrate --no-input"
    )
