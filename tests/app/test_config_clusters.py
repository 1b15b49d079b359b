"""`clusters:` in the configuration: each cluster reached one way, named once, its EKS side through a known account."""

from __future__ import annotations

import pytest

from assurance_jobs.config import ConfigError, parse_config

EKS = {"cluster_name": "prod", "region": "eu-west-1", "account": "default"}


def test_an_eks_cluster_alone_is_reached_through_aws_and_scoped_by_its_name() -> None:
    (cluster,) = parse_config({"clusters": [{"name": "prod", "eks": EKS}]}).clusters
    assert (cluster.scope, cluster.privileged_namespaces) == ("k8s:prod", ["kube-system"])


def test_a_cluster_with_two_ways_in_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match=r"clusters\.0.*exactly one of context"):
        parse_config({"clusters": [{"name": "prod", "context": "prod", "in_cluster": True}]})


def test_an_eks_cluster_must_name_a_configured_account() -> None:
    with pytest.raises(ConfigError, match=r"eks\.account 'nope' is not in accounts"):
        parse_config({"clusters": [{"name": "prod", "eks": {**EKS, "account": "nope"}}]})


def test_cluster_names_are_unique() -> None:
    entry = {"name": "prod", "context": "prod"}
    with pytest.raises(ConfigError, match="cluster names must be unique, repeated: prod"):
        parse_config({"clusters": [entry, entry]})


def test_a_cluster_name_is_a_label_that_can_name_files() -> None:
    with pytest.raises(ConfigError, match=r"clusters\.0\.name"):
        parse_config({"clusters": [{"name": "Prod Cluster", "context": "prod"}]})
