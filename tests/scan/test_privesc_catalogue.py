"""The catalogue says, for every method, what it needs to lead anywhere — in exactly one way, with known kinds."""

from __future__ import annotations

import json

import pytest

from assurance_jobs.scan.grants import Grants, grants_of
from assurance_jobs.scan.privesc import held_methods, methods
from assurance_jobs.scan.privesc_inputs import RESOURCE_KINDS


@pytest.mark.parametrize("method", methods(), ids=lambda m: m.id)
def test_every_method_says_what_it_needs_in_exactly_one_way(method):
    assert [bool(method.passes_to), method.targets is not None, bool(method.prerequisite)].count(True) == 1


@pytest.mark.parametrize("method", [m for m in methods() if m.resource_kind], ids=lambda m: m.id)
def test_every_resource_a_method_needs_is_a_declared_kind_and_its_checked_action_is_required(method):
    assert method.resource_kind in RESOURCE_KINDS
    assert method.targets is None or method.targets.action in method.requires


def _held(*actions: str) -> list[str]:
    document = json.dumps({"Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})
    return held_methods(Grants(grants_of(document, None), None).held_mask)


def test_a_data_pipeline_that_cannot_be_activated_is_no_method():
    assert _held("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition") == []


def test_a_data_pipeline_that_can_be_activated_is_the_pathfinding_method():
    actions = ("datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition", "datapipeline:ActivatePipeline")
    assert _held("iam:PassRole", *actions) == ["iam:PassRole+" + "+".join(actions)]
