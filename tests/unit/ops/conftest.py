from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def _logging_enabled_afterwards():
    # bot.__main__.main() silences logging process-wide for quiet commands; later tests need it back.
    yield
    logging.disable(logging.NOTSET)
