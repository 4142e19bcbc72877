"""google.colab.data_table: pandas DataFrames as interactive, sortable, paged tables.

Colab draws them with its own front end; here itables does, offline: its JavaScript
bundle, shipped inside the package, goes into the page once per kernel, with the first
table (itables would otherwise take the network, since google.colab is importable)."""

import itables
from itables import javascript as _itables_js
from itables import options as _itables_options

# itables believes it is in Colab once google.colab can be found, and warns that its offline
# mode cannot work there (Colab puts each output in an iframe of its own). JupyterLab draws
# outputs in the page, where the offline mode works: the warning would be wrong here.
_itables_js.GOOGLE_COLAB = False

_state = {"enabled": False, "loaded": False}
DEFAULT_PAGE = 25


def _library_html() -> str:
    """The DataTables bundle for the page, the first time this kernel shows a table."""
    if _state["loaded"]:
        return ""
    _state["loaded"] = True
    return _itables_js.generate_init_offline_itables_html(_itables_options.dt_bundle)


class DataTable:
    """An interactive table of `dataframe` (Colab's signature; the layout is itables')."""

    include_index = True  # the default of every table, as on Colab

    def __init__(self, dataframe, include_index: bool | None = None, num_rows_per_page: int | None = None,
                 max_rows: int | None = None, max_columns: int | None = None, min_width=None):
        include_index = self.include_index if include_index is None else include_index
        self._dataframe = dataframe if include_index else dataframe.reset_index(drop=True)
        self._options = {"pageLength": num_rows_per_page or DEFAULT_PAGE, "showIndex": include_index,
                         "connected": False}
        if max_rows:
            self._options["maxRows"] = max_rows
        if max_columns:
            self._options["maxColumns"] = max_columns

    def _repr_html_(self) -> str:
        return _library_html() + itables.to_html_datatable(self._dataframe, **self._options)

    @classmethod
    def formatter(cls, dataframe, **kwargs) -> str:
        """The table's HTML: what IPython's HTML formatter gets for a DataFrame."""
        return cls(dataframe, **kwargs)._repr_html_()


def display_dataframe(df) -> None:
    """Show `df` as an interactive table, without its index (Colab's own use of it)."""
    from IPython.display import display

    display(DataTable(df, include_index=False))


def enable_dataframe_formatter() -> None:
    """Every DataFrame shown from now on is an interactive table."""
    itables.init_notebook_mode(all_interactive=True, connected=False)
    _state.update(enabled=True, loaded=True)


def disable_dataframe_formatter() -> None:
    """DataFrames show as pandas' own HTML again."""
    itables.init_notebook_mode(all_interactive=False, connected=False)
    _state["enabled"] = False


def load_ipython_extension(ipython) -> None:  # `%load_ext google.colab.data_table`
    enable_dataframe_formatter()


def unload_ipython_extension(ipython) -> None:
    disable_dataframe_formatter()


__all__ = ["DataTable", "enable_dataframe_formatter", "disable_dataframe_formatter", "display_dataframe",
           "load_ipython_extension", "unload_ipython_extension"]
