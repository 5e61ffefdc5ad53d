import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample" / "zhungeer_150622.gpkg"


@pytest.fixture
def cfg(tmp_path):
    """A Config whose graph cache lives in the test's temporary folder."""
    from ruralenv.core import Config

    return Config(cache_dir=str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def sample_results(tmp_path_factory):
    """The whole pipeline run once on the bundled sample county."""
    from ruralenv.core import Config, run_pipeline

    if not SAMPLE.exists():
        pytest.fail(f"bundled sample missing: {SAMPLE}")
    out = tmp_path_factory.mktemp("sample_out")
    inputs = {k: f"{SAMPLE}:{k}" for k in ("villages", "roads", "facilities", "towns", "counties", "mines")}
    cfg = Config(cache_dir=str(out / "cache"))
    return run_pipeline(inputs, cfg, out_dir=out, write_map=False), out
