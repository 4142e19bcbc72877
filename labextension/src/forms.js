// Colab's forms in JupyterLab: a code cell with `#@title`, `#@markdown` and `#@param`
// annotations shows a form above its code. Editing a field rewrites the assignment in the
// cell's source, which stays the truth: running the cell (here, in nbconvert or anywhere
// else) runs the code with the form's values. `#@title ... {display-mode: "form"}` hides
// the code until "Show code". An annotation that cannot be read leaves the cell as code,
// with one warning in the browser's console.
import { Widget } from '@lumino/widgets';

const TITLE = /^\s*#\s*@title\s*(.*?)\s*(\{.*\})?\s*$/;
const MARKDOWN = /^\s*#\s*@markdown\s?(.*)$/;
const PARAM = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*(#\s*@param\s*(.*))$/;
const warned = new Set();

// Colab's options are JSON with bare keys: {type:"slider", min:0, max:10, allow-input: true}
function looseJson(text) {
  return JSON.parse(text.replace(/([{,]\s*)([A-Za-z][\w-]*)\s*:/g, '$1"$2":'));
}

function pythonValue(text) {
  const value = text.trim();
  if (value === 'True' || value === 'False') return value === 'True';
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) return Number(value);
  const quoted = value.match(/^(?:[rRuUbB]{0,2})(['"])(.*)\1$/s);
  if (quoted) {
    return quoted[2].replace(/\\(['"\\])/g, '$1').replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  }
  return value;
}

function pythonLiteral(field, value) {
  switch (field.type) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
    case 'slider':
      return String(Number(value));
    case 'integer':
      return String(Math.trunc(Number(value)));
    case 'raw':
      return String(value);
    case 'dropdown':
      return typeof field.options[0] === 'number' && !Number.isNaN(Number(value)) ? String(Number(value)) : JSON.stringify(String(value));
    default:
      return JSON.stringify(String(value)); // string, date: a double-quoted Python string
  }
}

export function parseForm(source) {
  const lines = source.split('\n');
  const form = { title: null, hideCode: false, markdown: [], fields: [] };
  let annotated = false;
  lines.forEach((line, index) => {
    const title = line.match(TITLE);
    if (title) {
      annotated = true;
      form.title = title[1];
      if (title[2]) form.hideCode = (looseJson(title[2])['display-mode'] || '') === 'form';
      return;
    }
    const markdown = line.match(MARKDOWN);
    if (markdown) {
      annotated = true;
      form.fields.push({ kind: 'markdown', text: markdown[1] });
      return;
    }
    const param = line.match(PARAM);
    if (!param) {
      if (/#\s*@param/.test(line)) throw new Error(`line ${index + 1} has @param but no "name = value" before it`);
      return;
    }
    annotated = true;
    const [, indent, name, valueText, comment, specText] = param;
    const field = { kind: 'param', line: index, indent, name, comment, type: 'string', options: null, allowInput: false };
    const spec = specText.trim();
    if (spec.startsWith('[')) {
      const end = spec.lastIndexOf(']');
      field.type = 'dropdown';
      field.options = JSON.parse(spec.slice(0, end + 1).replace(/'/g, '"'));
      const rest = spec.slice(end + 1).trim();
      if (rest) field.allowInput = Boolean(looseJson(rest)['allow-input']);
    } else if (spec) {
      const options = looseJson(spec);
      field.type = options.type || 'string';
      Object.assign(field, { min: options.min, max: options.max, step: options.step });
      if (!['string', 'number', 'integer', 'slider', 'boolean', 'date', 'raw'].includes(field.type)) {
        throw new Error(`line ${index + 1}: unknown @param type "${field.type}"`);
      }
    }
    field.value = field.type === 'raw' ? valueText : pythonValue(valueText);
    form.fields.push(field);
  });
  return annotated ? form : null;
}

export function rewrite(source, field, value) {
  const lines = source.split('\n');
  lines[field.line] = `${field.indent}${field.name} = ${pythonLiteral(field, value)} ${field.comment}`;
  return lines.join('\n');
}

function input(field, onChange) {
  let node;
  if (field.type === 'boolean') {
    node = document.createElement('input');
    node.type = 'checkbox';
    node.checked = Boolean(field.value);
    node.addEventListener('change', () => onChange(node.checked));
    return node;
  }
  if (field.type === 'dropdown' && !field.allowInput) {
    node = document.createElement('select');
    for (const option of field.options) {
      const item = document.createElement('option');
      item.value = String(option);
      item.textContent = String(option);
      item.selected = String(option) === String(field.value);
      node.appendChild(item);
    }
    node.addEventListener('change', () => onChange(node.value));
    return node;
  }
  node = document.createElement('input');
  if (field.type === 'dropdown') {
    const list = document.createElement('datalist');
    list.id = `localab-form-${Math.random().toString(36).slice(2)}`;
    for (const option of field.options) {
      const item = document.createElement('option');
      item.value = String(option);
      list.appendChild(item);
    }
    node.setAttribute('list', list.id);
    node.appendChild(list);
  }
  node.type = { slider: 'range', number: 'number', integer: 'number', date: 'date' }[field.type] || 'text';
  for (const key of ['min', 'max', 'step']) if (field[key] !== undefined) node[key] = field[key];
  if (field.type === 'integer' && field.step === undefined) node.step = 1;
  node.value = String(field.value);
  node.addEventListener('change', () => onChange(node.value));
  if (field.type === 'slider') {
    const shown = document.createElement('span');
    shown.className = 'jp-localab-form-slider-value';
    shown.textContent = String(field.value);
    node.addEventListener('input', () => (shown.textContent = node.value));
    const wrap = document.createElement('span');
    wrap.append(node, shown);
    return wrap;
  }
  return node;
}

class FormWidget extends Widget {
  constructor(cell) {
    super();
    this.cell = cell;
    this.addClass('jp-localab-form');
    this.showCode = false;
  }

  render() {
    const source = this.cell.model.sharedModel.getSource();
    let form = null;
    try {
      form = parseForm(source);
    } catch (error) {
      if (!warned.has(this.cell.model.id)) {
        warned.add(this.cell.model.id);
        console.warn(`localab: a Colab form annotation cannot be read (${error.message}); the cell shows as code`);
      }
    }
    this.node.replaceChildren();
    this.cell.toggleClass('jp-localab-form-hides-code', Boolean(form && form.hideCode && !this.showCode));
    this.setHidden(!form);
    if (!form) return;
    if (form.title) {
      const title = document.createElement('div');
      title.className = 'jp-localab-form-title';
      title.textContent = form.title;
      this.node.appendChild(title);
    }
    for (const field of form.fields) {
      if (field.kind === 'markdown') {
        const text = document.createElement('div');
        text.className = 'jp-localab-form-markdown';
        text.textContent = field.text;
        this.node.appendChild(text);
        continue;
      }
      const row = document.createElement('label');
      row.className = 'jp-localab-form-field';
      const name = document.createElement('span');
      name.className = 'jp-localab-form-name';
      name.textContent = field.name;
      const control = input(field, value => {
        const current = this.cell.model.sharedModel.getSource();
        this.cell.model.sharedModel.setSource(rewrite(current, field, value));
      });
      control.dataset.param = field.name;
      row.append(name, control);
      this.node.appendChild(row);
    }
    if (form.hideCode) {
      const toggle = document.createElement('button');
      toggle.className = 'jp-localab-form-toggle';
      toggle.textContent = this.showCode ? 'Hide code' : 'Show code';
      toggle.addEventListener('click', () => {
        this.showCode = !this.showCode;
        this.render();
      });
      this.node.appendChild(toggle);
    }
  }
}

function attach(cell) {
  if (cell.model.type !== 'code' || cell.__localabForm) return;
  const form = new FormWidget(cell);
  cell.__localabForm = form;
  const layout = cell.layout;
  const index = layout.widgets.indexOf(cell.inputArea);
  layout.insertWidget(index >= 0 ? index : 0, form);
  form.render();
  cell.model.contentChanged.connect(() => form.render());
}

export function renderForms(tracker) {
  const scan = panel => panel.content.widgets.forEach(attach);
  tracker.widgetAdded.connect((_, panel) => {
    panel.revealed.then(() => scan(panel));
    panel.content.model && panel.content.model.cells.changed.connect(() => setTimeout(() => scan(panel), 0));
    panel.content.modelChanged.connect(() => scan(panel));
  });
}
