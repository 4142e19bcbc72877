"""google.colab.widgets: tab bars and grids whose parts take a block's output.

Colab draws them with its own page code; here they are Jupyter widgets (ipywidgets: a
Tab or a GridBox of Output widgets), which JupyterLab draws and routes output into.
`with tabs.output_to('plots'): ...` sends prints, displays and plots there."""

import contextlib
import uuid

from IPython import display as _display

from .errors import WidgetException


class _OutputParts:
    """What TabBar and Grid share: one Output widget per part, one part active at a time."""

    def __init__(self, count: int):
        import ipywidgets

        self._widgets = ipywidgets
        self._parts = [ipywidgets.Output() for _ in range(count)]
        self._current = None

    @contextlib.contextmanager
    def _output_in(self, index: int):
        if self._current is not None:
            raise WidgetException("already inside a part of this widget: leave its `with` block first")
        self._current = index
        try:
            with self._parts[index]:
                yield
        finally:
            self._current = None

    def _clear(self, index, wait: bool = False):
        index = self._current if index is None else index
        if index is None:
            raise WidgetException("no part to clear: name one, or call this inside an output_to block")
        self._parts[index].clear_output(wait=wait)

    def remove(self, wait=False):
        """Take the widget out of the page."""
        self._root.close()


class TabBar(_OutputParts):
    """Tabs whose content is what runs inside `with tab_bar.output_to(name_or_index):`."""

    def __init__(self, tab_names, location="top"):
        if location not in ("top", "bottom", "start", "end"):
            raise ValueError(f"Invalid value for location: {location!r}")
        self.tab_names = list(tab_names)
        super().__init__(len(self.tab_names))
        self._root = self._widgets.Tab(children=self._parts)
        for index, name in enumerate(self.tab_names):
            self._root.set_title(index, str(name))
        if location != "top":
            print(f"TabBar: JupyterLab shows tabs on top; location={location!r} is Colab's only")
        _display.display(self._root)

    def _index(self, tab) -> int:
        if isinstance(tab, str):
            if tab not in self.tab_names:
                raise WidgetException(f"no tab named {tab!r}; the tabs are {self.tab_names}")
            if self.tab_names.count(tab) > 1:
                raise ValueError(f"Ambiguous tab name: {tab} (use its index)")
            return self.tab_names.index(tab)
        if not isinstance(tab, int) or not 0 <= tab < len(self.tab_names):
            raise WidgetException(f"tab {tab!r} does not exist: give a name or an index below {len(self.tab_names)}")
        return tab

    @contextlib.contextmanager
    def output_to(self, tab, select=True):
        index = self._index(tab)
        if select and self._current is None:
            self._root.selected_index = index
        with self._output_in(index):
            yield

    def clear_tab(self, tab=None):
        self._clear(None if tab is None else self._index(tab))

    def __iter__(self):
        for index in range(len(self.tab_names)):
            with self.output_to(index):
                yield index


class Grid(_OutputParts):
    """A rows x columns table whose cells take output: `with grid.output_to(row, column):`."""

    def __init__(self, rows, columns, header_row=False, header_column=False, style=""):
        if not all(isinstance(n, int) and n > 0 for n in (rows, columns)):
            raise ValueError(f"a grid needs whole numbers of rows and columns above 0, not {rows!r} x {columns!r}")
        self.rows, self.columns = rows, columns
        self.header_row, self.header_column = header_row, header_column
        super().__init__(rows * columns)
        name = f"colab-grid-{uuid.uuid4().hex[:12]}"
        for index, part in enumerate(self._parts):
            row, column = divmod(index, columns)
            part.add_class("colab-grid-cell")
            if (header_row and row == 0) or (header_column and column == 0):
                part.add_class("colab-grid-header")
        self._root = self._widgets.GridBox(children=self._parts, layout=self._widgets.Layout(
            grid_template_columns=f"repeat({columns}, auto)", width="fit-content"))
        self._root.add_class(name)
        _display.display(_display.HTML(
            f"<style>.{name} {{border-collapse: collapse; {style}}} "
            f".{name} .colab-grid-cell {{border: 1px solid var(--jp-border-color2); padding: 2px 6px}} "
            f".{name} .colab-grid-header {{font-weight: bold; background: var(--jp-layout-color2)}}</style>"))
        _display.display(self._root)

    def _index(self, row, column) -> int:
        if not (isinstance(row, int) and isinstance(column, int) and 0 <= row < self.rows
                and 0 <= column < self.columns):
            raise WidgetException(f"Cell ({row}, {column}) is outside of boundaries of {self.rows}x{self.columns} grid")
        return row * self.columns + column

    @contextlib.contextmanager
    def output_to(self, row, column):
        with self._output_in(self._index(row, column)):
            yield

    def clear_cell(self, row=None, col=None):
        self._clear(None if row is None else self._index(row, col))

    def __iter__(self):
        for row in range(self.rows):
            for column in range(self.columns):
                with self.output_to(row, column):
                    yield row, column


def create_grid(row_data, col_data, render, header_render=None, header_row=True, header_column=True):
    """A grid of render(row, column) for each pair, with the rows' and columns' own values
    as headers; what render prints or returns lands in its cell."""
    rows, columns = list(row_data), list(col_data)
    grid = Grid(len(rows) + header_row, len(columns) + header_column, header_row=header_row,
                header_column=header_column)
    header_render = header_render or _display.display
    for row, column in grid:
        r, c = row - header_row, column - header_column
        if r < 0 and c < 0:
            continue
        result = header_render(columns[c]) if r < 0 else header_render(rows[r]) if c < 0 else render(rows[r], columns[c])
        if result is not None:
            _display.display(result)
    return grid


class InteractiveTable:
    """Colab's paged table widget. Here data_table draws it (itables, offline, sortable and
    paged in the page) inside an Output widget; active_data is the page's rows, as on Colab."""

    def __init__(self, df=None, **kwargs):
        import ipywidgets

        unknown = sorted(set(kwargs) - {"page_size", "sort_column", "sort_ascending"})
        if unknown:
            raise TypeError(f"InteractiveTable takes page_size, sort_column and sort_ascending, not {unknown[0]!r}")
        self.data, self.columns, self.rows, self.active_data, self.page_num = None, [], 0, [], 0
        self.page_size = kwargs.get("page_size", 10)
        self.sort_column, self.sort_ascending = kwargs.get("sort_column"), kwargs.get("sort_ascending", True)
        self._output = ipywidgets.Output()
        _display.display(self._output)
        if df is not None:
            self.set_data(df)

    def set_data(self, df):
        self.data, self.rows, self.columns, self.page_num = df, len(df), df.columns.tolist(), 0
        self.update_active_data()

    def set_page(self, page_num: int):
        if page_num != self.page_num:
            self.page_num = page_num
            self.update_active_data()

    def update_active_data(self):
        if self.data is None:
            return
        if self.sort_column is not None:
            self.data.sort_values(by=self.columns[self.sort_column], ascending=self.sort_ascending, inplace=True)
        start = self.page_num * self.page_size
        self.active_data = self.data[start:start + self.page_size].to_dict(orient="records")
        self._draw(start)

    def _draw(self, start: int):
        from .data_table import DataTable

        table = DataTable(self.data, num_rows_per_page=self.page_size)
        table._options["displayStart"] = start
        self._output.clear_output()
        with self._output:
            _display.display(table)
