"""Clinic settings: defaults from config/clinic.yaml, a clinic's own file over them."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from clinic import create_app
from clinic.settings.clinic_settings import ClinicSettingsError, load_clinic_settings
from tests.conftest import app_overrides


def test_the_defaults() -> None:
    settings = load_clinic_settings()
    assert [r.label.get() for r in settings.crisis_resources] == [
        "Call or text 988",
        "Chat at 988lifeline.org",
        "In an emergency, call 911",
    ]
    assert [r.href.get() for r in settings.crisis_resources if r.href] == [
        "tel:988",
        "https://988lifeline.org/chat/",
        "tel:911",
    ]
    assert [(r.label.get(), r.href.get()) for r in settings.domestic_violence_resources] == [
        ("Call 1-800-799-7233", "tel:18007997233"),
        ("Text START to 88788", "sms:88788?body=START"),
        ("In an emergency, call 911", "tel:911"),
    ]
    assert [(r.label.get(), r.href.get()) for r in settings.child_abuse_resources] == [
        ("Call or text 1-800-422-4453", "tel:18004224453"),
        ("In an emergency, call 911", "tel:911"),
    ]
    for resource in (*settings.domestic_violence_resources, *settings.child_abuse_resources):
        assert resource.label.get("es") != resource.label.get("en")
        assert resource.detail is not None and resource.detail.get("es") != resource.detail.get()
    assert settings.quick_exit_url == "https://weather.com"
    assert settings.safety_tips_url is None
    assert settings.draft_expiry_days == 14
    assert (settings.acute_autosubmit_minutes, settings.suicide_risk_autosubmit_minutes) == (15, 60)
    assert settings.privacy_notice_version == "2026-11"
    assert settings.response_time.get("es") == "en un plazo de 2 días hábiles"
    assert settings.name.get("fr") == settings.name.get("en")


def test_a_clinic_file_overrides_some_keys_and_keeps_the_rest(tmp_path: Path) -> None:
    own = tmp_path / "clinic.yaml"
    own.write_text(
        "name: Riverside Clinic\n"
        "quick_exit_url: https://www.bbc.co.uk/weather\n"
        "draft_expiry_days: 7\n"
        "crisis_resources:\n"
        "  - {label: Call Samaritans on 116 123, href: 'tel:116123'}\n"
        "domestic_violence_resources:\n"
        "  - {label: Call Refuge on 0808 2000 247, href: 'tel:08082000247'}\n"
        "child_abuse_resources:\n"
        "  - label: {en: Call Childline on 0800 1111, es: Llame a Childline al 0800 1111}\n"
        "    detail: For children and young people.\n"
        "    href: 'tel:08001111'\n"
        "response_time: {en: within a week}\n"
    )
    settings = load_clinic_settings(own)
    assert settings.name.get("es") == "Riverside Clinic"
    assert settings.quick_exit_url == "https://www.bbc.co.uk/weather"
    assert settings.draft_expiry_days == 7
    assert [r.label.get() for r in settings.crisis_resources] == ["Call Samaritans on 116 123"]
    [refuge] = settings.domestic_violence_resources
    assert (refuge.label.get("es"), refuge.detail) == ("Call Refuge on 0808 2000 247", None)
    [childline] = settings.child_abuse_resources
    assert childline.label.get("es") == "Llame a Childline al 0800 1111"
    assert (
        childline.detail is not None
        and childline.detail.get("es") == "For children and young people."
    )
    assert settings.response_time.get("es") == "en un plazo de 2 días hábiles"  # merged
    assert settings.time_to_complete.get() == "about 15 to 25 minutes"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("quick_exit_url: javascript:alert(1)\n", "quick_exit_url: must be a URL"),
        ("draft_expiry_days: 0\n", "draft_expiry_days: must be between 1 and 365"),
        ("crisis_resources: []\n", "crisis_resources: must be a non-empty list"),
        ("crisis_resources: [{label: x, href: 'http://x.org'}]\n", "crisis_resources[0].href"),
        ("domestic_violence_resources: []\n", "domestic_violence_resources: must be a non-empty"),
        ("domestic_violence_resources: null\n", "domestic_violence_resources: must be a non-empty"),
        (
            "domestic_violence_resources: [{label: x, href: 'javascript:alert(1)'}]\n",
            "domestic_violence_resources[0].href: must be a URL",
        ),
        ("child_abuse_resources: [{detail: no label}]\n", "child_abuse_resources[0]: must be a"),
        ("child_abuse_resources: [{label: x, phone: 1}]\n", "child_abuse_resources[0].phone"),
        ("child_abuse_resources: [{label: {es: Hola}}]\n", "child_abuse_resources[0].label: needs"),
        ("name: {es: ''}\n", "name: every language needs non-empty text"),
        ("name: {fr: Bonjour, en: Hello}\n", "name: unknown language 'fr'"),
        ("- a list\n", "must be a mapping"),
        ("acute_autosubmit_minutes: 4\n", "acute_autosubmit_minutes: must be between 5 and 1440"),
        (
            "suicide_risk_autosubmit_minutes: true\n",
            "suicide_risk_autosubmit_minutes: must be a whole number",
        ),
        (
            "acute_autosubmit_minutes: 30\nsuicide_risk_autosubmit_minutes: 20\n",
            "acute_autosubmit_minutes: must not be more than suicide_risk_autosubmit_minutes",
        ),
        (
            "crisis_autosubmit_minutes: 30\n",
            "crisis_autosubmit_minutes: was replaced by acute_autosubmit_minutes and "
            "suicide_risk_autosubmit_minutes",
        ),
    ],
)
def test_a_broken_file_is_refused_naming_the_key(
    tmp_path: Path, content: str, message: str
) -> None:
    own = tmp_path / "clinic.yaml"
    own.write_text(content)
    with pytest.raises(ClinicSettingsError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_clinic_settings(own)


def test_the_app_reads_the_file_named_by_clinic_settings(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "clinic.yaml"
    own.write_text("quick_exit_url: https://example.org/news\nname: Harbour Clinic\n")
    monkeypatch.setenv("CLINIC_SETTINGS", str(own))
    other = create_app(app_overrides(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "i"))
    page = other.test_client().get("/intake").get_data(as_text=True)
    assert "opens example.org in this tab at once" in page
    assert "Harbour Clinic" in page
    assert other.test_client().get("/intake/exit").location == "https://example.org/news"
    monkeypatch.setenv("CLINIC_SETTINGS", str(tmp_path / "missing.yaml"))
    with pytest.raises(ClinicSettingsError, match="cannot be read"):
        create_app(app_overrides(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "j"))


def test_telling_clients_the_expected_wait_is_off_unless_turned_on(tmp_path: Path) -> None:
    assert load_clinic_settings().expected_wait_on_confirmation is False
    own = tmp_path / "clinic.yaml"
    own.write_text("expected_wait_on_confirmation: true\n")
    assert load_clinic_settings(own).expected_wait_on_confirmation is True
    own.write_text('expected_wait_on_confirmation: "yes"\n')
    with pytest.raises(ClinicSettingsError, match="expected_wait_on_confirmation"):
        load_clinic_settings(own)
