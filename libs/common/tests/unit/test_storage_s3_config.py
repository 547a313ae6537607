"""`SERVELO_STORAGE_URL=s3://...` and `SERVELO_S3_*`: complete settings or a clear start failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from servelo_common.storage import LocalStorage, S3Config, S3Settings, storage_from_url
from servelo_common.storage.s3 import S3Storage

KEYS = {"access_key_id": "AKID", "secret_access_key": SecretStr("s3cr3t")}


def settings(**kw: object) -> S3Settings:
    return S3Settings(**{**KEYS, **kw})  # type: ignore[arg-type]


def test_aws_uses_virtual_hosted_addressing() -> None:
    cfg = S3Config.from_url("s3://servelo-photos/prod/files", settings(region="eu-west-3"))
    assert cfg.base == "https://servelo-photos.s3.eu-west-3.amazonaws.com"
    assert cfg.host == "servelo-photos.s3.eu-west-3.amazonaws.com"
    assert (cfg.bucket_path, cfg.prefix, cfg.region) == ("", "prod/files/", "eu-west-3")


def test_an_endpoint_means_path_style() -> None:
    cfg = S3Config.from_url("s3://photos", settings(endpoint="http://minio:9000/"))
    assert (cfg.base, cfg.host, cfg.bucket_path, cfg.prefix) == (
        "http://minio:9000",
        "minio:9000",
        "/photos",
        "",
    )
    assert cfg.region == "us-east-1"


def test_secret_is_not_in_the_repr() -> None:
    assert "s3cr3t" not in repr(S3Config.from_url("s3://photos", settings()))


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SERVELO_S3_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("SERVELO_S3_SECRET_ACCESS_KEY", "s3cr3t")
    monkeypatch.setenv("SERVELO_S3_ENDPOINT", "https://acc.r2.cloudflarestorage.com")
    monkeypatch.setenv("SERVELO_S3_REGION", "auto")
    storage = storage_from_url("s3://photos/a", tmp_path)
    assert isinstance(storage, S3Storage)
    assert storage.config.base == "https://acc.r2.cloudflarestorage.com"
    assert storage.config.region == "auto"
    assert storage.spool_dir == tmp_path / "tmp"


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ({"access_key_id": None}, "SERVELO_S3_ACCESS_KEY_ID"),
        ({"secret_access_key": None}, "SERVELO_S3_SECRET_ACCESS_KEY"),
        ({"access_key_id": ""}, "SERVELO_S3_ACCESS_KEY_ID"),
    ],
)
def test_missing_credentials_fail_fast(missing: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        S3Config.from_url("s3://photos", settings(**missing))


def test_without_environment_s3_fails_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "ENDPOINT", "REGION"):
        monkeypatch.delenv(f"SERVELO_S3_{name}", raising=False)
    with pytest.raises(
        ValueError, match="SERVELO_S3_ACCESS_KEY_ID and SERVELO_S3_SECRET_ACCESS_KEY"
    ):
        storage_from_url("s3://photos/prefix", tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        "s3://",
        "s3://Upper",
        "s3://ab",
        "s3://key:secret@photos",
        "s3://photos?region=x",
        "s3://photos/../etc",
        "s3://photos/a b",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="SERVELO_STORAGE_URL"):
        S3Config.from_url(url, settings())


@pytest.mark.parametrize(
    "endpoint",
    [
        "minio:9000",
        "ftp://minio",
        "http://minio:9000/bucket",
        "http://u:p@minio",
        "http://minio?x=1",
    ],
)
def test_bad_endpoints_are_refused(endpoint: str) -> None:
    with pytest.raises(ValueError, match="SERVELO_S3_ENDPOINT"):
        S3Config.from_url("s3://photos", settings(endpoint=endpoint))


def test_bad_region_is_refused() -> None:
    with pytest.raises(ValueError, match="SERVELO_S3_REGION"):
        S3Config.from_url("s3://photos", settings(region="us east"))


def test_other_schemes_are_refused(tmp_path: Path) -> None:
    assert isinstance(storage_from_url(None, tmp_path), LocalStorage)
    with pytest.raises(ValueError, match=r"file:///path or s3://bucket/prefix"):
        storage_from_url("gs://photos", tmp_path)
