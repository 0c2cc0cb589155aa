"""The engine: the LangGraph dialogue loop and the batch runner.

Both receive their collaborators (model client, labeller, outcome scorer); neither imports
analysis. LangGraph is imported here, so only commands that run conversations pay for it.
"""

from simulator.engine._loop import AssistantSettings, DialogueLoop, DialogueResult, recursion_limit
from simulator.engine._runner import JOB_KEY_VERSION, PlannedJob, Progress, Runner, RunSummary, plan_jobs, select_scenarios

__all__ = [
    "JOB_KEY_VERSION",
    "AssistantSettings",
    "DialogueLoop",
    "DialogueResult",
    "PlannedJob",
    "Progress",
    "RunSummary",
    "Runner",
    "plan_jobs",
    "recursion_limit",
    "select_scenarios",
]
