// google.colab.output's areas in JupyterLab: redirect_to_element, to_header_area,
// to_footer_area. The kernel marks each output made inside with the target's selector
// (metadata `localab_area`); the output stays in its place in the cell, hidden, and a
// second rendering of it is shown in the target. It goes when the original goes (the
// cell is cleared or rerun), so JupyterLab's own bookkeeping is never touched.
import { OutputArea } from '@jupyterlab/outputarea';
import { Widget } from '@lumino/widgets';

const AREA_KEY = 'localab_area';
const EDGES = { '#output-header': 'localab-output-header', '#output-footer': 'localab-output-footer' };

function edge(area, className) {
  // the cell's top or bottom: flex order keeps them first and last as outputs are added
  let node = area.node.querySelector(`:scope > .${className}`);
  if (!node) {
    node = document.createElement('div');
    node.className = className;
    area.node.classList.add('localab-has-areas');
    area.node.appendChild(node);
  }
  return node;
}

function target(area, selector) {
  if (EDGES[selector]) return edge(area, EDGES[selector]);
  try {
    return area.node.querySelector(selector) || document.querySelector(selector);
  } catch (error) {
    console.warn(`google.colab.output.redirect_to_element: ${selector} is not a CSS selector`);
    return null;
  }
}

export function showOutputsInTheirAreas() {
  const create = OutputArea.prototype.createOutputItem;
  OutputArea.prototype.createOutputItem = function (model) {
    const item = create.call(this, model);
    const selector = model.metadata && model.metadata[AREA_KEY];
    const host = item && selector ? target(this, selector) : null;
    if (!host || !host.isConnected) return item; // a cell drawn off-page (a notebook opening): in place
    const shown = create.call(this, model);
    Widget.attach(shown, host);
    item.addClass('localab-redirected');
    item.disposed.connect(() => shown.dispose());
    return item;
  };
  // An updated display is drawn afresh (in place JupyterLab would only update the hidden original).
  const set = OutputArea.prototype._setOutput;
  OutputArea.prototype._setOutput = function (index, model) {
    const current = this.layout.widgets[index];
    const redirected = current && current.hasClass('localab-redirected');
    if (!current || (!redirected && !(model.metadata && model.metadata[AREA_KEY]))) return set.call(this, index, model);
    current.dispose();
    this._insertOutput(index, model);
  };
}
