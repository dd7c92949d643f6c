"""Every Redis key the bot writes has one format, built in bot/storage/keys.py: pinned here, so
a change of layout is a deliberate one (data written under the old keys would be orphaned)."""

from __future__ import annotations

from bot.storage.keys import (
    DATA_KEYS,
    LIMITS_PREFIX,
    SEND_SCHEDULE,
    TERMINAL_CLOCK_OFFSET,
    TERMINAL_EVENTS,
    WORKERS,
    PartitionKeys,
    UserKeys,
    partition_of,
    user_of,
    web_attempts,
    web_init_data_used,
    web_login_used,
    web_session,
)


def test_user_keys_carry_the_partition_hash_tag() -> None:
    keys = UserKeys(7000001, partitions=16)
    assert partition_of(7000001, 16) == 1
    assert keys.doc == "llinc:v1:{p001}:u:7000001:doc"
    assert keys.state == "llinc:v1:{p001}:u:7000001:state"  # the old layout, still read
    assert keys.seen == "llinc:v1:{p001}:u:7000001:seen"
    assert keys.lock == "llinc:v1:{p001}:u:7000001:lock"
    assert keys.data_key == "llinc:v1:{p001}:u:7000001:datakey"
    assert keys.all() == [keys.doc, keys.state, keys.seen, keys.lock, keys.data_key]
    assert user_of(keys.data_key) == 7000001
    assert user_of(keys.state.encode()) == 7000001


def test_partition_keys() -> None:
    part = PartitionKeys(12)
    assert part.tag == "{p012}"
    assert part.ingress == "llinc:v1:{p012}:ingress"
    assert part.outbox == "llinc:v1:{p012}:outbox"
    assert part.outbox_for("telegram") == "llinc:v1:{p012}:outbox:telegram"
    assert part.outbox_for("internal") == "llinc:v1:{p012}:outbox:internal"
    assert part.jobs == "llinc:v1:{p012}:jobs"
    assert part.job_data == "llinc:v1:{p012}:jobdata"
    assert part.jobs_running == "llinc:v1:{p012}:jobs:running"
    assert part.lease == "llinc:v1:{p012}:ingress:owner"


def test_global_keys() -> None:
    assert WORKERS == "llinc:v1:global:workers"
    assert LIMITS_PREFIX == "llinc:v1:global:limits"
    assert SEND_SCHEDULE == "llinc:v1:global:limits:bot"
    assert TERMINAL_EVENTS == "llinc:v1:global:terminal:events"
    assert TERMINAL_CLOCK_OFFSET == "llinc:v1:global:terminal:clock-offset-s"
    assert DATA_KEYS == "llinc:v1:*:u:*:datakey"


def test_web_keys_name_digests_never_tokens() -> None:
    assert web_session("ab12") == "llinc:v1:global:web:session:ab12"
    assert web_login_used("ab12") == "llinc:v1:global:web:login-used:ab12"
    assert web_init_data_used("ab12") == "llinc:v1:global:web:initdata-used:ab12"
    assert web_attempts("ab12") == "llinc:v1:global:web:attempts:ab12"


def test_no_key_is_built_outside_the_keys_module() -> None:
    from tests.support.paths import ROOT

    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if path.name != "keys.py"
        and ("llinc:v1" in path.read_text() or "PREFIX}:" in path.read_text())
    ]
    assert offenders == []


def test_a_users_keys_and_their_partitions_keys_share_one_cluster_slot() -> None:
    from redis.cluster import key_slot

    user = UserKeys(1234, 16)
    part = user.part
    keys = [*user.all(), part.ingress, part.outbox_for("telegram"), part.outbox_for("internal")]
    keys += [part.jobs, part.job_data, part.jobs_running, part.job_attempts, part.jobs_failed]
    keys += [part.lease, part.sync]
    assert len({key_slot(k.encode()) for k in keys}) == 1


def test_the_partitions_fall_on_every_primary_of_a_three_primary_cluster() -> None:
    """`redis-cli --cluster create` gives three primaries a third of the 16384 slots each."""
    from redis.cluster import key_slot

    thirds = {key_slot(PartitionKeys(p).ingress.encode()) * 3 // 16384 for p in range(16)}
    assert thirds == {0, 1, 2}
