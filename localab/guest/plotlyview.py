"""Plotly figures in JupyterLab, offline.

Colab's plotly (5.x) ships a JupyterLab extension that JupyterLab 4 does not load, and its
other renderers fetch plotly.js from a CDN or write files the page cannot reach. This
renderer puts each figure, with plotly.js inside, into an iframe's srcdoc: it draws in
JupyterLab with no network and no extension, and is the default once plotly.io imports.
The frame is sandboxed to scripts alone: it runs in an origin of its own, so a figure
(whose titles and hover texts a notebook may take from any data) cannot reach the lab's
page, its cookies or its API.
"""

import html

HEIGHT_PX = 545  # plotly's default figure (525) and the iframe's margins


def register(pio) -> None:
    from plotly.io._base_renderers import MimetypeRenderer

    class SrcdocRenderer(MimetypeRenderer):
        def to_mimebundle(self, fig_dict):
            page = pio.to_html(fig_dict, include_plotlyjs=True, full_html=True, validate=False)
            height = (fig_dict.get("layout") or {}).get("height") or HEIGHT_PX - 20
            frame = (f'<iframe class="localab-plotly" sandbox="allow-scripts" srcdoc="{html.escape(page, quote=True)}" '
                     f'style="border:0;width:100%;height:{int(height) + 20}px"></iframe>')
            return {"text/html": frame}

    pio.renderers["localab"] = SrcdocRenderer()
    pio.renderers.default = "localab"
