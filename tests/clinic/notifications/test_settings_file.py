"""The clinic settings file's `notifications` section: read over the defaults, or refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clinic.settings.clinic_settings import ClinicSettingsError, load_clinic_settings
from clinic.settings.notification_settings import OnCallContact, QueueNotifications


def test_the_defaults() -> None:
    notifications = load_clinic_settings().notifications
    assert (notifications.staff_language, notifications.on_call) == ("en", ())
    assert (notifications.urgent_repeat_minutes, notifications.client_sender) == (10.0, None)
    assert set(notifications.queues) == {"intake", "family", "play", "dbt", "emdr", "couples"}
    assert notifications.for_queue("family") == QueueNotifications(None, 0.0)
    assert notifications.for_queue("not-configured") == QueueNotifications()


def test_a_clinic_file_sets_contacts_queues_and_minutes(tmp_path: Path) -> None:
    notifications = load_clinic_settings(_write(tmp_path, _OWN)).notifications
    assert notifications.staff_language == "es"
    assert notifications.on_call == (
        OnCallContact("On-call clinician", "oncall@clinic.example", "+15555550100"),
        OnCallContact("Second on call", None, "+15555550101"),
    )
    assert notifications.urgent_repeat_minutes == 2.5
    assert notifications.client_sender == "notices@example.org"
    assert notifications.for_queue("family") == QueueNotifications("family@clinic.example", 60.0)
    assert notifications.for_queue("dbt") == QueueNotifications(None, 0.0)  # default kept
    assert notifications.for_queue("play") == QueueNotifications(None, 0.0)  # digest left out


_OWN = """\
notifications:
  staff_language: es
  on_call:
    - {name: '  On-call clinician ', email: ' oncall@clinic.example', sms: '+15555550100'}
    - {name: Second on call, sms: '+15555550101'}
  urgent_repeat_minutes: 2.5
  client_sender: notices@example.org
  queues:
    family: {address: family@clinic.example, digest_minutes: 60}
    play: {address: null}
"""


def _write(tmp_path: Path, content: str) -> Path:
    own = tmp_path / "clinic.yaml"
    own.write_text(content)
    return own


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("notifications: null\n", "notifications: must be a mapping"),
        ("notifications: [a]\n", "notifications: must be a mapping"),
        ("notifications: {staff_language: fr}\n", "notifications.staff_language: must be one of"),
        ("notifications: {on_call: x}\n", "notifications.on_call: must be a list"),
        ("notifications: {on_call: [x]}\n", "notifications.on_call[0]: must be a mapping"),
        ("notifications: {on_call: [{email: a@b.org}]}\n", "notifications.on_call[0]: must be"),
        (
            "notifications: {on_call: [{name: A, email: a@b.org, pager: 1}]}\n",
            "notifications.on_call[0].pager: unknown key (use name, email, sms)",
        ),
        (
            "notifications: {on_call: [{name: A, email: nobody}]}\n",
            "notifications.on_call[0].email: must be an email address, got 'nobody'",
        ),
        (
            "notifications: {on_call: [{name: A, sms: ''}]}\n",
            "notifications.on_call[0].sms: must be a phone number or null",
        ),
        ("notifications: {on_call: [{name: A}]}\n", "notifications.on_call[0]: needs an email or"),
        (
            "notifications: {on_call: [{name: A, sms: '1'}, {name: A, sms: '2'}]}\n",
            "notifications.on_call: names must be different",
        ),
        (
            "notifications: {urgent_repeat_minutes: 0}\n",
            "notifications.urgent_repeat_minutes: must be a number of minutes of at least 0.01",
        ),
        (
            "notifications: {urgent_repeat_minutes: null}\n",
            "notifications.urgent_repeat_minutes: must be a number of minutes",
        ),
        (
            "notifications: {client_sender: 3}\n",
            "notifications.client_sender: must be an email address or null",
        ),
        ("notifications: {queues: [family]}\n", "notifications.queues: must map queue names to"),
        ("notifications: {queues: {family: 60}}\n", "notifications.queues.family: must be a"),
        (
            "notifications: {queues: {family: {digest: 60}}}\n",
            "notifications.queues.family.digest: unknown key (use address, digest_minutes)",
        ),
        (
            "notifications: {queues: {family: {digest_minutes: -1}}}\n",
            "notifications.queues.family.digest_minutes: must be a number of minutes of at least 0",
        ),
        (
            "notifications: {queues: {family: {digest_minutes: true}}}\n",
            "notifications.queues.family.digest_minutes: must be a number of minutes",
        ),
        (
            "notifications: {queues: {family: {address: family-team}}}\n",
            "notifications.queues.family.address: must be an email address",
        ),
    ],
)
def test_a_broken_section_is_refused_naming_the_key(
    tmp_path: Path, content: str, message: str
) -> None:
    with pytest.raises(ClinicSettingsError, match=re.escape(message)):
        load_clinic_settings(_write(tmp_path, content))


def test_every_problem_in_the_section_is_listed(tmp_path: Path) -> None:
    own = _write(
        tmp_path,
        "notifications:\n"
        "  on_call: [{name: A, email: nobody}]\n"
        "  queues: {family: {digest_minutes: -5}}\n",
    )
    with pytest.raises(ClinicSettingsError) as caught:
        load_clinic_settings(own)
    assert caught.value.key == "notifications.on_call[0].email"
    assert str(caught.value).splitlines() == [
        f"{own}: notifications.on_call[0].email: must be an email address, got 'nobody'",
        f"{own}: notifications.queues.family.digest_minutes: must be a number of minutes "
        "of at least 0, got -5",
    ]
