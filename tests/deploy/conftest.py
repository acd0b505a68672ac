"""The deployment, proven without a Docker engine: the image built as tests/deploy/image.py says,
once per run, for the tests that need it."""

import pytest

from tests.deploy import image


@pytest.fixture(scope="session")
def built_image(tmp_path_factory) -> dict[str, image.Stage]:
    return image.build(tmp_path_factory.mktemp("image"))
