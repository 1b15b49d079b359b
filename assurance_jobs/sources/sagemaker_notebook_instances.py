"""`sagemaker_notebook_instances`: the SageMaker notebook instances per region with their execution role.

An input of the escalation analysis (docs/privesc.md, "Inputs"); collected where `collect_resources` is on."""

from assurance_jobs.collect.resources import collect_sagemaker_notebook_instances
from assurance_jobs.scan.sources import sagemaker_notebook_instances
from assurance_jobs.source import AwsSource

SOURCE = AwsSource(
    name=sagemaker_notebook_instances.SOURCE,
    api="sagemaker:ListNotebookInstances",
    description=("the SageMaker notebook instances per region with their execution role"),
    regional=True,
    iam_actions=("sagemaker:ListNotebookInstances", "sagemaker:DescribeNotebookInstance"),
    optional=True,
    enabled_by="collect_resources",
    collect=collect_sagemaker_notebook_instances,
    parse=sagemaker_notebook_instances.parse,
    parsed_in="privesc",
)
