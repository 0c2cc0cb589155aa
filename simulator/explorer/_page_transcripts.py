"""The Transcripts page: the filtered, paged list of conversations, and one conversation read as a chat.

Model and user text is shown only through st.text, st.dataframe and selectbox option
labels, which render it as literal characters; badges only for our own vocabulary.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import explore_queries as Q
from simulator.explorer._data import Data
from simulator.explorer._format import ACT_COLORS, OUTCOME_COLORS, STANCE_COLORS, badge, fmt_cost
from simulator.explorer._state import FILTER_PARAMS, current_nav, set_nav
from simulator.explorer._widgets import bound_multiselect, selected_row

# Transcripts filter query parameter -> key of Q.filter_options.
FILTER_OPTION_KEYS = {
    "run": "runs",
    "model": "models",
    "kind": "kinds",
    "domain": "domains",
    "outcome": "outcomes",
    "persona": "personas",
    "act": "acts",
    "stance": "stances",
}
PAGE_SIZE = 25  # conversations per page of the Transcripts list
LIST_COLUMNS = (
    "conversation_id",
    "model",
    "scenario_id",
    "kind",
    "persona",
    "outcome",
    "n_turns",
    "domain",
    "user_agent",
    "status",
    "run_id",
)


def page_transcripts(data: Data, labeller: str) -> None:
    st.header("Transcripts")
    nav = current_nav()
    options = data.get("filter_options")
    cols = st.columns(4)
    values: dict[str, tuple[str, ...]] = {}
    for i, (param, label) in enumerate(FILTER_PARAMS.items()):
        chosen = bound_multiselect(
            label, param, options[FILTER_OPTION_KEYS[param]], container=cols[i % 4], placeholder="any", reset_page=True
        )
        values[param] = tuple(chosen)
    flt = Q.TranscriptFilter(
        labeller=labeller,
        runs=values["run"],
        models=values["model"],
        kinds=values["kind"],
        domains=values["domain"],
        outcomes=values["outcome"],
        personas=values["persona"],
        acts=values["act"],
        stances=values["stance"],
    )
    total = data.get("count_transcripts", flt)
    pages = max(1, -(-total // PAGE_SIZE))
    nav["p"] = min(max(1, int(nav.get("p", 1))), pages)
    offset = (nav["p"] - 1) * PAGE_SIZE
    rows = data.get("list_transcripts", flt, limit=PAGE_SIZE, offset=offset)
    matches = "1 conversation matches" if total == 1 else f"{total:,} conversations match"
    st.text(f"{matches}  ·  page {nav['p']} of {pages}  ·  outcomes, acts and stances by {labeller}")

    def move(step: int) -> None:
        nav["p"] = min(max(1, nav["p"] + step), pages)

    prev_col, next_col, _ = st.columns([1, 1, 6])
    prev_col.button("◀ Previous", key="prev_page", on_click=move, args=(-1,), disabled=nav["p"] <= 1)
    next_col.button("Next ▶", key="next_page", on_click=move, args=(1,), disabled=nav["p"] >= pages)
    if not rows:
        st.info("No conversation matches these filters.")
    else:
        frame = pd.DataFrame(rows).drop(columns=["finished_at"])
        widget_key = f"transcript_list_{nav.get('_gen', 0)}_{nav['p']}"
        ids = list(frame["conversation_id"])

        def open_row() -> None:
            row = selected_row(widget_key)
            if row is not None and row < len(ids):
                nav["conversation"] = ids[row]

        st.caption("Select a row to read the conversation.")
        st.dataframe(
            frame,
            key=widget_key,
            on_select=open_row,
            selection_mode="single-row",
            hide_index=True,
            column_order=LIST_COLUMNS,
            height=min(len(frame), 10) * 35 + 38,
        )
        labels = {
            r["conversation_id"]: f"{r['conversation_id']} · {r['model']} · {r['scenario_id']} · {r['outcome']}"
            for r in rows
        }
        if nav.get("conversation") and nav["conversation"] not in labels:
            labels = {nav["conversation"]: nav["conversation"], **labels}
        choices = [None, *labels]
        if st.session_state.get("w_conversation") != nav.get("conversation"):
            st.session_state["w_conversation"] = nav.get("conversation")
        st.selectbox(
            "Conversation",
            choices,
            format_func=lambda c: "choose one to read it" if c is None else labels[c],
            key="w_conversation",
            on_change=set_nav,
            args=("conversation", "w_conversation"),
        )
    if nav.get("conversation"):
        st.divider()
        render_transcript(data, nav["conversation"], labeller)


def render_transcript(data: Data, conversation_id: str, labeller: str) -> None:
    transcript: Q.Transcript | None = data.get("get_transcript", conversation_id, labeller)
    if transcript is None:
        st.warning("That conversation is not in this database.")
        return
    conv = transcript.conversation
    st.subheader("Conversation")
    scenario_label = f"{conv['scenario_id']} ({conv['scenario_kind']}, {conv['scenario_domain']})"
    st.text(
        f"{conv['conversation_id']}  ·  model {conv['model']}  ·  scenario {scenario_label}\n"
        f"user {conv['user_agent']}  ·  persona {conv['persona']}  ·  repeat {conv['repeat']}  ·  run {conv['run_id']}\n"
        f"status {conv['status']}  ·  stopped: {conv['stop_reason']}  ·  {conv['n_turns']} assistant turns  ·  "
        f"cost {fmt_cost(conv['cost_usd'])}"
    )
    if conv.get("error"):
        st.error("Infrastructure error (kept, never counted in rates):")
        st.text(conv["error"])
    turns = transcript.turns
    last = turns[-1]["turn_index"] if turns else 0
    upto = last
    if len(turns) > 2:
        upto = st.slider(
            "Replay up to turn",
            0,
            last,
            last,
            key=f"upto_{conversation_id}",
            help="Facts revealed so far are marked on the right.",
        )
    chat, side = st.columns([3, 2])
    with chat:
        if transcript.labels_from and transcript.labels_from != labeller:
            st.caption("The chosen labeller has not labelled this conversation; the badges come from:")
            st.text(transcript.labels_from)
        for turn in turns:
            if turn["turn_index"] > upto:
                break
            with st.chat_message("user" if turn["role"] == "user" else "assistant"):
                if turn["role"] == "assistant":
                    with st.container(horizontal=True):
                        badge(turn["stance"], STANCE_COLORS, Q.STANCES)
                        for act in turn["acts"] or []:
                            badge(act, ACT_COLORS, Q.ACTS)
                        if turn["stance"] is None:
                            st.text("(not labelled)")
                st.text(turn["content"])
                if turn["revealed_facts"]:
                    st.text("reveals: " + ", ".join(turn["revealed_facts"]))
    with side:
        st.subheader("Hidden intent")
        scenario = transcript.scenario
        st.text(scenario.get("hidden_intent") or "(scenario snapshot missing)")
        st.text(f"expected: {scenario.get('expected', '?')}")
        st.subheader("Facts")
        if transcript.facts:
            revealed_now = sum(1 for f in transcript.facts if f["revealed_at"] is not None and f["revealed_at"] <= upto)
            st.text(f"{revealed_now} of {len(transcript.facts)} revealed by turn {upto}")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "revealed": "yes, turn " + str(f["revealed_at"])
                            if f["revealed_at"] is not None and f["revealed_at"] <= upto
                            else "—",
                            "fact": f["id"],
                            "the user would say": f["text"],
                        }
                        for f in transcript.facts
                    ]
                ),
                hide_index=True,
                key=f"facts_{conversation_id}",
            )
        else:
            st.text("This scenario has no hidden facts.")
        st.subheader("Outcome")
        outcome = transcript.outcome
        if outcome is None:
            st.text(f"Not scored by {labeller} yet (`groundsim annotate --db DB`).")
        else:
            badge(outcome["outcome"], OUTCOME_COLORS, Q.OUTCOMES, default="red")
            st.text(f"why: {outcome['reason']}")
            st.text(
                f"ternary {outcome['ternary']}  ·  SimpleQA {outcome['simpleqa_grade']}  ·  check passed {outcome['check_passed']}"
                f"  ·  by {outcome['labeller']}@{outcome['labeller_version']}"
            )
