from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.clinic.intake.walker import IntakeWalker


@pytest.fixture
def walker(client: FlaskClient) -> IntakeWalker:
    return IntakeWalker(client)
