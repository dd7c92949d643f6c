"""The workspace's sign-in checks, pure: Telegram's initData as Telegram documents it, the
/web link's shape, and the workspace's texts in every language."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest

from bot.channels.web.auth import check_init_data, init_data_secret, link_coach, sign_init_data
from bot.channels.web.texts import check_web_texts, web_texts
from bot.dialogues.script import compare_texts
from bot.errors import ScriptError

TOKEN = "123456:ABC-secret"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
USER = '{"id":4242,"first_name":"Carla","language_code":"nl"}'


def fields(age_s: int = 10) -> dict[str, str]:
    return {"auth_date": str(int(NOW.timestamp()) - age_s), "query_id": "AAH1", "user": USER}


def test_the_secret_and_hash_are_telegrams() -> None:
    """secret = HMAC_SHA256(key="WebAppData", msg=token); hash = hex HMAC_SHA256(secret,
    the sorted key=value lines but hash), written out by hand here."""
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    assert init_data_secret(TOKEN) == secret
    values = fields()
    check = f"auth_date={values['auth_date']}\nquery_id=AAH1\nuser={USER}"
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    data = urlencode({**values, "hash": expected})
    assert sign_init_data(values, TOKEN) == data
    user = check_init_data(data, TOKEN, NOW, 3600)
    assert user is not None and user.user_id == 4242


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d.replace("Carla", "Mallo"),  # altered
        lambda d: d.replace("hash=", "hash=0"),  # forged hash
        lambda d: d + "&user=" + quote('{"id":1}'),  # a repeated field
        lambda d: "&".join(p for p in d.split("&") if not p.startswith("hash=")),  # no hash
        lambda d: "&".join(p for p in d.split("&") if not p.startswith("user=")),  # no user
        lambda d: "%%%",
    ],
)
def test_altered_or_incomplete_init_data_is_refused(tamper: object) -> None:
    data = sign_init_data(fields(), TOKEN)
    assert check_init_data(tamper(data), TOKEN, NOW, 3600) is None  # type: ignore[operator]


def test_another_bots_old_or_future_init_data_is_refused() -> None:
    assert check_init_data(sign_init_data(fields(), "999:other"), TOKEN, NOW, 3600) is None
    assert check_init_data(sign_init_data(fields(3601), TOKEN), TOKEN, NOW, 3600) is None
    assert check_init_data(sign_init_data(fields(-600), TOKEN), TOKEN, NOW, 3600) is None
    user_only = {"auth_date": fields()["auth_date"], "user": USER}  # no query id: still valid
    assert check_init_data(sign_init_data(user_only, TOKEN), TOKEN, NOW, 3600) is not None


def test_a_web_link_names_its_coach() -> None:
    assert link_coach(f"{4242:x}-" + "ab" * 18) == 4242
    for bad in ("", "x", "1092-short", "zz-" + "ab" * 18, "1092" + "ab" * 18, "1-" + "a" * 90):
        assert link_coach(bad) is None, bad


def test_the_workspace_speaks_both_languages_alike() -> None:
    check_web_texts()
    nl, en = web_texts("nl"), web_texts("en")
    assert set(nl.messages) == set(en.messages)
    assert nl("question_label", n=4, title="Boos of verdrietig") == "Vraag 4 · Boos of verdrietig"
    with pytest.raises(ScriptError, match="placeholders differ"):
        compare_texts("web.yaml", {"a": "{x}"}, {"a": "{y}"}, "en")
