"""Colab's page-side APIs in a real JupyterLab: eval_js, invokeFunction, forms and data
tables, with Colab's own documented snippets (issue: Colab's notebook behaviour)."""

import json
import re

from playwright.sync_api import expect

from localab.host.paths import ROOT
from tests.utils.lab import NOTEBOOK, new_notebook, open_lab, run_cell, screenshot
from tests.utils.runtime import wait_for

INVENTORY = json.loads((ROOT / "docs" / "colab-inventory.json").read_text())


def lab(runtime, page):
    open_lab(page, runtime.up().stdout.strip().splitlines()[-1])
    new_notebook(page)


def add_cell(page):
    # the cell's left edge: its centre may be a form, whose labels toggle what they hold
    page.locator(f"{NOTEBOOK} .jp-Cell").last.click(position={"x": 8, "y": 8})
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # a new cell below, in command mode


def test_eval_js_returns_what_the_page_computed_while_the_cell_runs(runtime, page):
    lab(runtime, page)
    page.once("dialog", lambda dialog: dialog.accept("Ada"))
    text = run_cell(page, "from google.colab import output\n"
                          "print(output.eval_js('new Promise(r => setTimeout(() => r({answer: 6 * 7}), 200))'))\n"
                          "print(output.eval_js('prompt(\"Your name?\")'))\n"
                          "print(output.eval_js('(() => { const c = document.createElement(\"canvas\"); c.width = 2; "
                          "c.height = 2; c.getContext(\"2d\").fillRect(0, 0, 2, 2); return c.toDataURL(); })()')[:22])",
                    "data:image/png")
    assert text.splitlines() == ["{'answer': 42}", "Ada", "data:image/png;base64,"], text
    add_cell(page)
    error = run_cell(page, "output.eval_js('throw new TypeError(\"boom\")')", "MessageError")
    assert "TypeError: boom" in error
    add_cell(page)
    late = run_cell(page, "output.eval_js('new Promise(() => {})', timeout_sec=1)", "TimeoutException")
    assert "did not settle within 1 s" in late
    add_cell(page)
    assert run_cell(page, "print('the kernel kept running')", "kept running")
    assert page.locator(".jp-Stdin").count() == 0, "eval_js never shows an input box"
    screenshot(page, "eval-js")


def test_page_javascript_calls_a_registered_python_callback(runtime, page):
    lab(runtime, page)
    run_cell(page, "import IPython\nfrom google.colab import output\n"
                   "output.register_callback('notebook.Concat', lambda a, b: IPython.display.JSON({'result': a + b}))\n"
                   "print('registered')", "registered")
    result = page.evaluate("google.colab.kernel.invokeFunction('notebook.Concat', ['hello ', 'world'], {})"
                           ".then(r => r.data['application/json'].result)")
    assert result == "hello world"


def test_a_colab_form_edits_the_source_and_the_cell_runs_with_its_values(runtime, page):
    lab(runtime, page)
    warnings = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    cell = page.locator(f"{NOTEBOOK} .jp-Cell").last
    cell.locator(".cm-content").click()
    page.keyboard.insert_text('#@title Greeting {display-mode: "form"}\n'
                              'name = "world" #@param {type:"string"}\n'
                              'times = 2 #@param {type:"slider", min:1, max:5}\n'
                              'shout = False #@param {type:"boolean"}\n'
                              'print(("hello " + name + " ") * times)')
    form = cell.locator(".jp-localab-form")
    expect(form).to_contain_text("Greeting", timeout=10_000)
    field = form.locator("input[data-param=name]")
    field.fill("localab")
    field.press("Enter")  # the change event: the source is rewritten
    cell.click(position={"x": 8, "y": 8})  # back to the notebook, this cell selected
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    expect(cell.locator(".jp-OutputArea-output")).to_have_text(re.compile(r"hello localab hello localab"),
                                                              timeout=60_000)
    expect(cell.locator(".jp-Cell-inputArea")).to_be_hidden()  # display-mode: form hides the code
    screenshot(page, "colab-form")
    add_cell(page)
    page.keyboard.press("Enter")
    page.keyboard.insert_text("x = 1 #@param {type:")
    expect(page.locator(f"{NOTEBOOK} .jp-Cell").last.locator(".jp-Cell-inputArea")).to_be_visible()
    assert any("cannot be read" in text for text in warnings), warnings


def test_a_data_table_is_interactive_and_offline(runtime, page):
    lab(runtime, page)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    run_cell(page, "import pandas as pd\nfrom google.colab import data_table\n"
                   "data_table.DataTable(pd.DataFrame({'n': range(100)}), num_rows_per_page=10)",
             "Showing 1 to 10 of 100 entries")
    outside = [url for url in requests if url.startswith(("http:", "https:")) and not url.startswith("http://127.0.0.1")]
    assert outside == [], "nothing from the network"
    screenshot(page, "data-table")
    add_cell(page)
    run_cell(page, "import warnings\nwarnings.simplefilter('always')\ndata_table.enable_dataframe_formatter()\n"
                   "pd.DataFrame({'m': range(30)})", "of 30 entries")
    assert page.get_by_text("not supposed to work in Google Colab").count() == 0, "itables' Colab warning is shown"
    screenshot(page, "data-table-formatter")


def test_tagged_outputs_clear_and_tabs_and_grids_take_a_blocks_output(runtime, page):
    lab(runtime, page)
    cell = page.locator(f"{NOTEBOOK} .jp-Cell").last
    run_cell(page, "from google.colab import output, widgets\nprint('untagged')\n"
                   "with output.use_tags('conversation'):\n    with output.use_tags('introduction'):\n"
                   "        print('Hello')\n    print('Bye')\n"
                   "output.clear(output_tags='introduction')\nprint('after')", "after")
    expect(cell.locator(".jp-OutputArea")).to_contain_text("Bye")
    assert "Hello" not in cell.locator(".jp-OutputArea").inner_text(), "the tagged output is still shown"
    screenshot(page, "colab-output-tags")

    add_cell(page)
    run_cell(page, "tabs = widgets.TabBar(['first', 'second'])\n"
                   "with tabs.output_to('second'):\n    print('in the second tab')\n"
                   "with tabs.output_to('first'):\n    print('in the first tab')", "in the first tab")
    tab_bar = page.locator(f"{NOTEBOOK} .jp-Cell").last.locator(".widget-tab")
    expect(tab_bar.locator(".lm-TabBar-tab")).to_have_text(["first", "second"])
    expect(tab_bar.get_by_text("in the second tab")).to_be_hidden()
    tab_bar.locator(".lm-TabBar-tab").filter(has_text="second").click()
    expect(tab_bar.get_by_text("in the second tab")).to_be_visible()
    expect(tab_bar.get_by_text("in the first tab")).to_be_hidden()
    screenshot(page, "colab-tabbar")

    add_cell(page)
    run_cell(page, "grid = widgets.create_grid(['x', 'y'], [1, 2], render=lambda r, c: r * c)", "yy")
    box = page.locator(f"{NOTEBOOK} .jp-Cell").last.locator(".widget-gridbox")
    expect(box.locator(".colab-grid-cell")).to_have_text(["", "1", "2", "'x'", "'x'", "'xx'", "'y'", "'y'", "'yy'"])
    screenshot(page, "colab-grid")


def test_files_view_opens_the_file_in_a_tab_beside_the_notebook(runtime, page):
    lab(runtime, page)
    run_cell(page, "open('/content/notes.txt', 'w').write('written by the kernel')\n"
                   "from google.colab import files\nfiles.view('/content/notes.txt')\nprint('viewed')", "viewed")
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab").filter(has_text="notes.txt")
    expect(tab).to_be_visible(timeout=30_000)
    expect(page.locator(".jp-FileEditor .cm-content").filter(has_text="written by the kernel")).to_be_visible()
    expect(page.locator(NOTEBOOK)).to_be_visible(), "the notebook stays in view beside the file"
    screenshot(page, "colab-files-view")
    add_cell(page)
    missing = run_cell(page, "files.view('nope.txt')", "FileNotFoundError")
    assert "Cannot find file: nope.txt" in missing


def test_output_areas_put_outputs_at_the_top_the_bottom_or_in_an_element(runtime, page):
    lab(runtime, page)
    run_cell(page, "from IPython.display import HTML, display\nfrom google.colab import output\n"
                   "display(HTML('<div id=\"status-box\" style=\"border: 1px solid #888\"></div>'))\n"
                   "print('first')\n"
                   "with output.to_footer_area():\n    print('footer line')\n"
                   "print('second')\n"
                   "with output.to_header_area():\n    print('header line')\n"
                   "with output.redirect_to_element('#status-box'):\n    print('inside the box')\n"
                   "print('third')", "third")
    area = page.locator(f"{NOTEBOOK} .jp-Cell").last.locator(".jp-OutputArea")
    shown = ["header line", "inside the box", "first", "second", "third", "footer line"]
    tops = [area.locator("pre:visible").filter(has_text=line).bounding_box()["y"] for line in shown]
    assert tops == sorted(tops), f"top to bottom on the page: {dict(zip(shown, tops))}"
    expect(page.locator("#status-box")).to_have_text("inside the box")
    screenshot(page, "colab-output-areas")
    add_cell(page)
    run_cell(page, "with output.use_tags('t'), output.to_header_area():\n    print('gone soon')\n"
                   "output.clear(output_tags='t')\nprint('cleared')", "cleared")
    assert "gone soon" not in page.locator(f"{NOTEBOOK} .jp-Cell").last.locator(".jp-OutputArea").inner_text()


def test_an_html_element_answers_python_and_a_resource_is_served_by_the_kernel(runtime, page):
    lab(runtime, page)
    run_cell(page, "from google.colab import html, output\nclicks = []\n"
                   "button = html.Element('button', attributes={'class': 'from-python'}, properties={'title': 'press'})\n"
                   "button.append_child('Press me')\n"
                   "button.add_event_listener('click', lambda event: clicks.append(event['type']))\n"
                   "display(button)\nprint('shown')", "shown")
    page.locator(f"{NOTEBOOK} button.from-python").click()
    add_cell(page)
    answer = run_cell(page, "button.set_attribute('data-state', 'pressed')\n"
                            "print(clicks, button.get_property('title'), button.get_attribute('data-state'))", "press")
    assert answer.strip() == "['click'] press pressed"
    expect(page.locator(f"{NOTEBOOK} button.from-python")).to_have_attribute("data-state", "pressed")
    add_cell(page)
    served = run_cell(page, "res = html.create_resource(content='served by the kernel', extension='txt')\n"
                            "print(output.eval_js(f'fetch(\"{res.url}\").then(r => r.text())'))", "served")
    assert served.strip() == "served by the kernel"
    screenshot(page, "colab-html")
    add_cell(page)
    wrong = run_cell(page, "html.create_resource()", "ValueError")
    assert "Must provide exactly one of content, filepath, or handler" in wrong


def test_colabs_page_side_kernel_comms_proxy_port_and_disconnect_work_as_colabs_own_code_uses_them(runtime, page):
    lab(runtime, page)
    names = page.evaluate("Object.keys(google.colab.kernel)")
    assert set(INVENTORY["page_kernel"]) <= set(names), f"Colab's page calls {INVENTORY['page_kernel']}, here {names}"
    # files.download's own pattern on Colab: the page opens a comm, asks, and reads buffers until the kernel closes it.
    run_cell(page, "import IPython\nchunks = iter([b'chunk one, ', b'chunk two'])\n"
                   "def send_file(comm, open_msg):\n"
                   "    def on_message(msg):\n"
                   "        chunk = next(chunks, None)\n"
                   "        comm.close() if chunk is None else comm.send({'size': len(chunk)}, buffers=[chunk])\n"
                   "    comm.on_msg(on_message)\n"
                   "IPython.get_ipython().kernel.comm_manager.register_target('blob-1', send_file)\n"
                   "print('target ready')", "target ready")
    received = page.evaluate("""async () => {
      const channel = await google.colab.kernel.comms.open('blob-1');
      channel.send({});
      const parts = [];
      for await (const message of channel.messages) {
        channel.send({});
        for (const buffer of message.buffers) parts.push(`${message.data.size}:${new TextDecoder().decode(buffer)}`);
      }
      return parts;
    }""")
    assert received == ["11:chunk one, ", "9:chunk two"]
    # the other way: the kernel opens a comm to a target the page registered, and hears its answer
    page.evaluate("""google.colab.kernel.comms.registerTarget('page-echo', (channel, message) =>
      channel.send({twice: message.data.n * 2}).then(() => { window.echoed = true; }))""")
    add_cell(page)
    run_cell(page, "from comm import create_comm\nheard = []\n"
                   "echo = create_comm(target_name='page-echo', data={'n': 21})\n"
                   "echo.on_msg(lambda msg: heard.append(msg['content']['data']))\nprint('opened')", "opened")
    page.wait_for_function("window.echoed === true", timeout=20_000)
    add_cell(page)
    echoed = run_cell(page, "print('heard', heard)", "heard")
    assert echoed.strip() == "heard [{'twice': 42}]"
    add_cell(page)
    port = run_cell(page, "import http.server, threading\n"
                          "class Hello(http.server.BaseHTTPRequestHandler):\n"
                          "    def do_GET(self):\n"
                          "        self.send_response(200); self.end_headers(); self.wfile.write(b'from a port in the runtime')\n"
                          "server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Hello)\n"
                          "threading.Thread(target=server.serve_forever, daemon=True).start()\n"
                          "print('port', server.server_port)", "port").split()[1]
    url = page.evaluate(f"google.colab.kernel.proxyPort({port}, {{cache: true}})")
    assert re.fullmatch(rf"http://127\.0\.0\.1:\d+/proxy/{port}/", url), url
    assert page.evaluate(f"fetch('{url}').then(r => r.text())") == "from a port in the runtime"
    page.evaluate("google.colab.kernel.disconnect()")
    expect(page.get_by_text("The runtime is stopping: open documents were saved.")).to_be_visible(timeout=60_000)
    wait_for(lambda: runtime.status()["state"] == "unassigned", timeout_s=90, what="status to say unassigned")
