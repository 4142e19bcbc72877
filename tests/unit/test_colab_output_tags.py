"""google.colab.output's tags in a real IPython kernel (the test venv's ipykernel), read
from the kernel's own IOPub messages: what any Jupyter page is told to show. The
browser test (tests/browser/test_colab_js.py) looks at the same in JupyterLab."""

import os
import queue

import pytest

from localab.host.paths import ROOT, STAND_IN_DIR

jupyter_client = pytest.importorskip("jupyter_client")


@pytest.fixture(scope="module")
def kernel():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(STAND_IN_DIR), str(ROOT)]))
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3", env=env)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(client, code: str) -> list[dict]:
    """The cell's IOPub messages, until the kernel is idle again (bounded)."""
    msg_id = client.execute(code)
    found = []
    while True:
        try:
            msg = client.get_iopub_msg(timeout=30)
        except queue.Empty:
            raise AssertionError(f"no idle from the kernel within 30 s; got {found}") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return found
        if msg["msg_type"] not in ("status", "execute_input"):
            found.append(msg)


def shown(messages: list[dict]) -> list[str]:
    """What the page shows at the end: displays in order, each at its last update."""
    order, text = [], {}
    for msg in messages:
        content = msg["content"]
        if msg["msg_type"] == "stream":
            order.append(len(order))
            text[order[-1]] = content["text"]
        elif msg["msg_type"] in ("display_data", "update_display_data"):
            key = content["transient"].get("display_id") or len(order)
            if msg["msg_type"] == "display_data":
                order.append(key)
            text[key] = "".join(content["data"].get(mime, "") for mime in
                                ("text/plain", "application/vnd.jupyter.stderr"))
        elif msg["msg_type"] == "error":
            order.append(len(order))
            text[order[-1]] = f"{content['ename']}: {content['evalue']}"
    return [text[key] for key in order if text[key]]


def test_clear_removes_the_outputs_that_carry_all_the_tags_and_keeps_the_rest(kernel):
    messages = run(kernel, """
import sys
from IPython.display import display, HTML
from google.colab import output
print('untagged')
with output.use_tags('conversation'):
    with output.use_tags('introduction'):
        print('Hello')
        display(HTML('<b>hi</b>'))
        print('oops', file=sys.stderr)
    print('Bye')
output.clear(output_tags='introduction')
print('after')
""")
    assert shown(messages) == ["untagged\n", "Bye\n", "after\n"]
    assert not [m for m in messages if m["msg_type"] == "clear_output"], "the cell's other outputs stay"
    second = run(kernel, "with output.use_tags(['a', 'b']):\n    print('ab')\nwith output.use_tags('a'):\n"
                         "    print('a only')\noutput.clear(output_tags=['a', 'b'])")
    assert shown(second) == ["a only\n"]


def test_temporary_outputs_go_when_the_block_ends_and_prints_after_a_clear_show_again(kernel):
    messages = run(kernel, """
from google.colab import output
with output.temporary():
    print('working...')
print('done')
with output.use_tags('progress'):
    print('1 of 2')
    output.clear(output_tags='progress')
    print('2 of 2')
""")
    assert shown(messages) == ["done\n", "2 of 2\n"]


def test_use_tags_replaces_with_append_false_and_restores_after_an_exception(kernel):
    messages = run(kernel, """
from google.colab import output, _tags
with output.use_tags('outer'):
    with output.use_tags('inner', append=False) as tags:
        print(sorted(tags))
    try:
        with output.use_tags('x'):
            raise RuntimeError
    except RuntimeError:
        pass
    print(sorted(_tags.get_active_tags()))
print(sorted(_tags.get_active_tags()))
output.clear(output_tags='outer')
""")
    assert shown(messages) == ["['inner']\n", "[]\n"]


def test_bad_input_is_one_clear_message_and_the_kernel_goes_on(kernel):
    wrong_type = shown(run(kernel, "from google.colab import output\noutput.clear(output_tags=3)"))
    assert wrong_type == ["TypeError: output_tags must be a string or an iterable of strings, not int"]
    wrong_tag = shown(run(kernel, "with output.use_tags([None]):\n    pass"))
    assert wrong_tag == ["TypeError: use_tags' tags must be strings; None is NoneType"]
    assert shown(run(kernel, "output.clear(wait='yes')")) == ["ValueError: wait must be a boolean value"]
    never = shown(run(kernel, "with output.use_tags('used'):\n    print('kept')\noutput.clear(output_tags='typo')"))
    assert never[0] == "kept\n" and "no output of this cell was tagged 'typo'" in never[1] \
        and "tags used in this cell: 'used'" in never[1]
    assert shown(run(kernel, "print('alive')")) == ["alive\n"]


def comm_states(messages: list[dict]) -> list[dict]:
    """Each widget's state at the end: its comm_open, then its updates."""
    states = {}
    for msg in messages:
        content = msg["content"]
        if msg["msg_type"] == "comm_open":
            states[content["comm_id"]] = dict(content["data"]["state"])
        elif msg["msg_type"] == "comm_msg" and content["comm_id"] in states:
            states[content["comm_id"]].update(content["data"].get("state", {}))
    return list(states.values())


def test_a_tab_bar_is_a_tab_of_output_widgets_and_output_to_routes_into_one(kernel):
    messages = run(kernel, """
from google.colab import widgets
tabs = widgets.TabBar(['plots', 'log'])
with tabs.output_to('log'):
    print('into the log')
""")
    [tab] = [s for s in comm_states(messages) if s.get("_model_name") == "TabModel"]
    assert tab["titles"] == ["plots", "log"] and tab["selected_index"] == 1
    outputs = [m["content"]["data"]["state"]["msg_id"] for m in messages
               if m["msg_type"] == "comm_msg" and "msg_id" in m["content"]["data"].get("state", {})]
    assert outputs == [messages[0]["parent_header"]["msg_id"], ""], "one Output widget took the cell's output, then let go"
    grid = run(kernel, "g = widgets.create_grid(['a', 'b'], [1, 2, 3], render=lambda r, c: r * c)\nprint(g.rows, g.columns)")
    assert shown(grid)[-1] == "3 4\n"
    [box] = [s for s in comm_states(grid) if s.get("_model_name") == "GridBoxModel"]
    assert len(box["children"]) == 12


def test_widgets_bad_input_is_one_clear_message(kernel):
    assert shown(run(kernel, "widgets.TabBar(['a'], location='left')")) == [
        "ValueError: Invalid value for location: 'left'"]
    assert shown(run(kernel, "with tabs.output_to('nope'):\n    pass"))[-1] == (
        "WidgetException: no tab named 'nope'; the tabs are ['plots', 'log']")
    assert shown(run(kernel, "with g.output_to(3, 0):\n    pass"))[-1] == (
        "WidgetException: Cell (3, 0) is outside of boundaries of 3x4 grid")
    assert shown(run(kernel, "with tabs.output_to(0):\n    with tabs.output_to(1):\n        pass"))[-1].startswith(
        "WidgetException: already inside a part")
    after = run(kernel, "with tabs.output_to(0):\n    print('still works')")
    assert shown(after) == ["still works\n"] and any(m["msg_type"] == "comm_msg" for m in after), \
        "the failed nesting left the tab bar usable"


def test_outputs_made_in_an_area_carry_its_selector_for_the_page(kernel):
    messages = run(kernel, """
from google.colab import output
print('in place')
with output.to_footer_area():
    print('at the bottom')
    with output.to_default_area():
        print('in place again')
with output.redirect_to_element('#mine'):
    output.eval_js  # nothing shown
    print('in mine')
""")
    placed = {}  # display id -> (its area, its text at the end)
    for m in messages:
        if m["msg_type"] in ("display_data", "update_display_data"):
            placed[m["content"]["transient"]["display_id"]] = (m["content"]["metadata"].get("localab_area"),
                                                               m["content"]["data"].get("text/plain"))
    assert list(placed.values()) == [("#output-footer", "at the bottom\n"), ("#mine", "in mine\n")]
    assert [m["content"]["text"] for m in messages if m["msg_type"] == "stream"] == ["in place\n", "in place again\n"]
    wrong = shown(run(kernel, "with output.redirect_to_element(3):\n    pass"))
    assert wrong == ["TypeError: redirect_to_element takes a CSS selector such as '#my-div', not 3"]
