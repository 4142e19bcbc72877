"""google.colab.sql: what Colab's SQL cells call (bigquery)."""
