// google.colab.output.eval_js in JupyterLab: the kernel asks on its stdin channel (which a
// busy kernel reads) with a marked prompt; this answers it with the value the script computed (a Promise is
// awaited, with the timeout the kernel gave), or its error, and never shows an input box.
import { OutputArea } from '@jupyterlab/outputarea';

const MARKER = '\u001blocalab-eval-js\u001b';

class Timeout extends Error {}

export async function evaluate(request) {
  const run = async () => (0, eval)(request.script); // indirect eval: the page's global scope, as Colab's
  try {
    const pending = run();
    const value = request.timeout_sec
      ? await Promise.race([
          pending,
          new Promise((_, reject) => setTimeout(() => reject(new Timeout()), request.timeout_sec * 1000))
        ])
      : await pending;
    if (request.ignore_result) return { value: null };
    const text = JSON.stringify(value === undefined ? null : value);
    return { value: text === undefined ? null : JSON.parse(text) };
  } catch (error) {
    if (error instanceof Timeout) return { timeout: true };
    return { error: error && error.name ? `${error.name}: ${error.message}` : String(error) };
  }
}

export function answerEvalJs() {
  const original = OutputArea.prototype.onInputRequest;
  OutputArea.prototype.onInputRequest = function (msg, future) {
    const prompt = (msg.content && msg.content.prompt) || '';
    if (!prompt.startsWith(MARKER)) {
      return original.call(this, msg, future);
    }
    let request;
    try {
      request = JSON.parse(prompt.slice(MARKER.length));
    } catch (error) {
      future.sendInputReply({ status: 'ok', value: JSON.stringify({ error: `bad eval_js request: ${error}` }) }, msg.header);
      return;
    }
    evaluate(request).then(reply =>
      future.sendInputReply({ status: 'ok', value: JSON.stringify(reply) }, msg.header)
    );
  };
}
