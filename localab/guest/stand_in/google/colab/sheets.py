"""google.colab.sheets: a DataFrame in a Google Sheet and back, through gspread, with the
credentials given or those auth.authenticate_user() finds here (its secret or drive file).

Without credentials it fails at once, saying how to give them; nothing leaves the
runtime before that. gspread is in the colab image. The sheet is shown as a link: Google
refuses to be embedded in a page that is not signed in to it."""

import abc
import datetime
import importlib

from IPython import display as _display

from . import auth

_PANDAS, _POLARS = "pandas", "polars"
SCOPES = ("https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/spreadsheets")


def _gspread():
    try:
        return importlib.import_module("gspread")
    except ImportError:
        raise ImportError("google.colab.sheets needs gspread: the colab image has it (`localab up --flavour colab`), "
                          "or `!pip install gspread`") from None


def _a1(location) -> str:
    """'' or A1 notation as given; a 1-based (row, column) in A1 notation."""
    utils = _gspread().utils
    if location == "" or (isinstance(location, str) and utils.CELL_ADDR_RE.match(location)):
        return location
    if isinstance(location, tuple) and len(location) == 2 and all(isinstance(n, int) and n > 0 for n in location):
        return utils.rowcol_to_a1(*location)
    raise ValueError(f"{location!r} is not a valid location: give A1 notation (e.g. 'C8') or a 1-based (row, column)")


def _cells(df) -> list[list]:
    """pandas rows as values Sheets takes: timestamps as ISO text, missing values empty."""
    import pandas as pd

    def clean(value):
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
        if isinstance(value, list):
            return str(value)
        return None if pd.isna(value) is True else value.item() if hasattr(value, "item") else value
    return [[clean(v) for v in row] for row in df.itertuples(index=False, name=None)]


class InteractiveSheetStorageStrategy(abc.ABC):
    """How a worksheet's cells become a DataFrame and back."""

    @abc.abstractmethod
    def read(self, worksheet):
        ...

    @abc.abstractmethod
    def write(self, worksheet, df, location, **kwargs):
        ...


class HeaderStorageStrategy(InteractiveSheetStorageStrategy):
    """pandas; the first row holds the column names."""

    def read(self, worksheet, range_name=None):
        import pandas as pd

        values = worksheet.get_values(range_name)
        return pd.DataFrame(values[1:], columns=values[0]) if values else pd.DataFrame()

    def write(self, worksheet, df, location, **kwargs):
        worksheet.update([[str(c) for c in df.columns]] + _cells(df), location or None, **kwargs)


class HeaderlessStorageStrategy(InteractiveSheetStorageStrategy):
    """pandas; every row is data."""

    def read(self, worksheet, range_name=None):
        import pandas as pd

        return pd.DataFrame(worksheet.get_values(range_name))

    def write(self, worksheet, df, location, **kwargs):
        worksheet.update(_cells(df), location or None, **kwargs)


class PolarsHeaderStorageStrategy(HeaderStorageStrategy):
    """polars; the first row holds the column names."""

    def __init__(self):
        self._pl = importlib.import_module("polars")

    def read(self, worksheet, range_name=None):
        values = worksheet.get_values(range_name)
        return self._pl.DataFrame(values[1:], schema=values[0], orient="row") if values else self._pl.DataFrame()

    def write(self, worksheet, df, location, **kwargs):
        super().write(worksheet, df.to_pandas(), location, **kwargs)


class PolarsHeaderlessStorageStrategy(HeaderlessStorageStrategy):
    """polars; every row is data."""

    def __init__(self):
        self._pl = importlib.import_module("polars")

    def read(self, worksheet, range_name=None):
        return self._pl.DataFrame(worksheet.get_values(range_name), orient="row")

    def write(self, worksheet, df, location, **kwargs):
        super().write(worksheet, df.to_pandas(), location, **kwargs)


class InteractiveSheet:
    """A worksheet of a Google Sheet: the one at url / sheet_id / title (made when no sheet
    has that title), or a new one; `df` is written into it; as_df() reads it back."""

    def __init__(self, *, title="", url="", sheet_id="", df=None, worksheet_id=None, worksheet_name="",
                 credentials=None, include_column_headers=True, display=True, backend=_PANDAS):
        if sum(map(bool, (title, url, sheet_id))) > 1:
            raise ValueError("Expected either a `url`, `sheet_id` or `title` but got more than one.")
        if worksheet_id is not None and worksheet_name:
            raise ValueError("Expected `worksheet_id` or `worksheet_name` got both.")
        strategies = {_PANDAS: (HeaderStorageStrategy, HeaderlessStorageStrategy),
                      _POLARS: (PolarsHeaderStorageStrategy, PolarsHeaderlessStorageStrategy)}
        if backend not in strategies:
            raise ValueError(f"Unrecognized backend '{backend}', use one of 'polars' or 'pandas'.")
        self.backend = backend
        self.storage_strategy = strategies[backend][0 if include_column_headers else 1]()
        gspread = _gspread()
        self._client = gspread.authorize(self.generate_creds(credentials))
        if sheet_id or url:
            self.sheet = self._client.open_by_key(sheet_id) if sheet_id else self._client.open_by_url(url)
        else:
            try:
                self.sheet = self._client.open(title) if title else None
            except gspread.exceptions.SpreadsheetNotFound:
                self.sheet = None
            self.sheet = self.sheet or self._client.create(
                title or datetime.datetime.now().strftime("InteractiveSheet_%Y-%m-%d_%H_%M_%S"))
        self.worksheet = (self.sheet.worksheet(worksheet_name) if worksheet_name else
                          self.sheet.get_worksheet_by_id(worksheet_id) if worksheet_id is not None else
                          self.sheet.get_worksheet(0))
        self.url = f"{self.sheet.url}/edit#gid={self.worksheet.id}"
        self.embedded_url = f"{self.sheet.url}/edit?rm=embedded#gid={self.worksheet.id}"
        print(self.url)
        if df is not None:
            self.update(df)
        if display:
            self.display()

    @classmethod
    def generate_creds(cls, credentials=None):
        """The credentials given, else auth's (which raises at once, saying how, when there are none)."""
        if credentials is not None:
            return credentials
        import google.auth

        auth.authenticate_user()
        return google.auth.default(scopes=SCOPES)[0]

    def as_df(self, range_name=None):
        return self.storage_strategy.read(self.worksheet, range_name)

    def update(self, df, location="", clear=True, **kwargs):
        """Write df at location (A1 or (row, column); the top left by default), clearing the
        worksheet first unless clear=False."""
        if df is None:
            raise ValueError("df must be a non-empty dataframe")
        wanted = "polars" if self.backend == _POLARS else "pandas"
        if type(df).__module__.split(".")[0] != wanted:
            raise ValueError(f"Unexpected DataFrame: this sheet was made with backend='{self.backend}', so it takes a "
                             f"{wanted} DataFrame, not {type(df).__module__}.{type(df).__name__}")
        location = _a1(location)
        if clear:
            self.worksheet.clear()
        self.storage_strategy.write(self.worksheet, df, location, **kwargs)

    def display(self, height=600):
        _display.display(_display.HTML(f'<a href="{self.url}" target="_blank">Open the sheet in Google Sheets</a>'))
