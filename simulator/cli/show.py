"""`groundsim show`: print one stored conversation."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.text import Text

from scenarios import GroundsimError
from simulator.cli._common import DbOption, stdout


class ConversationNotFoundError(GroundsimError):
    """No conversation (or more than one) matches the id given."""


def show(
    conversation_id: Annotated[str, typer.Argument(help="Conversation id (c_...) or a unique prefix of it.")],
    db: DbOption = "groundsim.duckdb",
    as_json: Annotated[bool, typer.Option("--json", help="Print the conversation as one JSON object.")] = False,
) -> None:
    """Print a transcript: each turn, the live labels of assistant turns and the facts each
    user turn revealed, with the scenario's hidden intent.

    Model text is printed literally (no markup is interpreted).
    """
    from analysis import get_conversation
    from simulator import Store

    store = Store(db)
    store.check_readable()
    conv = get_conversation(store, conversation_id)
    if conv is None:
        raise ConversationNotFoundError(f"{db}: no single conversation matches {conversation_id!r} (see `groundsim runs --db {db}`)")
    scenario = store.query("SELECT scenario_json FROM scenarios WHERE run_id = ? AND scenario_id = ?", [conv["run_id"], conv["scenario_id"]])
    scenario_data = json.loads(scenario[0]["scenario_json"]) if scenario else {}
    if as_json:
        conv["scenario"] = scenario_data
        stdout.print_json(json.dumps(conv, default=str))
        return
    header = Text()
    header.append(f"{conv['conversation_id']}  ", style="bold")
    header.append(
        f"model={conv['model']}  scenario={conv['scenario_id']} ({conv['scenario_kind']})  user={conv['user_agent']}  "
        f"persona={conv['persona']}  repeat={conv['repeat']}\n"
        f"status={conv['status']}  stop={conv['stop_reason']}  turns={conv['n_turns']}"
    )
    if conv["error"]:
        header.append(f"\nerror: {conv['error']}", style="red")
    if scenario_data:
        header.append(f"\nhidden intent: {scenario_data.get('hidden_intent', '')}", style="dim")
    stdout.print(header)
    for turn in conv["turns"]:
        who = Text(f"\n[{turn['turn_index']}] {turn['role']}", style="bold cyan" if turn["role"] == "user" else "bold green")
        if turn["role"] == "assistant" and turn.get("stance"):
            acts = ", ".join(turn["acts"] or []) or "no acts"
            who.append(f"  ({turn['stance']}; {acts})", style="yellow")
        if turn["revealed_facts"]:
            who.append(f"  (reveals: {', '.join(turn['revealed_facts'])})", style="magenta")
        stdout.print(who)
        stdout.print(Text(turn["content"]))
