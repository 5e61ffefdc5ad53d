"""The Processing algorithms take PostGIS layers: ``ruralenv:full_plan`` on the sample loaded into PostGIS
gives the core's numbers on the sample GeoPackage.

The fixture runs a private PostgreSQL cluster in a temporary folder (a unix socket there and 127.0.0.1 on a
free port, trust authentication), never the system's service. It needs PostgreSQL 15 with PostGIS 3
(Debian: ``apt-get install -y postgresql-15-postgis-3``) and ``ogr2ogr``; without them the test is skipped,
unless ``RURALENV_REQUIRE_QGIS=1`` makes that an error.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from ruralenv.core import Config, run_pipeline
from test_algorithms import assert_full_plan_matches, core_inputs

pytestmark = pytest.mark.usefixtures("qgis_app")

PG_BIN = Path("/usr/lib/postgresql/15/bin")
APT_HINT = "apt-get install -y postgresql-15-postgis-3"
KINDS = ("villages", "roads", "facilities", "towns", "counties", "mines")
DBNAME = "ruralenv"
USER = "postgres"


def _missing() -> str | None:
    """What is missing to run a private PostGIS cluster, or None."""
    for tool in ("initdb", "pg_ctl", "psql", "pg_config"):
        if not (PG_BIN / tool).exists():
            return f"{PG_BIN / tool} not found"
    share = subprocess.run([str(PG_BIN / "pg_config"), "--sharedir"], capture_output=True, text=True).stdout
    if not (Path(share.strip()) / "extension" / "postgis.control").exists():
        return "the PostGIS extension for PostgreSQL 15 is not installed"
    if shutil.which("ogr2ogr") is None:
        return "ogr2ogr not found"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser not found (PostgreSQL refuses to run as root)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*command: str) -> list[str]:
    """``command`` run as the postgres OS user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def _run(command: list[str], timeout: float = 60) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="module")
def postgis(sample):
    """A private PostGIS database holding every sample layer; yields its connection settings."""
    missing = _missing()
    if missing:
        message = f"PostGIS test needs PostgreSQL 15 with PostGIS: {missing}; install with `{APT_HINT}`"
        if os.environ.get("RURALENV_REQUIRE_QGIS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="ruralenv-pg-"))
    data, log = root / "data", root / "server.log"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        _run(_as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
                          "--encoding=UTF8", "--no-locale", "--no-sync"))
        _run(_as_postgres(*pg_ctl, "-l", str(log), "-w", "-t", "30", "-o",
                          f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off", "start"))
        started = True
        psql = [str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-v", "ON_ERROR_STOP=1",
                "-q", "-c"]
        _run([*psql, f"CREATE DATABASE {DBNAME}", "-d", "postgres"])
        _run([*psql, "CREATE EXTENSION postgis", "-d", DBNAME])
        _run(["ogr2ogr", "-f", "PostgreSQL", f"PG:host=127.0.0.1 port={port} dbname={DBNAME} user={USER}",
              str(sample), *KINDS, "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid", "-preserve_fid"],
             timeout=120)
        yield {"host": "127.0.0.1", "port": str(port), "dbname": DBNAME, "user": USER}
    finally:
        if started:
            subprocess.run(_as_postgres(*pg_ctl, "-m", "fast", "-w", "stop"), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def postgis_layer(db: dict, table: str):
    """The PostGIS table ``public.<table>`` as a QGIS layer of the postgres provider."""
    from qgis.core import QgsDataSourceUri, QgsVectorLayer

    uri = QgsDataSourceUri()
    uri.setConnection(db["host"], db["port"], db["dbname"], db["user"], "")
    uri.setDataSource("public", table, "geom", "", "fid")
    return QgsVectorLayer(uri.uri(False), table, "postgres")


def test_full_plan_on_postgis_layers_matches_core(postgis, sample, tmp_path):
    import processing
    from qgis.core import QgsVectorLayer

    layers = {kind: postgis_layer(postgis, kind) for kind in KINDS}
    for kind, layer in layers.items():
        assert layer.isValid(), f"{kind}: {layer.error().summary()}"
        assert layer.providerType() == "postgres"
        gpkg = QgsVectorLayer(f"{sample}|layername={kind}", kind, "ogr")
        assert layer.featureCount() == gpkg.featureCount() > 0, kind
        assert layer.crs() == gpkg.crs(), kind
    sinks = {f"OUTPUT_{n}": "TEMPORARY_OUTPUT" for n in ("VILLAGES", "ROADS", "FACILITIES", "COUNTIES",
                                                          "UNREACHABLE")}
    res = processing.run("ruralenv:full_plan", {**{k.upper(): layer for k, layer in layers.items()}, **sinks,
                                                 "OUTPUT_FOLDER": str(tmp_path / "report")})
    core = run_pipeline(core_inputs(sample, *KINDS), Config())
    assert_full_plan_matches(res, core)
    assert res["PAVE_KM_2025"] == pytest.approx(core.summary["region"]["pave_km_2025"])
