"""google.colab.files: upload from and download to the browser.

upload() shows a file picker in the cell's output. The page sends the chosen files
to Jupyter Server's contents API (in chunks, as JupyterLab's own upload does) into a
staging folder; the cell waits for them, moves them into the working directory like
Colab, and returns {name: bytes}. The kernel never has to read widget messages while
a cell runs, so nothing can hang on that."""

import contextlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path

from IPython import display as _display

from localab.guest import contract

ROOT = Path(contract.CONTENT)  # Jupyter Server's root: the contents API's paths start here
WAIT_S = 3600
_JS = """
(async () => {
  const id = __ID__, staging = __STAGING__, free = __FREE__, chunkSize = 8 * 1024 * 1024;
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const xsrf = decodeURIComponent((document.cookie.match(/(?:^|;\\s*)_xsrf=([^;]*)/) || [])[1] || '');
  const headers = {'Content-Type': 'application/json', 'X-XSRFToken': xsrf};
  if (config.token) headers['Authorization'] = 'token ' + config.token;
  const status = document.getElementById('status-' + id);
  const input = document.getElementById('files-' + id);
  const cancel = document.getElementById('cancel-' + id);
  const put = async (path, body) => {
    const response = await fetch(config.baseUrl + 'api/contents/' + path.split('/').map(encodeURIComponent).join('/'),
      {method: 'PUT', headers, credentials: 'same-origin', body: JSON.stringify(body)});
    if (!response.ok) throw new Error(response.status + ' ' + (await response.text()));
  };
  const finish = async (manifest) => {
    input.disabled = true; cancel.disabled = true;
    await put(staging + '/manifest.json', {type: 'file', format: 'text', content: JSON.stringify(manifest)});
  };
  const base64 = (blob) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result.split(',')[1] || '');
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
  cancel.onclick = () => { status.textContent = 'Upload cancelled.'; finish({cancelled: true}); };
  input.onchange = async () => {
    const chosen = Array.from(input.files);
    const total = chosen.reduce((sum, f) => sum + f.size, 0);
    try {
      if (total > free) {
        const message = `Upload refused: the files chosen hold ${total} bytes, but /content has only ${free} bytes free.`;
        status.textContent = message;
        await finish({error: message});
        return;
      }
      for (const file of chosen) {
        const chunks = Math.max(1, Math.ceil(file.size / chunkSize));
        for (let i = 0; i < chunks; i++) {
          const content = await base64(file.slice(i * chunkSize, (i + 1) * chunkSize));
          const body = {type: 'file', format: 'base64', content};
          if (chunks > 1) body.chunk = (i === chunks - 1) ? -1 : i + 1;
          await put(staging + '/' + file.name, body);
          status.textContent = `${file.name}: ${Math.round(100 * (i + 1) / chunks)}% done`;
        }
      }
      status.textContent = `${chosen.length} file(s) uploaded.`;
      await finish({files: chosen.map(f => f.name)});
    } catch (error) {
      status.textContent = 'Upload failed: ' + error.message;
      await finish({error: 'the upload failed in the browser: ' + error.message});
    }
  };
})();
"""


def _unique(target: Path) -> Path:
    """Colab keeps an existing file and saves the new one as `name (1).ext`."""
    if not target.exists():
        return target
    for number in range(1, 10000):
        candidate = target.with_name(f"{target.stem} ({number}){target.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(target)


def _receive(staging: Path, destination: Path, multiple: bool) -> list[str] | None:
    """Show the picker, wait for the page to send the chosen files into `staging`, and
    return their names (None when the user cancelled)."""
    upload_id = staging.name
    free = shutil.disk_usage(ROOT).free
    _display.display(_display.HTML(
        f'<input type="file" id="files-{upload_id}"{" multiple" if multiple else ""}/> '
        f'<button id="cancel-{upload_id}">Cancel upload</button> '
        f'<output id="status-{upload_id}">Choose {"files; they are" if multiple else "a file; it is"} saved in '
        f'{destination}</output>'))
    script = (_JS.replace("__ID__", json.dumps(upload_id))
              .replace("__STAGING__", json.dumps(staging.relative_to(ROOT).as_posix())).replace("__FREE__", str(free)))
    _display.display(_display.Javascript(script))
    manifest = staging / "manifest.json"
    deadline = time.monotonic() + WAIT_S
    while not manifest.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no files were chosen within {WAIT_S // 60} minutes")
        time.sleep(0.2)
    time.sleep(0.1)  # the manifest is written in one PUT; let it land
    outcome = json.loads(manifest.read_text())
    if outcome.get("error"):
        raise OSError(outcome["error"])
    if outcome.get("cancelled"):
        print("Upload cancelled.")
        return None
    return outcome["files"]


@contextlib.contextmanager
def _staging():
    staging = ROOT / ".localab-uploads" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def upload(target_dir: str | None = None) -> dict[str, bytes]:
    """Let the user pick files in the browser; returns {filename: bytes} and saves them
    in the working directory (or `target_dir`)."""
    destination = Path(target_dir or os.getcwd())
    with _staging() as staging:
        uploaded = {}
        for name in _receive(staging, destination, multiple=True) or []:
            target = _unique(destination / name)
            shutil.move(str(staging / name), target)
            uploaded[target.name] = target.read_bytes()
            print(f"Saving {name} to {target.name}")
        return uploaded


def upload_file(filename: str) -> None:
    """Let the user pick one file in the browser and save it as `filename` (replacing it)."""
    if not isinstance(filename, (str, os.PathLike)) or not str(filename):
        raise TypeError(f"upload_file needs the name to save the file as, not {filename!r}")
    target = Path(os.getcwd()) / filename
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder: give upload_file a file name")
    with _staging() as staging:
        names = _receive(staging, target.parent, multiple=False)
        if not names:
            raise ValueError("File has not been uploaded")
        if len(names) > 1:
            raise ValueError("Multiple files received, please upload a single file")
        shutil.move(str(staging / names[0]), target)
        print(f"Saved {names[0]} to {target}")


_VIEW_JS = """
((path, folder) => {
  const app = window.jupyterapp;
  if (app) {
    if (folder) app.commands.execute('filebrowser:go-to-path', {path: '/' + path});
    else app.commands.execute('docmanager:open', {path, options: {mode: 'split-right'}});  // beside, as Colab's viewer
    return;
  }
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  window.open(config.baseUrl + 'lab/tree/' + path.split('/').map(encodeURIComponent).join('/'), '_blank');
})(__PATH__, __FOLDER__);
"""


def view(filepath) -> None:
    """Open a file in JupyterLab, in a panel beside the notebook, or a folder in its file browser."""
    path = Path(os.getcwd()) / Path(filepath).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"Cannot find file: {filepath}")
    path = path.resolve()
    try:
        relative = path.relative_to(ROOT)
    except ValueError:
        raise ValueError(f"JupyterLab shows files under {ROOT}; {path} is outside it (copy it there to view it)") from None
    script = _VIEW_JS.replace("__PATH__", json.dumps(relative.as_posix())).replace(
        "__FOLDER__", json.dumps(path.is_dir()))
    _display.display(_display.Javascript(script))


_DOWNLOAD_JS = """
(() => {
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const link = document.createElement('a');
  link.href = config.baseUrl + 'files/' + __PATH__.split('/').map(encodeURIComponent).join('/') + '?download=1';
  link.download = __NAME__;
  document.body.appendChild(link);
  link.click();
  link.remove();
})();
"""


def download(filename: str) -> None:
    """Have the browser download a file from the runtime (it must be under /content)."""
    path = Path(filename).expanduser()
    path = (Path(os.getcwd()) / path if not path.is_absolute() else path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"Cannot find file: {filename}")
    try:
        relative = path.relative_to(ROOT)
    except ValueError:
        raise ValueError(f"only files under {ROOT} can be downloaded; copy {filename} there first") from None
    script = _DOWNLOAD_JS.replace("__PATH__", json.dumps(relative.as_posix())).replace("__NAME__", json.dumps(path.name))
    _display.display(_display.Javascript(script))
