"""A day's accounts cut into shards (one Dagster collection step each): as few as `accounts_per_step` allows, of
even sizes, keyed by their first account; the command line's run holds every account in one."""

from __future__ import annotations

from assurance_jobs.collect.plan import AccountTask
from assurance_jobs.config import AccountConfig, parse_config
from assurance_jobs.defs.execution import step_concurrency
from assurance_jobs.steps.collect import shards


def tasks(count: int) -> list[AccountTask]:
    return [AccountTask(f"acct_{index:012d}", AccountConfig(name=f"{index:012d}")) for index in range(count)]


def test_shards_are_as_few_as_allowed_and_of_even_sizes() -> None:
    assert [len(shard.tasks) for shard in shards(tasks(201), 50)] == [41, 40, 40, 40, 40]
    assert [len(shard.tasks) for shard in shards(tasks(100), 50)] == [50, 50]


def test_a_shard_is_keyed_by_its_first_account_and_its_size() -> None:
    first, second = shards(tasks(5), 3)
    assert (first.key, second.key) == ("acct_000000000000_n3", "acct_000000000003_n2")


def test_every_account_is_in_exactly_one_shard_in_order() -> None:
    cut = shards(tasks(37), 8)
    assert [task for shard in cut for task in shard.tasks] == tasks(37)


def test_without_a_size_there_is_one_shard_of_every_account() -> None:
    (only,) = shards(tasks(7), None)
    assert (only.key, len(only.tasks)) == ("all_accounts", 7)
    assert shards([], None) == shards([], 5) == []


def test_steps_at_once_times_threads_per_step_stays_within_max_parallel_accounts() -> None:
    cases = {(16, 50): 1, (16, 8): 2, (64, 16): 4, (8, 3): 2, (1, 50): 1}
    for (parallel, per_step), steps in cases.items():
        config = parse_config({"max_parallel_accounts": parallel, "accounts_per_step": per_step})
        assert step_concurrency(config) == steps
        assert steps * min(parallel, per_step) <= parallel
