"""Rule evaluation: GX 1.x suites from `expectations/` over the inventory tables -> findings + rule results."""

from assurance_jobs.evaluate.engine import Evaluation, EvaluationInputs, evaluate
from assurance_jobs.evaluate.export import write_findings_exports
from assurance_jobs.evaluate.findings import FINDINGS_COLUMNS
from assurance_jobs.evaluate.gx_runner import EvaluationError
from assurance_jobs.evaluate.results import RULE_RESULT_COLUMNS
from assurance_jobs.evaluate.suites import Rule, Suite, SuiteError, all_rules, load_suites

__all__ = [
    "FINDINGS_COLUMNS",
    "RULE_RESULT_COLUMNS",
    "Evaluation",
    "EvaluationError",
    "EvaluationInputs",
    "Rule",
    "Suite",
    "SuiteError",
    "all_rules",
    "evaluate",
    "load_suites",
    "write_findings_exports",
]
